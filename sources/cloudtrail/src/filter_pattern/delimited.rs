//! Space-delimited patterns: `[name, name = value, ...]` conditions on the
//! fields of a log event split at spaces.
//!
//! The event is split at runs of whitespace; text between `[` and `]` or
//! between two `"` counts as one field, without the brackets or quotes.
//! The pattern names one column per field, separated by commas, and the
//! event must have exactly that many fields. One `...` column stands for
//! any number of fields, so `[..., status, bytes]` tests the last two. An
//! empty column (as left by a trailing comma) matches any field.
//!
//! A column may carry conditions on its own name: `status = 4*`,
//! `bytes > 1000`, joined with `&&` and `||` (`&&` binds tighter). String
//! conditions use `=` and `!=` with `*` wildcards at either end; a number
//! condition holds only when the field holds a plain number (`1534`,
//! `-2.5`; not `1e3`).

use super::cursor::{Cursor, snippet};
use super::error::PatternError;
use super::value::{Comparison, parse_operator};

/// A parsed space-delimited pattern.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DelimitedPattern {
    /// The columns before `...`, or all columns when there is no `...`.
    leading: Vec<Column>,
    /// The columns after `...`, when the pattern has one.
    trailing: Option<Vec<Column>>,
}

#[derive(Debug, Clone, PartialEq)]
struct Column {
    condition: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
enum Condition {
    Or(Vec<Condition>),
    And(Vec<Condition>),
    Compare(Comparison),
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
}

impl DelimitedPattern {
    /// Parses a pattern whose first non-blank character is `[`.
    pub(super) fn parse(text: &str) -> Result<Self, PatternError> {
        let mut cursor = Cursor::new(text);
        cursor.skip_whitespace();
        if !cursor.eat("[") {
            return Err(cursor.unexpected("`[`"));
        }

        cursor.skip_whitespace();
        if cursor.peek() == Some(']') {
            return Err(cursor.unexpected("a column name or `...`"));
        }

        let mut leading = Vec::new();
        let mut trailing: Option<Vec<Column>> = None;
        loop {
            cursor.skip_whitespace();
            let column_at = cursor.offset();
            if cursor.eat("...") {
                if trailing.is_some() {
                    return Err(PatternError::Unsupported {
                        position: cursor.position_of(column_at),
                        feature: "second ellipsis",
                        found: "...".to_owned(),
                    });
                }
                trailing = Some(Vec::new());
            } else {
                let column = parse_column(&mut cursor)?;
                match trailing.as_mut() {
                    Some(after) => after.push(column),
                    None => leading.push(column),
                }
            }

            cursor.skip_whitespace();
            if cursor.eat("]") {
                break;
            }
            if !cursor.eat(",") {
                return Err(cursor.unexpected("`,` or `]` after a column"));
            }
        }

        cursor.skip_whitespace();
        if !cursor.is_at_end() {
            return Err(cursor.unexpected("the end of the pattern after `]`"));
        }
        Ok(Self { leading, trailing })
    }

    pub(super) fn matches(&self, message: &str) -> bool {
        let count = fields(message).count();
        let all = |columns: &[Column], fields: Fields<'_>| {
            columns
                .iter()
                .zip(fields)
                .all(|(column, field)| column.matches(field))
        };
        match &self.trailing {
            None => count == self.leading.len() && all(&self.leading, fields(message)),
            Some(trailing) => {
                let Some(skipped) = count.checked_sub(self.leading.len() + trailing.len()) else {
                    return false;
                };
                let mut tail = fields(message);
                for _ in 0..self.leading.len() + skipped {
                    tail.next();
                }
                all(&self.leading, fields(message)) && all(trailing, tail)
            }
        }
    }
}

/// Reads one column: empty, a name, or a name with conditions.
fn parse_column(cursor: &mut Cursor<'_>) -> Result<Column, PatternError> {
    if matches!(cursor.peek(), Some(',' | ']')) {
        return Ok(Column { condition: None });
    }
    let name = cursor.take_while(is_name_char);
    if name.is_empty() {
        return Err(cursor.unexpected("a column name of letters, digits, `-` and `_`, or `...`"));
    }
    cursor.skip_whitespace();
    if matches!(cursor.peek(), Some(',' | ']')) {
        return Ok(Column { condition: None });
    }
    let first = parse_comparison(cursor)?;
    let condition = parse_or(cursor, name, first)?;
    Ok(Column {
        condition: Some(condition),
    })
}

/// Reads `a && b || c ...` after the column's first comparison.
fn parse_or(
    cursor: &mut Cursor<'_>,
    name: &str,
    first: Comparison,
) -> Result<Condition, PatternError> {
    let mut terms = vec![parse_and(cursor, name, first)?];
    loop {
        cursor.skip_whitespace();
        if !cursor.eat("||") {
            break;
        }
        let next = parse_named_comparison(cursor, name)?;
        terms.push(parse_and(cursor, name, next)?);
    }
    Ok(if terms.len() == 1 {
        terms.remove(0)
    } else {
        Condition::Or(terms)
    })
}

fn parse_and(
    cursor: &mut Cursor<'_>,
    name: &str,
    first: Comparison,
) -> Result<Condition, PatternError> {
    let mut factors = vec![Condition::Compare(first)];
    loop {
        cursor.skip_whitespace();
        if !cursor.eat("&&") {
            break;
        }
        factors.push(Condition::Compare(parse_named_comparison(cursor, name)?));
    }
    Ok(if factors.len() == 1 {
        factors.remove(0)
    } else {
        Condition::And(factors)
    })
}

/// Reads `name op value` where the name must be the column's own.
fn parse_named_comparison(cursor: &mut Cursor<'_>, name: &str) -> Result<Comparison, PatternError> {
    cursor.skip_whitespace();
    let name_at = cursor.offset();
    let found = cursor.take_while(is_name_char);
    if found.is_empty() {
        return Err(cursor.unexpected("a column name after `&&` or `||`"));
    }
    if found != name {
        return Err(PatternError::Unsupported {
            position: cursor.position_of(name_at),
            feature: "condition on another column than its own",
            found: snippet(found),
        });
    }
    cursor.skip_whitespace();
    parse_comparison(cursor)
}

fn parse_comparison(cursor: &mut Cursor<'_>) -> Result<Comparison, PatternError> {
    let op = parse_operator(
        cursor,
        "a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`), `,` or `]`",
    )?;
    cursor.skip_whitespace();
    Comparison::parse(cursor, op)
}

impl Column {
    fn matches(&self, field: &str) -> bool {
        self.condition.as_ref().is_none_or(|c| c.matches(field))
    }
}

impl Condition {
    fn matches(&self, field: &str) -> bool {
        match self {
            Self::Or(terms) => terms.iter().any(|t| t.matches(field)),
            Self::And(factors) => factors.iter().all(|f| f.matches(field)),
            Self::Compare(comparison) => comparison.matches_str(field),
        }
    }
}

/// The fields of a log event, without allocating.
fn fields(message: &str) -> Fields<'_> {
    Fields { rest: message }
}

#[derive(Clone)]
struct Fields<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest.trim_start();
        let closing = match rest.chars().next()? {
            '[' => Some(']'),
            '"' => Some('"'),
            _ => None,
        };
        if let Some(closing) = closing
            && let Some(end) = rest[1..].find(closing)
        {
            let field = &rest[1..1 + end];
            self.rest = &rest[end + 2..];
            return Some(field);
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        self.rest = &rest[end..];
        Some(&rest[..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCESS_LOG: &str =
        r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534"#;

    fn matches(pattern: &str, message: &str) -> bool {
        DelimitedPattern::parse(pattern).unwrap().matches(message)
    }

    #[test]
    fn splits_at_spaces_keeping_brackets_and_quotes_whole() {
        let split: Vec<&str> = fields(ACCESS_LOG).collect();
        assert_eq!(
            split,
            [
                "127.0.0.1",
                "-",
                "frank",
                "10/Oct/2000:13:25:15 -0700",
                "GET /apache_pb.gif HTTP/1.0",
                "200",
                "1534"
            ]
        );
        assert_eq!(fields("  a   b ").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(fields("").count(), 0);
        assert_eq!(fields("[open b").collect::<Vec<_>>(), ["[open", "b"]);
        assert_eq!(fields("\"\" x").collect::<Vec<_>>(), ["", "x"]);
    }

    #[test]
    fn column_count_must_equal_field_count() {
        assert!(matches("[a, b, c, d, e, f, g]", ACCESS_LOG));
        assert!(!matches("[a, b, c, d, e, f]", ACCESS_LOG));
        assert!(!matches("[a, b, c, d, e, f, g, h]", ACCESS_LOG));
    }

    #[test]
    fn ellipsis_stands_for_any_number_of_fields() {
        assert!(matches("[..., status, bytes = 1534]", ACCESS_LOG));
        assert!(matches(
            "[ip = 127.0.0.1, user, ..., status, bytes]",
            ACCESS_LOG
        ));
        assert!(matches("[ip, user, ...]", ACCESS_LOG));
        assert!(matches("[..., a, b, c, d, e, f, g]", ACCESS_LOG));
        assert!(!matches("[..., a, b, c, d, e, f, g, h]", ACCESS_LOG));
        assert!(!matches("[..., status = 1534, bytes]", ACCESS_LOG));
    }

    #[test]
    fn string_and_number_conditions() {
        assert!(matches(
            "[ip, user, name, time, request, status = 2*, bytes]",
            ACCESS_LOG
        ));
        assert!(matches(
            "[ip, user, name, time, request = *gif*, status, bytes]",
            ACCESS_LOG
        ));
        assert!(matches(
            "[ip, user, name = \"frank\", time, request, status, bytes]",
            ACCESS_LOG
        ));
        assert!(matches(
            "[ip, user, name, time, request, status, bytes > 1000]",
            ACCESS_LOG
        ));
        assert!(!matches(
            "[ip, user, name, time, request, status, bytes > 2000]",
            ACCESS_LOG
        ));
        assert!(matches(
            "[ip, user, name, time, request, status = 200, bytes]",
            ACCESS_LOG
        ));
        assert!(matches(
            "[ip, user, name, time, request, status != 404, bytes]",
            ACCESS_LOG
        ));
        assert!(!matches(
            "[ip, user != -, name, time, request, status, bytes]",
            ACCESS_LOG
        ));
        // A number condition on a field that is not a number fails.
        assert!(!matches(
            "[ip, user, name < 5, time, request, status, bytes]",
            ACCESS_LOG
        ));
    }

    #[test]
    fn and_or_within_a_column() {
        let p = "[ip, user, name, time, request, status = 2* && status != 204, bytes]";
        assert!(matches(p, ACCESS_LOG));
        let p = "[ip, user, name, time, request, status = 403 || status = 200, bytes]";
        assert!(matches(p, ACCESS_LOG));
        let p = "[ip, user, name, time, request, status = 1 || status = 2 && status = 200, bytes]";
        assert!(!matches(p, ACCESS_LOG));
    }

    #[test]
    fn trailing_comma_leaves_an_empty_column() {
        assert!(matches("[..., request = *.gif*, status = 2*,]", ACCESS_LOG));
        assert!(!matches("[..., request = *.gif*, status = 2*]", ACCESS_LOG));
    }

    #[test]
    fn refuses_conditions_on_another_column() {
        assert_eq!(
            DelimitedPattern::parse("[a, status = 4* && bytes > 1000]"),
            Err(PatternError::Unsupported {
                position: 20,
                feature: "condition on another column than its own",
                found: "bytes".to_owned()
            })
        );
    }

    #[test]
    fn refuses_malformed_columns() {
        assert_eq!(
            DelimitedPattern::parse("[a, b"),
            Err(PatternError::UnexpectedEnd {
                position: 6,
                expected: "a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`), `,` or `]`"
            })
        );
        assert_eq!(
            DelimitedPattern::parse("[ ]"),
            Err(PatternError::Unexpected {
                position: 3,
                expected: "a column name or `...`",
                found: "]".to_owned()
            })
        );
        assert_eq!(
            DelimitedPattern::parse("[..., a, ...]"),
            Err(PatternError::Unsupported {
                position: 10,
                feature: "second ellipsis",
                found: "...".to_owned()
            })
        );
        assert_eq!(
            DelimitedPattern::parse("[a = ]"),
            Err(PatternError::Unexpected {
                position: 6,
                expected: "a value (quote it if it holds other characters)",
                found: "]".to_owned()
            })
        );
        assert_eq!(
            DelimitedPattern::parse("[a] b"),
            Err(PatternError::Unexpected {
                position: 5,
                expected: "the end of the pattern after `]`",
                found: "b".to_owned()
            })
        );
        assert!(matches!(
            DelimitedPattern::parse("[a@b]"),
            Err(PatternError::Unexpected { position: 3, .. })
        ));
        assert!(matches!(
            DelimitedPattern::parse("[a = %x%]"),
            Err(PatternError::Unsupported {
                feature: "regular expression",
                ..
            })
        ));
    }
}
