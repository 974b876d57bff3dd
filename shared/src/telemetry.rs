/*!
Logging set-up shared by every function.

Logs are structured `tracing` events. Under the Lambda runtime they are
written as JSON lines so CloudWatch Logs Insights can query their fields;
locally they are written as readable text to stderr, keeping stdout for
the command's output.
*/

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

/// Installs the global subscriber, logging at `LOG_LEVEL` or else at
/// `default_level`. Safe to call more than once: later calls are ignored.
pub fn init(format: LogFormat, default_level: &str) {
    let filter = EnvFilter::try_from_env(crate::config::LOG_LEVEL)
        .unwrap_or_else(|_| EnvFilter::new(default_level));

    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);

    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).without_time().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// An error and its sources on one line, each message once: `dispatch
/// failure: io error: ... Connection refused`. The AWS SDK's errors carry
/// their whole response in `Debug`; this keeps logs and error messages to
/// what a reader needs.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !message.is_empty() && !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the request failed")]
    struct Outer {
        #[source]
        inner: std::io::Error,
    }

    #[test]
    fn joins_an_error_and_its_sources() {
        let error = Outer {
            inner: std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused"),
        };
        assert_eq!(error_chain(&error), "the request failed: refused");
    }
}
