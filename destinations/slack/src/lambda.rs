/*!
The Lambda mode: SNS events from the Lambda runtime.

The webhook URL is resolved and the HTTP client built once, at cold start;
each invocation then gets the time left before its deadline, less a margin
to report a failure in.
*/

use std::time::{Duration, SystemTime};

use aws_lambda_events::event::sns::SnsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use tokio::time::Instant;
use tracing::info;

use crate::config::SlackConfig;
use crate::error::Error;
use crate::handler::handle;
use crate::webhook::SlackWebhook;

/// Serves invocations until the runtime stops.
pub async fn run(config: SlackConfig) -> Result<(), Error> {
    let source = config.webhook.ok_or(Error::WebhookMissing)?;
    let webhook = SlackWebhook::new(source.resolve().await?, config.retry)?;
    let margin = config.deadline_margin;
    info!(
        deadline_margin_ms = margin.as_millis() as u64,
        "destination started"
    );

    let webhook = &webhook;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SnsEvent>| async move {
        let deadline = deadline_before(event.context.deadline(), margin);
        handle(webhook, event.payload, deadline).await
    }))
    .await
    .map_err(|error| Error::Runtime {
        reason: error.to_string(),
    })
}

/// The instant `margin` before `deadline`, or now if that has passed.
pub fn deadline_before(deadline: SystemTime, margin: Duration) -> Instant {
    let left = deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    Instant::now() + left.saturating_sub(margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_margin_before_the_deadline() {
        let deadline = deadline_before(
            SystemTime::now() + Duration::from_secs(10),
            Duration::from_secs(2),
        );
        let left = deadline.duration_since(Instant::now());
        assert!(left <= Duration::from_secs(8), "{left:?}");
        assert!(left > Duration::from_millis(7900), "{left:?}");
    }

    #[test]
    fn a_passed_deadline_is_now() {
        let deadline = deadline_before(
            SystemTime::now() - Duration::from_secs(5),
            Duration::from_secs(2),
        );
        assert!(deadline <= Instant::now());
    }
}
