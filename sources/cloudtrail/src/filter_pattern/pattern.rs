//! The filter pattern as the source holds it: parsed once, then tested
//! against every event.
//!
//! The form is chosen by the first non-blank character, as CloudWatch Logs
//! chooses it: `{` starts a JSON pattern, `[` a space-delimited pattern, and
//! anything else is a term pattern. A pattern that is empty or blank
//! matches every event.

use serde_json::Value;

use super::cursor::Cursor;
use super::delimited::DelimitedPattern;
use super::error::PatternError;
use super::json::JsonPattern;
use super::terms::TermPattern;

/// The pattern the product subscribes with unless told otherwise.
pub const DEFAULT_FILTER_PATTERN: &str =
    include_str!("../../../../shared/default-filter-pattern.txt");

/// The longest filter pattern CloudWatch Logs accepts, in characters.
pub const MAX_PATTERN_CHARS: usize = 1024;

/// A parsed CloudWatch Logs filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPattern {
    text: Box<str>,
    form: Form,
}

#[derive(Debug, Clone, PartialEq)]
enum Form {
    Everything,
    Terms(TermPattern),
    Json(JsonPattern),
    Delimited(DelimitedPattern),
}

impl FilterPattern {
    /// Parses a filter pattern, refusing anything malformed, longer than
    /// CloudWatch Logs allows, or not supported here.
    pub fn parse(text: &str) -> Result<FilterPattern, PatternError> {
        let length = text.chars().count();
        if length > MAX_PATTERN_CHARS {
            return Err(PatternError::TooLong {
                length,
                limit: MAX_PATTERN_CHARS,
            });
        }

        let mut cursor = Cursor::new(text);
        cursor.skip_whitespace();
        let form = match cursor.peek() {
            None => Form::Everything,
            Some('{') => Form::Json(JsonPattern::parse(text)?),
            Some('[') => Form::Delimited(DelimitedPattern::parse(text)?),
            Some(_) => Form::Terms(TermPattern::parse(text)?),
        };
        Ok(FilterPattern {
            text: text.into(),
            form,
        })
    }

    /// The pattern as it was written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern matches every event (it is empty or blank).
    pub fn matches_everything(&self) -> bool {
        matches!(self.form, Form::Everything)
    }

    /// Whether CloudWatch Logs would deliver this log event.
    ///
    /// `message` is the raw log event text; `json` is its parsed JSON value
    /// when it is JSON (JSON patterns never match non-JSON messages).
    pub fn matches(&self, message: &str, json: Option<&Value>) -> bool {
        match &self.form {
            Form::Everything => true,
            Form::Terms(terms) => terms.matches(message),
            Form::Json(pattern) => json.is_some_and(|json| pattern.matches(json)),
            Form::Delimited(pattern) => pattern.matches(message),
        }
    }
}

impl std::fmt::Display for FilterPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for FilterPattern {
    type Err = PatternError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn empty_and_blank_patterns_match_everything() {
        for text in ["", "   ", "\n\t"] {
            let pattern = FilterPattern::parse(text).unwrap();
            assert!(pattern.matches("anything", None));
            assert!(pattern.matches("{}", Some(&json!({}))));
        }
    }

    #[test]
    fn keeps_the_text_it_was_parsed_from() {
        let text = " { $.a = b } ";
        let pattern: FilterPattern = text.parse().unwrap();
        assert_eq!(pattern.as_str(), text);
        assert_eq!(pattern.to_string(), text);
        assert!(!pattern.matches_everything());
        assert!(FilterPattern::parse(" ").unwrap().matches_everything());
    }

    #[test]
    fn json_patterns_never_match_non_json_messages() {
        let pattern = FilterPattern::parse("{ $.a NOT EXISTS }").unwrap();
        assert!(!pattern.matches("plain text", None));
        assert!(pattern.matches("{}", Some(&json!({}))));
    }

    #[test]
    fn term_patterns_search_the_raw_message_of_json_events() {
        let pattern = FilterPattern::parse("AccessDenied").unwrap();
        let message = r#"{"errorCode":"AccessDenied"}"#;
        assert!(pattern.matches(message, Some(&json!({"errorCode": "AccessDenied"}))));
        assert!(!pattern.matches(r#"{"errorCode":"x"}"#, Some(&json!({"errorCode": "x"}))));
    }

    #[test]
    fn refuses_patterns_over_the_length_limit() {
        let at_limit = "a".repeat(MAX_PATTERN_CHARS);
        assert!(FilterPattern::parse(&at_limit).is_ok());
        let over = "é".repeat(MAX_PATTERN_CHARS + 1);
        assert_eq!(
            FilterPattern::parse(&over),
            Err(PatternError::TooLong {
                length: MAX_PATTERN_CHARS + 1,
                limit: MAX_PATTERN_CHARS
            })
        );
    }

    #[test]
    fn bracket_starts_a_space_delimited_pattern() {
        let pattern = FilterPattern::parse(" [level = ERROR, text]").unwrap();
        assert!(pattern.matches("ERROR boom", None));
        assert!(!pattern.matches("INFO boom", None));
        assert!(!pattern.matches("ERROR boom again", None));
    }

    #[test]
    fn default_pattern_parses_within_the_length_limit() {
        let pattern = FilterPattern::parse(DEFAULT_FILTER_PATTERN).unwrap();
        assert!(DEFAULT_FILTER_PATTERN.chars().count() <= MAX_PATTERN_CHARS);
        assert!(!pattern.matches_everything());
        assert!(DEFAULT_FILTER_PATTERN.starts_with(
            r#"{ $.errorCode="*UnauthorizedOperation" || $.errorCode="AccessDenied*""#
        ));
    }

    #[test]
    fn error_messages_name_position_and_text() {
        let error = FilterPattern::parse("{ $.a = b c }").unwrap_err();
        assert_eq!(
            error.to_string(),
            "expected `&&`, `||` or `}` at position 11, found `c`"
        );
        let error = FilterPattern::parse("ok \"a").unwrap_err();
        assert_eq!(
            error.to_string(),
            "quoted string `\"a` starting at position 4 has no closing `\"`"
        );
    }
}
