/*!
The Slack destination's configuration, read from the environment once at
start-up.

The webhook URL is a secret: anyone holding it can post to the channel. It
lives in a [`WebhookUrl`], whose `Debug` output is redacted and which has no
`Display`, so it cannot slip into a log line or an error message.
*/

use std::time::Duration;

use activity_aware::config::{SLACK_WEBHOOK_CIPHERTEXT, SLACK_WEBHOOK_URL};

use crate::error::Error;

/// Where the webhook URL comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum WebhookSource {
    /// The URL itself, from `SLACK_WEBHOOK_URL`.
    Plain(String),
    /// Base64 KMS ciphertext of the URL, from `SLACK_WEBHOOK_CIPHERTEXT`.
    Ciphertext(String),
}

impl std::fmt::Debug for WebhookSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebhookSource::Plain(_) => f.write_str("Plain(<redacted>)"),
            WebhookSource::Ciphertext(_) => f.write_str("Ciphertext(<redacted>)"),
        }
    }
}

impl WebhookSource {
    /// Turns the source into a checked URL, decrypting the ciphertext with
    /// KMS. Called once, at cold start.
    pub async fn resolve(self) -> Result<WebhookUrl, Error> {
        match self {
            WebhookSource::Plain(text) => WebhookUrl::parse(SLACK_WEBHOOK_URL, &text),
            WebhookSource::Ciphertext(text) => crate::kms::webhook_from_ciphertext(&text).await,
        }
    }
}

/// A checked webhook URL: https, or http to a loopback host for local tests.
#[derive(Clone)]
pub struct WebhookUrl(reqwest::Url);

impl WebhookUrl {
    /// Checks `text`, read from the variable `name`.
    pub fn parse(name: &'static str, text: &str) -> Result<WebhookUrl, Error> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::WebhookUrlEmpty { name });
        }

        let url = reqwest::Url::parse(text)
            .map_err(|reason| Error::WebhookUrlInvalid { name, reason })?;

        let loopback = match url.host() {
            Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(address)) => address.is_loopback(),
            Some(url::Host::Ipv6(address)) => address.is_loopback(),
            None => false,
        };
        let allowed = match url.scheme() {
            "https" => url.host().is_some(),
            "http" => loopback,
            _ => false,
        };
        if !allowed {
            return Err(Error::WebhookUrlInsecure {
                name,
                scheme: url.scheme().to_owned(),
            });
        }

        Ok(WebhookUrl(url))
    }

    /// The URL, for the HTTP client only.
    pub(crate) fn expose(&self) -> &reqwest::Url {
        &self.0
    }
}

impl std::fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookUrl(<redacted>)")
    }
}

/// How hard to try delivering one payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    /// The longest one request may take.
    pub request_timeout: Duration,
    /// The wait after the first retryable failure; it doubles each time.
    pub initial_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; longer asks are cut to this.
    pub max_retry_after: Duration,
}

impl Default for RetryConfig {
    fn default() -> RetryConfig {
        RetryConfig {
            request_timeout: Duration::from_secs(10),
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(20),
        }
    }
}

/// Everything the destination reads from its environment.
#[derive(Debug, Clone)]
pub struct SlackConfig {
    /// Where the webhook URL comes from; `None` prints payloads instead.
    pub webhook: Option<WebhookSource>,
    pub retry: RetryConfig,
    /// Time kept back from the Lambda deadline to report a failure.
    pub deadline_margin: Duration,
    /// The time allowed to deliver one message from the command line.
    pub cli_deadline: Duration,
}

impl SlackConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<SlackConfig, Error> {
        SlackConfig::from_lookup(activity_aware::config::var)
    }

    /// Reads the configuration through `lookup`, which tells unset (`None`)
    /// apart from empty.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<SlackConfig, Error> {
        let webhook = match (lookup(SLACK_WEBHOOK_CIPHERTEXT), lookup(SLACK_WEBHOOK_URL)) {
            (Some(ciphertext), _) if !ciphertext.trim().is_empty() => {
                Some(WebhookSource::Ciphertext(ciphertext))
            }
            (_, Some(url)) => {
                // Check the URL now, so a bad value fails at start-up.
                WebhookUrl::parse(SLACK_WEBHOOK_URL, &url)?;
                Some(WebhookSource::Plain(url))
            }
            (_, None) => None,
        };

        Ok(SlackConfig {
            webhook,
            retry: RetryConfig::default(),
            deadline_margin: Duration::from_secs(2),
            cli_deadline: Duration::from_secs(60),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn prints_payloads_when_no_webhook_is_set() {
        let config = SlackConfig::from_lookup(lookup(&[])).unwrap();
        assert_eq!(config.webhook, None);
    }

    #[test]
    fn accepts_an_https_webhook() {
        const URL: &str = "https://hooks.slack.com/services/T000/B000/XXXX";
        let config = SlackConfig::from_lookup(lookup(&[(SLACK_WEBHOOK_URL, URL)])).unwrap();
        assert_eq!(config.webhook, Some(WebhookSource::Plain(URL.to_owned())));
    }

    #[test]
    fn accepts_plain_http_only_on_loopback() {
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://localhost/x",
            "http://[::1]:9/x",
        ] {
            assert!(WebhookUrl::parse(SLACK_WEBHOOK_URL, url).is_ok(), "{url}");
        }

        let error = WebhookUrl::parse(SLACK_WEBHOOK_URL, "http://hooks.slack.com/services/T/B/X")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`SLACK_WEBHOOK_URL` must be an https URL (plain http only for a loopback host), \
             not `http`"
        );
    }

    #[test]
    fn refuses_a_malformed_webhook_without_echoing_it() {
        let error =
            WebhookUrl::parse(SLACK_WEBHOOK_URL, "hooks.slack.com/services/SECRET").unwrap_err();
        assert_eq!(
            error.to_string(),
            "`SLACK_WEBHOOK_URL` is not a valid URL: relative URL without a base"
        );
    }

    #[test]
    fn refuses_an_empty_webhook() {
        let error = SlackConfig::from_lookup(lookup(&[(SLACK_WEBHOOK_URL, " ")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`SLACK_WEBHOOK_URL` is set but empty; unset it to print payloads instead"
        );
    }

    #[test]
    fn prefers_the_ciphertext_when_both_are_set() {
        let config = SlackConfig::from_lookup(lookup(&[
            (SLACK_WEBHOOK_CIPHERTEXT, "AQICAH"),
            (SLACK_WEBHOOK_URL, "https://hooks.slack.com/services/T/B/X"),
        ]))
        .unwrap();
        assert_eq!(
            config.webhook,
            Some(WebhookSource::Ciphertext("AQICAH".to_owned()))
        );
    }

    #[test]
    fn never_shows_the_url_in_debug_output() {
        let url = WebhookUrl::parse(SLACK_WEBHOOK_URL, "https://hooks.slack.com/services/SECRET")
            .unwrap();
        let source = WebhookSource::Plain("https://hooks.slack.com/services/SECRET".to_owned());
        assert_eq!(
            format!("{url:?} {source:?}"),
            "WebhookUrl(<redacted>) Plain(<redacted>)"
        );
    }
}
