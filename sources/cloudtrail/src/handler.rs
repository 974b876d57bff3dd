/*!
The source's handler: one CloudWatch Logs batch in, messages published.

The Lambda runtime and the command line both end here. Each log event is
read as a CloudTrail event, matched against the rules and standardized; an
event that cannot be read is reported and skipped while the rest of the batch
goes on. Publishing is all or nothing from the caller's point of view: if any
message cannot be published the invocation fails, so that it is retried.
*/

use std::collections::HashSet;

use aws_lambda_events::event::cloudwatch_logs::LogData;
use serde_json::Value;
use tracing::{debug, info, warn};

use activity_aware::Message;
use activity_aware::cloudtrail::Event;
use activity_aware::message::Finding;
use activity_aware::standardize::standardize;

use crate::decode::{self, DecodeError};
use crate::publish::{Publish, PublishError};

/// Decides which findings an event raises.
pub trait Detect {
    /// Every finding about the event; empty when nothing matched.
    fn detect(&self, event: &Event) -> Vec<Finding>;

    /// Collapses repeated findings within one batch. The default keeps every
    /// message.
    fn group(&self, messages: Vec<Message>) -> Vec<Message> {
        messages
    }
}

/// Which events become messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// Only events that raised at least one finding.
    Findings,
    /// Every event the subscription delivered; those without findings are
    /// reported with the severity their outcome gives.
    All,
}

/// What one batch came to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Log events in the batch.
    pub log_events: usize,
    /// Log events that were not CloudTrail events.
    pub skipped: usize,
    /// Events that raised no finding, when only findings are reported.
    pub unmatched: usize,
    /// Events that appeared more than once in the batch, after the first.
    pub duplicates: usize,
    /// Messages published.
    pub published: usize,
}

impl Summary {
    pub fn add(&mut self, other: &Summary) {
        self.log_events += other.log_events;
        self.skipped += other.skipped;
        self.unmatched += other.unmatched;
        self.duplicates += other.duplicates;
        self.published += other.published;
    }
}

/// Why an invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(transparent)]
    Decode(#[from] DecodeError),

    #[error(transparent)]
    Publish(#[from] PublishError),
}

/// The source: detection, standardizing and publishing.
pub struct Source<D, P> {
    pub detector: D,
    pub publisher: P,
    pub report: Report,
}

impl<D: Detect, P: Publish> Source<D, P> {
    /// Handles a subscription event exactly as Lambda delivers it.
    pub async fn handle_subscription(&self, payload: &Value) -> Result<Summary, HandlerError> {
        let batch = decode::decode_subscription(payload)?;
        self.handle_batch(&batch).await
    }

    /// Handles one decoded batch.
    pub async fn handle_batch(&self, batch: &LogData) -> Result<Summary, HandlerError> {
        if !decode::is_data(batch) {
            // CloudWatch Logs checks a new subscription with a control
            // message; any other type is unexpected and said out loud.
            if batch.message_type == decode::CONTROL_MESSAGE {
                debug!(message_type = %batch.message_type, "batch skipped, not a data message");
            } else {
                warn!(
                    message_type = %batch.message_type,
                    log_events = batch.log_events.len(),
                    "batch skipped, its message type is not `DATA_MESSAGE`"
                );
            }
            return Ok(Summary::default());
        }

        let (messages, mut summary) = self.messages(batch);
        self.publisher.publish(&messages).await?;
        summary.published = messages.len();

        info!(
            log_group = %batch.log_group,
            log_events = summary.log_events,
            skipped = summary.skipped,
            unmatched = summary.unmatched,
            published = summary.published,
            "batch handled"
        );

        Ok(summary)
    }

    /// The messages a batch yields, without publishing them.
    pub fn messages(&self, batch: &LogData) -> (Vec<Message>, Summary) {
        let mut summary = Summary {
            log_events: batch.log_events.len(),
            ..Summary::default()
        };
        let mut messages = Vec::new();
        let mut seen = HashSet::new();

        for entry in &batch.log_events {
            let event = match Event::parse(&entry.message) {
                Ok(event) => event,
                Err(error) => {
                    warn!(
                        log_group = %batch.log_group,
                        log_event_id = %entry.id,
                        error = %error,
                        "log event skipped, not a CloudTrail event"
                    );
                    summary.skipped += 1;
                    continue;
                }
            };

            // CloudWatch Logs delivers at least once; a repeat inside one
            // batch is the same event, not a second occurrence.
            if !seen.insert(event.id().to_owned()) {
                debug!(event_id = %event.id(), "event skipped, already in this batch");
                summary.duplicates += 1;
                continue;
            }

            let findings = self.detector.detect(&event);
            if findings.is_empty() && self.report == Report::Findings {
                summary.unmatched += 1;
                continue;
            }

            debug!(event_id = %event.id(), findings = findings.len(), "event standardized");
            messages.push(standardize(&event, findings));
        }

        (self.detector.group(messages), summary)
    }
}

/// A detector that raises no findings, for sources that report every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoRules;

impl Detect for NoRules {
    fn detect(&self, _event: &Event) -> Vec<Finding> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::Collect;
    use aws_lambda_events::event::cloudwatch_logs::LogEntry;

    fn batch(messages: &[&str]) -> LogData {
        let mut data = LogData::default();
        data.message_type = "DATA_MESSAGE".to_owned();
        data.log_group = "CloudTrail/DefaultLogGroup".to_owned();
        data.log_events = messages
            .iter()
            .enumerate()
            .map(|(index, message)| {
                let mut entry = LogEntry::default();
                entry.id = index.to_string();
                entry.message = (*message).to_owned();
                entry
            })
            .collect();
        data
    }

    const DENIED: &str = r#"{"eventID":"e1","eventTime":"2024-03-01T10:00:00Z",
        "eventSource":"sts.amazonaws.com","eventName":"AssumeRole","errorCode":"AccessDenied",
        "userIdentity":{"type":"IAMUser","userName":"alice"}}"#;

    #[tokio::test]
    async fn skips_a_broken_event_and_publishes_the_rest() {
        let source = Source {
            detector: NoRules,
            publisher: Collect::default(),
            report: Report::All,
        };

        let summary = source
            .handle_batch(&batch(&[DENIED, r#"{"eventVersion":"1.03""#, "not json"]))
            .await
            .unwrap();

        assert_eq!(
            summary,
            Summary {
                log_events: 3,
                skipped: 2,
                unmatched: 0,
                duplicates: 0,
                published: 1
            }
        );
        let published = source.publisher.messages();
        assert_eq!(published.len(), 1);
        assert_eq!(published[0].title, "alice was denied sts:AssumeRole");
    }

    #[tokio::test]
    async fn reports_an_event_delivered_twice_in_one_batch_once() {
        let source = Source {
            detector: NoRules,
            publisher: Collect::default(),
            report: Report::All,
        };

        let summary = source
            .handle_batch(&batch(&[DENIED, DENIED]))
            .await
            .unwrap();

        assert_eq!(summary.duplicates, 1);
        assert_eq!(summary.published, 1);
        assert_eq!(source.publisher.messages()[0].occurrences, None);
    }

    #[tokio::test]
    async fn publishes_nothing_for_a_control_message() {
        let source = Source {
            detector: NoRules,
            publisher: Collect::default(),
            report: Report::All,
        };
        let mut control = batch(&[DENIED]);
        control.message_type = "CONTROL_MESSAGE".to_owned();

        assert_eq!(
            source.handle_batch(&control).await.unwrap(),
            Summary::default()
        );
        assert!(source.publisher.messages().is_empty());
    }

    #[tokio::test]
    async fn reports_only_findings_when_asked() {
        let source = Source {
            detector: NoRules,
            publisher: Collect::default(),
            report: Report::Findings,
        };
        let summary = source.handle_batch(&batch(&[DENIED])).await.unwrap();
        assert_eq!(summary.unmatched, 1);
        assert_eq!(summary.published, 0);
    }
}
