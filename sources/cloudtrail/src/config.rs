/*!
The source's configuration, read from the environment once at start-up.
*/

use std::path::PathBuf;

use activity_aware::config;

use crate::filter_pattern::{DEFAULT_FILTER_PATTERN, FilterPattern, PatternError};
use crate::handler::Report;

/// Settings the source reads from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceConfig {
    /// The topic to publish to; local runs without it print messages.
    pub topic_arn: Option<String>,

    /// The filter pattern for raw events in local runs: `None` when unset
    /// (the default pattern applies), `Some("")` when set to match all.
    pub filter_pattern: Option<String>,

    /// Which events become messages.
    pub report: Report,

    /// A directory of extra Sigma rules.
    pub rules_dir: Option<PathBuf>,

    /// A file of suppressions.
    pub suppressions_file: Option<PathBuf>,
}

impl Default for SourceConfig {
    fn default() -> SourceConfig {
        SourceConfig {
            topic_arn: None,
            filter_pattern: None,
            report: Report::Findings,
            rules_dir: None,
            suppressions_file: None,
        }
    }
}

impl SourceConfig {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<SourceConfig, ConfigError> {
        Ok(SourceConfig {
            topic_arn: config::var(config::TOPIC_ARN).filter(|arn| !arn.trim().is_empty()),
            filter_pattern: config::var(config::FILTER_PATTERN),
            report: match config::var(config::REPORT) {
                Some(value) => parse_report(&value)?,
                None => Report::Findings,
            },
            rules_dir: config::var(config::RULES_DIR)
                .filter(|dir| !dir.trim().is_empty())
                .map(PathBuf::from),
            suppressions_file: config::var(config::SUPPRESSIONS_FILE)
                .filter(|file| !file.trim().is_empty())
                .map(PathBuf::from),
        })
    }

    /// The topic to publish to, which the Lambda function cannot do without.
    pub fn require_topic_arn(&self) -> Result<&str, ConfigError> {
        let arn = self
            .topic_arn
            .as_deref()
            .ok_or(ConfigError::TopicArnMissing)?;
        check_topic_arn(arn)?;
        Ok(arn)
    }

    /// The filter pattern to apply to raw events: the configured one, or the
    /// product default when none is set. An empty pattern matches every
    /// event, as in CloudWatch Logs.
    pub fn pattern(&self) -> Result<FilterPattern, PatternError> {
        FilterPattern::parse(
            self.filter_pattern
                .as_deref()
                .unwrap_or(DEFAULT_FILTER_PATTERN),
        )
    }
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("`REPORT` must be `findings` or `all`, found `{value}`")]
    Report { value: String },

    #[error("`TOPIC_ARN` must name the topic to publish to; it is unset or empty")]
    TopicArnMissing,

    #[error(
        "`TOPIC_ARN` must be an SNS topic ARN (`arn:aws:sns:<region>:<account>:<topic>`), \
         found `{value}`"
    )]
    TopicArnInvalid { value: String },
}

/// Checks that `arn` has the shape of an SNS topic ARN, so that a typo is
/// named before any call to AWS: `arn:<partition>:sns:<region>:<12-digit
/// account>:<topic name>`, the name made of letters, digits, `-` and `_`
/// (with `.fifo` at the end of a FIFO topic).
pub fn check_topic_arn(arn: &str) -> Result<(), ConfigError> {
    let parts: Vec<&str> = arn.split(':').collect();
    let name_ok = |name: &str| {
        let base = name.strip_suffix(".fifo").unwrap_or(name);
        (1..=256).contains(&base.len())
            && base
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let valid = matches!(
        parts.as_slice(),
        ["arn", partition, "sns", region, account, name]
            if partition.starts_with("aws")
                && !region.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && name_ok(name)
    );

    if valid {
        Ok(())
    } else {
        Err(ConfigError::TopicArnInvalid {
            value: arn.to_owned(),
        })
    }
}

/// Reads a report setting: `findings` or `all`; empty means the default.
pub fn parse_report(value: &str) -> Result<Report, ConfigError> {
    match value.trim() {
        "" | "findings" => Ok(Report::Findings),
        "all" => Ok(Report::All),
        other => Err(ConfigError::Report {
            value: other.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_an_empty_pattern_from_an_unset_one() {
        let unset = SourceConfig::default();
        let empty = SourceConfig {
            filter_pattern: Some(String::new()),
            ..SourceConfig::default()
        };
        let denied = r#"{"errorCode":"AccessDenied"}"#;
        let quiet = r#"{"eventName":"ListBuckets"}"#;
        let value = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();

        let default = unset.pattern().unwrap();
        assert!(default.matches(denied, Some(&value(denied))));
        assert!(!default.matches(quiet, Some(&value(quiet))));

        let all = empty.pattern().unwrap();
        assert!(all.matches(quiet, Some(&value(quiet))));
    }

    #[test]
    fn reads_the_report_setting() {
        assert_eq!(parse_report("all"), Ok(Report::All));
        assert_eq!(parse_report(""), Ok(Report::Findings));
        assert_eq!(
            parse_report("everything").unwrap_err().to_string(),
            "`REPORT` must be `findings` or `all`, found `everything`"
        );
    }

    #[test]
    fn names_the_missing_topic() {
        let config = SourceConfig::default();
        assert_eq!(
            config.require_topic_arn().unwrap_err().to_string(),
            "`TOPIC_ARN` must name the topic to publish to; it is unset or empty"
        );
        let arn = "arn:aws:sns:us-east-1:111122223333:activity";
        let config = SourceConfig {
            topic_arn: Some(arn.to_owned()),
            ..SourceConfig::default()
        };
        assert_eq!(config.require_topic_arn(), Ok(arn));
    }

    #[test]
    fn names_a_topic_arn_of_the_wrong_shape() {
        for good in [
            "arn:aws:sns:us-east-1:111122223333:activity",
            "arn:aws-us-gov:sns:us-gov-west-1:111122223333:a_b-c",
            "arn:aws:sns:eu-west-1:111122223333:orders.fifo",
        ] {
            assert_eq!(check_topic_arn(good), Ok(()), "{good}");
        }
        for bad in [
            "not-an-arn",
            "arn:aws:sqs:us-east-1:111122223333:queue",
            "arn:aws:sns:us-east-1:1111:activity",
            "arn:aws:sns::111122223333:activity",
            "arn:aws:sns:us-east-1:111122223333:",
            "arn:aws:sns:us-east-1:111122223333:a:b",
            "arn:aws:sns:us-east-1:111122223333:a b",
        ] {
            assert_eq!(
                check_topic_arn(bad),
                Err(ConfigError::TopicArnInvalid {
                    value: bad.to_owned()
                }),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_a_pattern_it_cannot_evaluate() {
        let config = SourceConfig {
            filter_pattern: Some("{ $.errorCode = ".to_owned()),
            ..SourceConfig::default()
        };
        assert!(
            matches!(
                config.pattern(),
                Err(PatternError::UnexpectedEnd { position: 17, .. })
            ),
            "{:?}",
            config.pattern().err()
        );
    }
}
