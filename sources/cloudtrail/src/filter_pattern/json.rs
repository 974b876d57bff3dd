//! JSON patterns: `{ ... }` conditions on the fields of a JSON log event.
//!
//! A condition names a field with a selector (`$.a.b`, `$.list[0].id`,
//! `$.grid[0][1]`; names hold letters, digits, `-` and `_`) and tests it:
//!
//! - `= value` / `!= value` with a quoted or unquoted string, `*` wildcards
//!   at either end, tests a string field, or a number field by its text;
//! - `=`, `!=`, `<`, `<=`, `>`, `>=` with a number tests a number field,
//!   or a string field that holds a plain number (`"400"`, not `"4e2"`);
//! - `IS NULL`, `IS TRUE`, `IS FALSE` test for that exact JSON value;
//! - `NOT EXISTS` holds when the selector reaches nothing.
//!
//! A comparison, `!=` included, holds only when the selector reaches a value
//! it can compare: a missing field, an array, an object, `null` or a
//! boolean never satisfies `=` or `!=`, and neither does a string without a
//! number for a numeric comparison. Conditions combine with `&&` and `||` and group with
//! parentheses; `&&` binds tighter than `||`.

use serde_json::Value;

use super::cursor::{Cursor, snippet};
use super::error::PatternError;
use super::value::{Comparison, parse_operator};

/// A parsed JSON pattern.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct JsonPattern {
    expr: Expr,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Condition(Condition),
}

#[derive(Debug, Clone, PartialEq)]
struct Condition {
    selector: Vec<Step>,
    test: Test,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(Box<str>),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Compare(Comparison),
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
}

impl JsonPattern {
    /// Parses a pattern whose first non-blank character is `{`.
    pub(super) fn parse(text: &str) -> Result<Self, PatternError> {
        let mut cursor = Cursor::new(text);
        cursor.skip_whitespace();
        if !cursor.eat("{") {
            return Err(cursor.unexpected("`{`"));
        }

        let expr = parse_or(&mut cursor)?;

        cursor.skip_whitespace();
        if !cursor.eat("}") {
            return Err(cursor.unexpected("`&&`, `||` or `}`"));
        }
        cursor.skip_whitespace();
        if !cursor.is_at_end() {
            return Err(cursor.unexpected("the end of the pattern after `}`"));
        }
        Ok(Self { expr })
    }

    pub(super) fn matches(&self, json: &Value) -> bool {
        self.expr.matches(json)
    }
}

fn parse_or(cursor: &mut Cursor<'_>) -> Result<Expr, PatternError> {
    let mut terms = vec![parse_and(cursor)?];
    loop {
        cursor.skip_whitespace();
        if !cursor.eat("||") {
            break;
        }
        terms.push(parse_and(cursor)?);
    }
    Ok(if terms.len() == 1 {
        terms.remove(0)
    } else {
        Expr::Or(terms)
    })
}

fn parse_and(cursor: &mut Cursor<'_>) -> Result<Expr, PatternError> {
    let mut factors = vec![parse_primary(cursor)?];
    loop {
        cursor.skip_whitespace();
        if !cursor.eat("&&") {
            break;
        }
        factors.push(parse_primary(cursor)?);
    }
    Ok(if factors.len() == 1 {
        factors.remove(0)
    } else {
        Expr::And(factors)
    })
}

fn parse_primary(cursor: &mut Cursor<'_>) -> Result<Expr, PatternError> {
    cursor.skip_whitespace();
    if cursor.eat("(") {
        let inner = parse_or(cursor)?;
        cursor.skip_whitespace();
        if !cursor.eat(")") {
            return Err(cursor.unexpected("`&&`, `||` or `)`"));
        }
        return Ok(inner);
    }
    match cursor.peek() {
        Some('$') => parse_condition(cursor).map(Expr::Condition),
        Some('!') => Err(PatternError::Unsupported {
            position: cursor.position(),
            feature: "negation",
            found: "!".to_owned(),
        }),
        _ => Err(cursor.unexpected("a selector starting with `$` or `(`")),
    }
}

fn parse_condition(cursor: &mut Cursor<'_>) -> Result<Condition, PatternError> {
    let selector = parse_selector(cursor)?;
    cursor.skip_whitespace();

    if cursor.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
        let test = parse_keyword_test(cursor)?;
        return Ok(Condition { selector, test });
    }

    let op = parse_operator(
        cursor,
        "a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`), `IS` or `NOT EXISTS`",
    )?;
    cursor.skip_whitespace();
    let comparison = Comparison::parse(cursor, op)?;
    Ok(Condition {
        selector,
        test: Test::Compare(comparison),
    })
}

fn parse_selector(cursor: &mut Cursor<'_>) -> Result<Vec<Step>, PatternError> {
    cursor.bump();
    if cursor.peek() != Some('.') {
        if cursor.peek() == Some('[') {
            return Err(PatternError::Unsupported {
                position: cursor.position(),
                feature: "array index directly on the root `$`",
                found: snippet(cursor.take_while(|c| !c.is_whitespace())),
            });
        }
        return Err(cursor.unexpected("`.` and a field name after `$`"));
    }

    let mut steps = Vec::new();
    loop {
        match cursor.peek() {
            Some('.') => {
                cursor.bump();
                let name = cursor.take_while(is_name_char);
                if name.is_empty() {
                    if cursor.peek() == Some('*') {
                        return Err(PatternError::Unsupported {
                            position: cursor.position(),
                            feature: "field wildcard",
                            found: "*".to_owned(),
                        });
                    }
                    return Err(
                        cursor.unexpected("a field name of letters, digits, `-` and `_` after `.`")
                    );
                }
                steps.push(Step::Field(name.into()));
            }
            Some('[') => {
                let open = cursor.offset();
                cursor.bump();
                let digits = cursor.take_while(|c| c.is_ascii_digit());
                if digits.is_empty() {
                    if cursor.peek() == Some('*') {
                        return Err(PatternError::Unsupported {
                            position: cursor.position_of(open),
                            feature: "array wildcard",
                            found: "[*]".to_owned(),
                        });
                    }
                    return Err(cursor.unexpected("an array index of digits after `[`"));
                }
                let index = digits.parse().map_err(|_| PatternError::IndexTooLarge {
                    position: cursor.position_of(open) + 1,
                    found: snippet(digits),
                })?;
                if !cursor.eat("]") {
                    return Err(cursor.unexpected("`]`"));
                }
                steps.push(Step::Index(index));
            }
            _ => break,
        }
    }
    Ok(steps)
}

fn parse_keyword_test(cursor: &mut Cursor<'_>) -> Result<Test, PatternError> {
    let first_at = cursor.offset();
    let first = cursor.take_while(|c| c.is_ascii_alphabetic());
    let expected_second = match first {
        "IS" => "`NULL`, `TRUE` or `FALSE` after `IS`",
        "NOT" => "`EXISTS` after `NOT`",
        _ => {
            return Err(PatternError::Unexpected {
                position: cursor.position_of(first_at),
                expected: "a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`), `IS` or `NOT EXISTS`",
                found: snippet(first),
            });
        }
    };
    cursor.skip_whitespace();
    let second_at = cursor.offset();
    let second = cursor.take_while(|c| c.is_ascii_alphanumeric());
    match (first, second) {
        ("IS", "NULL") => Ok(Test::IsNull),
        ("IS", "TRUE") => Ok(Test::IsTrue),
        ("IS", "FALSE") => Ok(Test::IsFalse),
        ("NOT", "EXISTS") => Ok(Test::NotExists),
        _ => {
            cursor.rewind(second_at);
            Err(cursor.unexpected(expected_second))
        }
    }
}

impl Expr {
    fn matches(&self, json: &Value) -> bool {
        match self {
            Self::Or(terms) => terms.iter().any(|t| t.matches(json)),
            Self::And(factors) => factors.iter().all(|f| f.matches(json)),
            Self::Condition(condition) => condition.matches(json),
        }
    }
}

impl Condition {
    fn matches(&self, json: &Value) -> bool {
        let found = select(json, &self.selector);
        match (&self.test, found) {
            (Test::NotExists, found) => found.is_none(),
            (Test::IsNull, Some(Value::Null)) => true,
            (Test::IsTrue, Some(Value::Bool(true))) => true,
            (Test::IsFalse, Some(Value::Bool(false))) => true,
            (Test::Compare(comparison), Some(Value::String(s))) => comparison.matches_str(s),
            (Test::Compare(comparison), Some(Value::Number(n))) => comparison.matches_number(n),
            _ => false,
        }
    }
}

fn select<'v>(json: &'v Value, steps: &[Step]) -> Option<&'v Value> {
    let mut current = json;
    for step in steps {
        current = match (step, current) {
            (Step::Field(name), Value::Object(map)) => map.get(&**name)?,
            (Step::Index(i), Value::Array(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn matches(pattern: &str, event: &Value) -> bool {
        JsonPattern::parse(pattern).unwrap().matches(event)
    }

    fn error(pattern: &str) -> PatternError {
        JsonPattern::parse(pattern).unwrap_err()
    }

    fn event() -> Value {
        json!({
            "eventName": "PutObject",
            "errorCode": "AccessDenied",
            "latency": 50,
            "ratio": 0.25,
            "negative": -3,
            "flag": true,
            "off": false,
            "nothing": null,
            "list": ["a", "b"],
            "objects": [{"id": 1}, {"id": 2}],
            "grid": [[0, 1], [2, 3]],
            "nested": {"inner": {"name": "x-y"}},
            "dash-name": "ok",
            "text400": "400"
        })
    }

    #[test]
    fn string_equality_quoted_and_unquoted() {
        assert!(matches(r#"{ $.eventName = "PutObject" }"#, &event()));
        assert!(matches("{ $.eventName = PutObject }", &event()));
        assert!(!matches("{ $.eventName = putobject }", &event()));
        assert!(matches("{$.eventName=PutObject}", &event()));
    }

    #[test]
    fn string_inequality_needs_the_field() {
        assert!(matches("{ $.eventName != GetObject }", &event()));
        assert!(!matches("{ $.eventName != PutObject }", &event()));
        assert!(!matches("{ $.missing != GetObject }", &event()));
        assert!(!matches("{ $.list != a }", &event()));
        assert!(!matches("{ $.nested != a }", &event()));
        assert!(!matches("{ $.nothing != a }", &event()));
        assert!(!matches("{ $.flag != a }", &event()));
    }

    #[test]
    fn wildcards_at_either_end() {
        assert!(matches(r#"{ $.errorCode = "Access*" }"#, &event()));
        assert!(matches(r#"{ $.errorCode = "*Denied" }"#, &event()));
        assert!(matches(r#"{ $.errorCode = "*cessDen*" }"#, &event()));
        assert!(!matches(r#"{ $.errorCode = "Acc*ied" }"#, &event()));
        assert!(matches("{ $.errorCode = * }", &event()));
        assert!(matches("{ $.latency = * }", &event()));
        assert!(!matches("{ $.missing = * }", &event()));
        assert!(!matches("{ $.nothing = * }", &event()));
        assert!(matches("{ $.errorCode != Auth* }", &event()));
    }

    #[test]
    fn string_conditions_see_numbers_by_their_text() {
        assert!(matches(r#"{ $.latency = "50" }"#, &event()));
        assert!(matches("{ $.latency = 5* }", &event()));
        assert!(matches(r#"{ $.latency != "51" }"#, &event()));
    }

    #[test]
    fn numeric_comparisons() {
        let e = event();
        assert!(matches("{ $.latency = 50 }", &e));
        assert!(matches("{ $.latency = 50.0 }", &e));
        assert!(matches("{ $.latency = 5e1 }", &e));
        assert!(matches("{ $.latency != 51 }", &e));
        assert!(matches("{ $.latency < 51 }", &e));
        assert!(matches("{ $.latency <= 50 }", &e));
        assert!(matches("{ $.latency > 49.5 }", &e));
        assert!(matches("{ $.latency >= +50 }", &e));
        assert!(!matches("{ $.latency > 50 }", &e));
        assert!(matches("{ $.ratio < 10e-1 }", &e));
        assert!(matches("{ $.negative < -2 }", &e));
        assert!(matches("{ $.negative = -3 }", &e));
    }

    #[test]
    fn numeric_comparisons_read_strings_holding_numbers() {
        let e = event();
        assert!(matches("{ $.text400 = 400 }", &e));
        assert!(matches("{ $.text400 != 401 }", &e));
        assert!(matches("{ $.text400 > 399.5 }", &e));
        assert!(!matches("{ $.eventName != 401 }", &e));
        assert!(!matches("{ $.eventName < 401 }", &e));
    }

    #[test]
    fn numeric_comparisons_need_a_number_or_numeric_string() {
        let e = event();
        assert!(!matches("{ $.missing != 1 }", &e));
        assert!(!matches("{ $.missing < 1 }", &e));
        assert!(!matches("{ $.list != 1 }", &e));
        assert!(!matches("{ $.flag = 1 }", &e));
    }

    #[test]
    fn null_true_false_and_not_exists() {
        let e = event();
        assert!(matches("{ $.nothing IS NULL }", &e));
        assert!(!matches("{ $.missing IS NULL }", &e));
        assert!(!matches("{ $.flag IS NULL }", &e));
        assert!(matches("{ $.flag IS TRUE }", &e));
        assert!(!matches("{ $.flag IS FALSE }", &e));
        assert!(matches("{ $.off IS FALSE }", &e));
        assert!(!matches("{ $.eventName IS TRUE }", &e));
        assert!(matches("{ $.missing NOT EXISTS }", &e));
        assert!(!matches("{ $.nothing NOT EXISTS }", &e));
        assert!(!matches("{ $.eventName NOT EXISTS }", &e));
        assert!(matches("{ $.list[5] NOT EXISTS }", &e));
        assert!(matches("{ $.eventName.deeper NOT EXISTS }", &e));
    }

    #[test]
    fn selectors_walk_objects_and_arrays() {
        let e = event();
        assert!(matches("{ $.list[0] = a }", &e));
        assert!(matches("{ $.list[1] = b }", &e));
        assert!(!matches("{ $.list[2] = b }", &e));
        assert!(matches("{ $.objects[1].id = 2 }", &e));
        assert!(matches("{ $.grid[1][0] = 2 }", &e));
        assert!(matches("{ $.nested.inner.name = \"x-y\" }", &e));
        assert!(matches("{ $.dash-name = ok }", &e));
        assert!(!matches("{ $.nested[0] = x }", &e));
        assert!(!matches("{ $.list.a = x }", &e));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let e = event();
        // true || (false && false)
        assert!(matches(
            "{ $.latency = 50 || $.latency = 1 && $.latency = 2 }",
            &e
        ));
        // (true || false) && false
        assert!(!matches(
            "{ ($.latency = 50 || $.latency = 1) && $.latency = 2 }",
            &e
        ));
        assert!(matches("{ ((($.latency = 50))) }", &e));
        assert!(matches(
            "{ ($.flag IS TRUE) && ($.off IS FALSE) && ($.latency > 1) }",
            &e
        ));
    }

    #[test]
    fn refuses_malformed_patterns_with_position() {
        assert_eq!(
            error("{ $.a = }"),
            PatternError::Unexpected {
                position: 9,
                expected: "a value (quote it if it holds other characters)",
                found: "}".to_owned()
            }
        );
        assert_eq!(
            error("{ $.a = b"),
            PatternError::UnexpectedEnd {
                position: 10,
                expected: "`&&`, `||` or `}`"
            }
        );
        assert_eq!(
            error("{ $.a = b } x"),
            PatternError::Unexpected {
                position: 13,
                expected: "the end of the pattern after `}`",
                found: "x".to_owned()
            }
        );
        assert_eq!(
            error("{ ($.a = b }"),
            PatternError::Unexpected {
                position: 12,
                expected: "`&&`, `||` or `)`",
                found: "}".to_owned()
            }
        );
        assert_eq!(
            error("{ a = b }"),
            PatternError::Unexpected {
                position: 3,
                expected: "a selector starting with `$` or `(`",
                found: "a".to_owned()
            }
        );
        assert_eq!(
            error("{ $.a < abc }"),
            PatternError::Unexpected {
                position: 9,
                expected: "a number after `<`, `<=`, `>` or `>=`",
                found: "abc".to_owned()
            }
        );
        assert_eq!(
            error("{ $.a = x@y }"),
            PatternError::Unexpected {
                position: 10,
                expected: "`&&`, `||` or `}`",
                found: "@y".to_owned()
            }
        );
        assert_eq!(
            error("{ $.a IS MAYBE }"),
            PatternError::Unexpected {
                position: 10,
                expected: "`NULL`, `TRUE` or `FALSE` after `IS`",
                found: "MAYBE".to_owned()
            }
        );
        assert_eq!(
            error("{ $.a is null }"),
            PatternError::Unexpected {
                position: 7,
                expected: "a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`), `IS` or `NOT EXISTS`",
                found: "is".to_owned()
            }
        );
        assert_eq!(
            error("{ $.a NOT }"),
            PatternError::Unexpected {
                position: 11,
                expected: "`EXISTS` after `NOT`",
                found: "}".to_owned()
            }
        );
        assert_eq!(
            error("{ }"),
            PatternError::Unexpected {
                position: 3,
                expected: "a selector starting with `$` or `(`",
                found: "}".to_owned()
            }
        );
    }

    #[test]
    fn refuses_unsupported_syntax() {
        assert_eq!(
            error("{ $.a[*] = b }"),
            PatternError::Unsupported {
                position: 6,
                feature: "array wildcard",
                found: "[*]".to_owned()
            }
        );
        assert_eq!(
            error("{ $.a == b }"),
            PatternError::Unsupported {
                position: 7,
                feature: "operator",
                found: "==".to_owned()
            }
        );
        assert_eq!(
            error("{ $.a = %ab+% }"),
            PatternError::Unsupported {
                position: 9,
                feature: "regular expression",
                found: "%ab+%".to_owned()
            }
        );
        assert_eq!(
            error("{ !($.a = b) }"),
            PatternError::Unsupported {
                position: 3,
                feature: "negation",
                found: "!".to_owned()
            }
        );
        assert!(matches!(
            error("{ $[0] = b }"),
            PatternError::Unsupported { position: 4, .. }
        ));
        assert!(matches!(
            error("{ $.* = b }"),
            PatternError::Unsupported { position: 5, .. }
        ));
        assert_eq!(
            error("{ $ = b }"),
            PatternError::Unexpected {
                position: 4,
                expected: "`.` and a field name after `$`",
                found: " ".to_owned()
            }
        );
    }

    #[test]
    fn refuses_an_index_too_large() {
        assert_eq!(
            error("{ $.a[99999999999999999999999] = b }"),
            PatternError::IndexTooLarge {
                position: 7,
                found: "99999999999999999999999".to_owned()
            }
        );
    }

    #[test]
    fn quoted_values_keep_spaces_and_symbols() {
        let e = json!({"who": "a b@c \"q\" \\"});
        assert!(matches(r#"{ $.who = "a b@c \"q\" \\" }"#, &e));
        assert!(matches(r#"{ $.who = "a b*" }"#, &e));
    }
}
