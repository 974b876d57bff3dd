/*!
Where the source's messages go: the SNS topic in AWS, standard output in
local runs (a pipe stands in for the topic), or a list in tests.
*/

use std::io::Write;
use std::sync::Mutex;

use activity_aware::Message;

/// Why messages could not be published. Every variant fails the invocation,
/// so that the caller retries it.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("cannot write messages to standard output: {source}")]
    Stdout { source: std::io::Error },

    #[error("{failed} of {total} messages could not be published to SNS: {reason}")]
    Sns {
        failed: usize,
        total: usize,
        reason: String,
    },
}

/// Publishes messages.
pub trait Publish {
    /// Publishes every message, or fails saying how many could not be.
    fn publish(
        &self,
        messages: &[Message],
    ) -> impl std::future::Future<Output = Result<(), PublishError>> + Send;
}

/// Writes messages to standard output, one JSON document per line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stdout;

impl Publish for Stdout {
    async fn publish(&self, messages: &[Message]) -> Result<(), PublishError> {
        let mut out = std::io::stdout().lock();
        for message in messages {
            writeln!(out, "{}", message.to_json())
                .map_err(|source| PublishError::Stdout { source })?;
        }
        out.flush()
            .map_err(|source| PublishError::Stdout { source })
    }
}

/// Keeps messages in memory, for tests and for counting.
#[derive(Debug, Default)]
pub struct Collect {
    messages: Mutex<Vec<Message>>,
}

impl Collect {
    /// Everything published so far.
    pub fn messages(&self) -> Vec<Message> {
        self.messages
            .lock()
            .map(|messages| messages.clone())
            .unwrap_or_default()
    }
}

impl Publish for Collect {
    async fn publish(&self, messages: &[Message]) -> Result<(), PublishError> {
        if let Ok(mut kept) = self.messages.lock() {
            kept.extend_from_slice(messages);
        }
        Ok(())
    }
}
