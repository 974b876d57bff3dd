/*!
The Lambda mode: CloudWatch Logs subscription events from the Lambda runtime,
messages to the SNS topic.

Everything that does not change between invocations happens once, at cold
start: the configuration is read, the rules are loaded and the SNS client is
built (from the default AWS configuration, which honours `AWS_ENDPOINT_URL`).
A failed invocation returns an error so that Lambda retries the batch.
*/

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::{Value, json};
use tracing::{error, info};

use crate::config::{ConfigError, SourceConfig};
use crate::detect::{LoadError, Rules};
use crate::handler::{Detect, HandlerError, Source};
use crate::publish::{Publish, PublishError};
use crate::sns::SnsPublisher;

/// Why the function could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),

    #[error(transparent)]
    Rules(#[from] LoadError),

    #[error("the Lambda runtime stopped: {reason}")]
    Runtime { reason: String },
}

impl StartError {
    /// A stable name for logs.
    pub fn code(&self) -> &'static str {
        match self {
            StartError::Config(_) => "ConfigInvalid",
            StartError::Rules(_) => "RulesInvalid",
            StartError::Runtime { .. } => "RuntimeFailed",
        }
    }
}

/// Reads the configuration, builds the source and serves invocations until
/// the runtime stops.
pub async fn run() -> Result<(), StartError> {
    let config = SourceConfig::from_env()?;
    let topic_arn = config.require_topic_arn()?.to_owned();
    let rules = Rules::load(
        config.rules_dir.as_deref(),
        config.suppressions_file.as_deref(),
    )?;

    let sdk_config = activity_aware::aws::load_config().await;
    let publisher = SnsPublisher::new(aws_sdk_sns::Client::new(&sdk_config), topic_arn);
    info!(
        topic_arn = %publisher.topic_arn(),
        rules = rules.rules.len(),
        "source started"
    );

    let source = Source {
        detector: rules,
        publisher,
        report: config.report,
    };
    let source = &source;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        handle(source, &event.payload).await
    }))
    .await
    .map_err(|error| StartError::Runtime {
        reason: error.to_string(),
    })
}

/// Handles one invocation: the subscription event as Lambda delivers it.
/// Answers with the batch's totals.
pub async fn handle<D: Detect, P: Publish>(
    source: &Source<D, P>,
    payload: &Value,
) -> Result<Value, HandlerError> {
    match source.handle_subscription(payload).await {
        Ok(summary) => Ok(json!({
            "logEvents": summary.log_events,
            "skipped": summary.skipped,
            "unmatched": summary.unmatched,
            "published": summary.published,
        })),
        Err(failure) => {
            error!(
                error_code = error_code(&failure),
                error = %failure,
                "invocation failed"
            );
            Err(failure)
        }
    }
}

/// A stable name for a handler error, for logs and the Lambda error type.
pub fn error_code(error: &HandlerError) -> &'static str {
    match error {
        HandlerError::Decode(_) => "SubscriptionEventInvalid",
        HandlerError::Publish(PublishError::Sns { .. }) => "PublishFailed",
        HandlerError::Publish(PublishError::Stdout { .. }) => "StdoutFailed",
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(error: HandlerError) -> Diagnostic {
        Diagnostic {
            error_type: error_code(&error).to_owned(),
            error_message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::{NoRules, Report};
    use crate::publish::Collect;

    fn wrap(batch: &Value) -> Value {
        use base64::Engine;
        use std::io::Write;

        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gzip.write_all(batch.to_string().as_bytes()).unwrap();
        let data = base64::engine::general_purpose::STANDARD.encode(gzip.finish().unwrap());
        json!({"awslogs": {"data": data}})
    }

    #[tokio::test]
    async fn answers_with_the_batch_totals() {
        let source = Source {
            detector: NoRules,
            publisher: Collect::default(),
            report: Report::All,
        };
        let control = json!({"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs",
            "logGroup": "", "logStream": "", "subscriptionFilters": [], "logEvents": []});
        let payload = wrap(&control);

        let answer = handle(&source, &payload).await.unwrap();

        assert_eq!(
            answer,
            json!({"logEvents": 0, "skipped": 0, "unmatched": 0, "published": 0})
        );
    }

    #[tokio::test]
    async fn fails_with_a_typed_error_on_a_broken_event() {
        let source = Source {
            detector: NoRules,
            publisher: Collect::default(),
            report: Report::All,
        };

        let error = handle(&source, &json!({"awslogs": {"data": "%%%"}}))
            .await
            .unwrap_err();

        let diagnostic = Diagnostic::from(error);
        assert_eq!(diagnostic.error_type, "SubscriptionEventInvalid");
    }
}
