//! The values JSON and space-delimited conditions compare against: strings
//! with `*` wildcards, numbers, and the comparison operators.
//!
//! A `*` is a wildcard only as the first or last character of a value, so
//! `*Event` is a suffix, `Event*` a prefix and `*Event*` a substring test;
//! a `*` anywhere else is a literal character (`Ev*ent` matches only the
//! text `Ev*ent`). A lone `*` matches any value.

use std::fmt::Write as _;

use serde_json::Number;

use super::cursor::{Cursor, snippet};
use super::error::PatternError;

/// A comparison of a field with a value, as `=`, `!=`, `<`, `<=`, `>` or
/// `>=` followed by a string or number writes it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Comparison {
    /// `=` or `!=` with a string. Strings test strings, and numbers by
    /// their text.
    String {
        negated: bool,
        matcher: StringMatcher,
    },
    /// Any operator with a number. Numbers test numbers, and strings that
    /// hold a plain number.
    Number { op: Operator, value: f64 },
}

impl Comparison {
    /// Reads the value after `op`. Unquoted values that read as numbers
    /// compare as numbers; other values compare as strings, which only `=`
    /// and `!=` may do.
    pub(super) fn parse(cursor: &mut Cursor<'_>, op: Operator) -> Result<Self, PatternError> {
        let value_at = cursor.offset();
        let text = match cursor.peek() {
            Some('"') => cursor.quoted()?,
            Some('%') => {
                return Err(PatternError::Unsupported {
                    position: cursor.position(),
                    feature: "regular expression",
                    found: snippet(cursor.take_while(|c| !c.is_whitespace())),
                });
            }
            _ => {
                let text = cursor.take_while(is_unquoted_value_char);
                if text.is_empty() {
                    return Err(
                        cursor.unexpected("a value (quote it if it holds other characters)")
                    );
                }
                if let Some(value) = parse_number(text) {
                    return Ok(Self::Number { op, value });
                }
                text.to_owned()
            }
        };

        if !op.is_equality() {
            return Err(PatternError::Unexpected {
                position: cursor.position_of(value_at),
                expected: "a number after `<`, `<=`, `>` or `>=`",
                found: snippet(cursor.slice(value_at, cursor.offset())),
            });
        }
        Ok(Self::String {
            negated: op == Operator::Ne,
            matcher: StringMatcher::new(&text),
        })
    }

    /// Tests a string field; a number condition reads the string as a
    /// number and fails when it holds none.
    pub(super) fn matches_str(&self, text: &str) -> bool {
        match self {
            Self::String { negated, matcher } => matcher.matches(text) != *negated,
            Self::Number { op, value } => {
                parse_text_number(text).is_some_and(|n| op.compare(n, *value))
            }
        }
    }

    /// Tests a JSON number field.
    pub(super) fn matches_number(&self, number: &Number) -> bool {
        match self {
            Self::String { negated, matcher } => matcher.matches_number(number) != *negated,
            Self::Number { op, value } => number.as_f64().is_some_and(|n| op.compare(n, *value)),
        }
    }
}

/// Characters an unquoted value may hold; anything else must be quoted.
pub(super) fn is_unquoted_value_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '*' | ':' | '/' | '+')
}

/// Reads a comparison operator at the cursor; `expected` describes what
/// else could have stood there.
pub(super) fn parse_operator(
    cursor: &mut Cursor<'_>,
    expected: &'static str,
) -> Result<Operator, PatternError> {
    let operator_at = cursor.offset();
    let Some((op, len)) = Operator::lex(cursor.rest()) else {
        return Err(cursor.unexpected(expected));
    };
    for _ in 0..len {
        cursor.bump();
    }
    if cursor.peek() == Some('=') {
        cursor.bump();
        return Err(PatternError::Unsupported {
            position: cursor.position_of(operator_at),
            feature: "operator",
            found: snippet(cursor.slice(operator_at, cursor.offset())),
        });
    }
    Ok(op)
}

/// A string value with its wildcards resolved when the pattern is parsed.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum StringMatcher {
    Any,
    Exact(Box<str>),
    Prefix(Box<str>),
    Suffix(Box<str>),
    Contains(Box<str>),
}

impl StringMatcher {
    pub(super) fn new(value: &str) -> Self {
        if value == "*" {
            return Self::Any;
        }
        let (leading, rest) = match value.strip_prefix('*') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        let (trailing, core) = match rest.strip_suffix('*') {
            Some(core) => (true, core),
            None => (false, rest),
        };
        let core: Box<str> = core.into();
        match (leading, trailing) {
            (false, false) => Self::Exact(core),
            (false, true) => Self::Prefix(core),
            (true, false) => Self::Suffix(core),
            (true, true) => Self::Contains(core),
        }
    }

    pub(super) fn matches(&self, text: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Exact(s) => text == &**s,
            Self::Prefix(s) => text.starts_with(&**s),
            Self::Suffix(s) => text.ends_with(&**s),
            Self::Contains(s) => text.contains(&**s),
        }
    }

    /// Tests a JSON number by its text, as string conditions see numbers.
    pub(super) fn matches_number(&self, number: &Number) -> bool {
        if let Self::Any = self {
            return true;
        }
        let mut buffer = StackText::default();
        if write!(buffer, "{number}").is_ok() {
            self.matches(buffer.as_str())
        } else {
            self.matches(&number.to_string())
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Operator {
    /// Reads an operator at the start of `text`; returns it and its length.
    pub(super) fn lex(text: &str) -> Option<(Self, usize)> {
        let two = [("!=", Self::Ne), ("<=", Self::Le), (">=", Self::Ge)];
        for (token, op) in two {
            if text.starts_with(token) {
                return Some((op, 2));
            }
        }
        let op = match text.chars().next()? {
            '=' => Self::Eq,
            '<' => Self::Lt,
            '>' => Self::Gt,
            _ => return None,
        };
        Some((op, 1))
    }

    pub(super) fn is_equality(self) -> bool {
        matches!(self, Self::Eq | Self::Ne)
    }

    pub(super) fn compare(self, left: f64, right: f64) -> bool {
        match self {
            Self::Eq => left == right,
            Self::Ne => left != right,
            Self::Lt => left < right,
            Self::Le => left <= right,
            Self::Gt => left > right,
            Self::Ge => left >= right,
        }
    }
}

/// Parses a number as filter patterns write it: an integer or decimal with
/// an optional sign, optionally followed by `e` and a signed integer.
/// Anything else (`.5`, `5.`, `0x10`, `inf`) is not a number.
pub(super) fn parse_number(text: &str) -> Option<f64> {
    parse_decimal(text, true)
}

/// Reads a number held in a string field or a space-delimited field: an
/// integer or decimal with an optional sign. Scientific notation in event
/// text is not read as a number, as CloudWatch Logs documents.
pub(super) fn parse_text_number(text: &str) -> Option<f64> {
    parse_decimal(text, false)
}

fn parse_decimal(text: &str, allow_exponent: bool) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    if !digits(&mut i) {
        return None;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return None;
        }
    }
    if allow_exponent && matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    text.parse().ok().filter(|n: &f64| n.is_finite())
}

/// A fixed buffer that formats a JSON number without allocating; every
/// number serde_json prints fits.
struct StackText {
    bytes: [u8; 48],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        Self {
            bytes: [0; 48],
            len: 0,
        }
    }
}

impl StackText {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_and_trailing_star_are_wildcards() {
        assert_eq!(
            StringMatcher::new("*Event"),
            StringMatcher::Suffix("Event".into())
        );
        assert_eq!(
            StringMatcher::new("Event*"),
            StringMatcher::Prefix("Event".into())
        );
        assert_eq!(
            StringMatcher::new("*Ev*"),
            StringMatcher::Contains("Ev".into())
        );
        assert_eq!(StringMatcher::new("*"), StringMatcher::Any);
        assert_eq!(StringMatcher::new("**"), StringMatcher::Contains("".into()));
    }

    #[test]
    fn middle_star_is_literal() {
        let matcher = StringMatcher::new("Ev*ent");
        assert!(matcher.matches("Ev*ent"));
        assert!(!matcher.matches("Event"));
        assert!(!matcher.matches("EvXent"));
    }

    #[test]
    fn wildcard_matches_empty_remainder() {
        assert!(StringMatcher::new("AccessDenied*").matches("AccessDenied"));
        assert!(StringMatcher::new("*UnauthorizedOperation").matches("UnauthorizedOperation"));
        assert!(!StringMatcher::new("AccessDenied*").matches("VpceAccessDenied"));
    }

    #[test]
    fn exact_is_case_sensitive() {
        assert!(!StringMatcher::new("accessdenied").matches("AccessDenied"));
    }

    #[test]
    fn numbers_match_by_their_text() {
        let number = Number::from(404);
        assert!(StringMatcher::new("4*").matches_number(&number));
        assert!(StringMatcher::new("404").matches_number(&number));
        assert!(!StringMatcher::new("5*").matches_number(&number));
        let float = Number::from_f64(55.5).unwrap();
        assert!(StringMatcher::new("55.5").matches_number(&float));
    }

    #[test]
    fn numbers_follow_the_documented_grammar() {
        assert_eq!(parse_number("500"), Some(500.0));
        assert_eq!(parse_number("+1000"), Some(1000.0));
        assert_eq!(parse_number("-7"), Some(-7.0));
        assert_eq!(parse_number("55.5"), Some(55.5));
        assert_eq!(parse_number("10e3"), Some(10_000.0));
        assert_eq!(parse_number("10e-3"), Some(0.01));
        assert_eq!(parse_number("-1.5e+2"), Some(-150.0));
        for not_a_number in [
            "",
            "+",
            ".5",
            "5.",
            "1e",
            "0x10",
            "inf",
            "NaN",
            "1.2.3",
            "123.123.*",
        ] {
            assert_eq!(parse_number(not_a_number), None, "{not_a_number}");
        }
        assert_eq!(parse_number("1e999"), None);
    }

    #[test]
    fn text_numbers_exclude_scientific_notation() {
        assert_eq!(parse_text_number("400"), Some(400.0));
        assert_eq!(parse_text_number("-1.5"), Some(-1.5));
        assert_eq!(parse_text_number("1e3"), None);
        assert_eq!(parse_text_number(" 400"), None);
        assert_eq!(parse_text_number("400 "), None);
    }

    #[test]
    fn number_conditions_read_strings_holding_numbers() {
        let at_most_400 = Comparison::Number {
            op: Operator::Le,
            value: 400.0,
        };
        assert!(at_most_400.matches_str("400"));
        assert!(at_most_400.matches_str("-3.5"));
        assert!(!at_most_400.matches_str("401"));
        assert!(!at_most_400.matches_str("1e2"));
        assert!(!at_most_400.matches_str("abc"));
        let not_400 = Comparison::Number {
            op: Operator::Ne,
            value: 400.0,
        };
        assert!(not_400.matches_str("401"));
        assert!(!not_400.matches_str("abc"));
    }

    #[test]
    fn operators_lex_longest_first() {
        assert_eq!(Operator::lex("<= 3"), Some((Operator::Le, 2)));
        assert_eq!(Operator::lex("< 3"), Some((Operator::Lt, 1)));
        assert_eq!(Operator::lex("!= 3"), Some((Operator::Ne, 2)));
        assert_eq!(Operator::lex("! 3"), None);
        assert_eq!(Operator::lex(""), None);
    }
}
