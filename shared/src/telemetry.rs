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
