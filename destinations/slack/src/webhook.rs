/*!
Delivering a payload to a Slack incoming webhook.

Slack answers a delivered message with HTTP 200 and the body `ok`; nothing
else counts. Rate limiting (429) is retried after the `Retry-After` Slack
asks for, server errors (5xx), timeouts and connection failures after a
doubling backoff, all within a deadline. Any other answer names a problem a
retry cannot fix (`channel_not_found`, `invalid_blocks`, `invalid_token`) and
fails at once with Slack's error code.

The URL never appears in a log line or an error: errors from the HTTP client
are stripped of it with `without_url()`.
*/

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::BuildHasher;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use serde_json::Value;
use tokio::time::Instant;
use tracing::{debug, warn};

use crate::config::{RetryConfig, WebhookUrl};
use crate::error::Error;

/// The longest Slack error code kept from a response body.
const ERROR_CODE_MAX: usize = 64;

/// A delivered payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// How many requests it took.
    pub attempts: u32,
}

/// Something a payload can be posted to.
pub trait PostPayload: Send + Sync {
    /// Posts `payload`, retrying where that can help, until `deadline`.
    fn post(
        &self,
        payload: &Value,
        deadline: Instant,
    ) -> impl Future<Output = Result<Delivery, Error>> + Send;
}

/// A Slack incoming webhook reached over HTTPS.
#[derive(Debug, Clone)]
pub struct SlackWebhook {
    client: reqwest::Client,
    url: WebhookUrl,
    retry: RetryConfig,
}

impl SlackWebhook {
    /// Builds the HTTP client; do this once and reuse it.
    pub fn new(url: WebhookUrl, retry: RetryConfig) -> Result<SlackWebhook, Error> {
        activity_aware::aws::install_crypto_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "activity-aware-destination-slack/",
                env!("CARGO_PKG_VERSION")
            ))
            .connect_timeout(retry.request_timeout)
            .build()
            .map_err(|error| Error::HttpClient {
                reason: describe(error),
            })?;

        Ok(SlackWebhook { client, url, retry })
    }

    async fn attempt(&self, body: &[u8], timeout: Duration) -> Attempt {
        let sent = self
            .client
            .post(self.url.expose().clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .timeout(timeout)
            .send()
            .await;

        let response = match sent {
            Ok(response) => response,
            Err(error) => return Attempt::Retry(Outcome::Transport(describe(error)), None),
        };

        let status = response.status();
        let retry_after = retry_after(&response);
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => return Attempt::Retry(Outcome::Transport(describe(error)), None),
        };
        let code = error_code(&body);

        if status == StatusCode::OK && body.as_ref() == b"ok" {
            Attempt::Delivered
        } else if status == StatusCode::TOO_MANY_REQUESTS {
            Attempt::Retry(Outcome::Status(status.as_u16(), code), retry_after)
        } else if status.is_server_error() {
            Attempt::Retry(Outcome::Status(status.as_u16(), code), None)
        } else {
            Attempt::Failed(Error::Rejected {
                status: status.as_u16(),
                code,
            })
        }
    }

    /// The wait after `failures` retryable failures: the doubling backoff,
    /// of which the upper half is random so that functions failing together
    /// do not all retry at the same moment.
    fn backoff(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1));
        let full = self
            .retry
            .initial_backoff
            .saturating_mul(factor)
            .min(self.retry.max_backoff);

        let half = full / 2;
        half + half.mul_f64(unit_random())
    }
}

impl PostPayload for SlackWebhook {
    async fn post(&self, payload: &Value, deadline: Instant) -> Result<Delivery, Error> {
        // A `Value` always serializes.
        let body = serde_json::to_vec(payload).unwrap_or_default();
        let mut attempts = 0;
        let mut last = "no attempt was made".to_owned();

        loop {
            let now = Instant::now();
            let Some(left) = deadline
                .checked_duration_since(now)
                .filter(|left| !left.is_zero())
            else {
                return Err(Error::DeadlineExceeded { attempts, last });
            };

            attempts += 1;
            let attempt = self
                .attempt(&body, left.min(self.retry.request_timeout))
                .await;

            let (outcome, asked) = match attempt {
                Attempt::Delivered => {
                    debug!(attempts, "slack payload delivered");
                    return Ok(Delivery { attempts });
                }
                Attempt::Failed(error) => return Err(error),
                Attempt::Retry(outcome, asked) => (outcome, asked),
            };

            let wait = match asked {
                Some(asked) => asked.min(self.retry.max_retry_after),
                None => self.backoff(attempts),
            };
            last = outcome.to_string();

            if Instant::now() + wait >= deadline {
                return Err(Error::DeadlineExceeded { attempts, last });
            }

            warn!(
                attempt = attempts,
                outcome = %last,
                wait_ms = wait.as_millis() as u64,
                "slack post retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }
}

/// What one request came to.
enum Attempt {
    Delivered,
    /// Worth another try, after the wait Slack asked for if it asked.
    Retry(Outcome, Option<Duration>),
    Failed(Error),
}

/// A retryable outcome, as told in logs and errors.
#[derive(Debug)]
enum Outcome {
    Status(u16, String),
    Transport(String),
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Status(status, code) => write!(f, "HTTP {status} `{code}`"),
            Outcome::Transport(reason) => f.write_str(reason),
        }
    }
}

/// A number in `[0, 1]`, random enough to spread retries.
fn unit_random() -> f64 {
    let random = RandomState::new().hash_one(std::time::Instant::now());
    random as f64 / u64::MAX as f64
}

/// The `Retry-After` seconds Slack asked for, if it sent a number.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    let seconds: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// Slack's error code from a response body, such as `channel_not_found`.
/// Anything that does not look like one is summarised, not repeated.
fn error_code(body: &[u8]) -> String {
    let text = std::str::from_utf8(body).unwrap_or("").trim();
    let looks_like_code = !text.is_empty()
        && text.len() <= ERROR_CODE_MAX
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');

    if looks_like_code {
        text.to_owned()
    } else if body.is_empty() {
        "empty body".to_owned()
    } else {
        format!("unrecognised body of {} bytes", body.len())
    }
}

/// A client error in words, without the URL, with its causes.
fn describe(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "reading the response failed"
    } else {
        "request failed"
    };

    let error = error.without_url();
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }

    if causes.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {}", causes.join(": "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_slack_error_codes() {
        assert_eq!(error_code(b"channel_not_found"), "channel_not_found");
        assert_eq!(error_code(b" invalid_blocks\n"), "invalid_blocks");
    }

    #[test]
    fn summarises_bodies_that_are_not_error_codes() {
        assert_eq!(
            error_code(b"<html>nope</html>"),
            "unrecognised body of 17 bytes"
        );
        assert_eq!(error_code(b""), "empty body");
        assert_eq!(error_code(&[b'a'; 65]), "unrecognised body of 65 bytes");
    }

    #[test]
    fn doubles_the_backoff_up_to_the_cap_with_jitter() {
        let url = WebhookUrl::parse("SLACK_WEBHOOK_URL", "https://hooks.slack.com/x").unwrap();
        let retry = RetryConfig {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            ..RetryConfig::default()
        };
        let webhook = SlackWebhook::new(url, retry).unwrap();

        for (failures, full) in [(1, 100), (2, 200), (3, 350), (4, 350), (u32::MAX, 350)] {
            for _ in 0..20 {
                let wait = webhook.backoff(failures).as_millis();
                assert!((full / 2..=full).contains(&wait), "{failures}: {wait} ms");
            }
        }
    }
}
