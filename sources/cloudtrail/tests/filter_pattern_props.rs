//! Properties of the filter pattern evaluator over arbitrary input: parsing
//! and matching never panic, whatever the pattern text and the event.

use activity_aware_source_cloudtrail::filter_pattern::{FilterPattern, MAX_PATTERN_CHARS};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Any JSON value, nested up to eight levels, with strings of any Unicode.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<u64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::String),
        "[a-zA-Z0-9*.:-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(8, 256, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..8)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-c]", "[a-zA-Z0-9_-]{1,6}", any::<String>()]
}

/// Text built from the pieces patterns are made of, so that many inputs get
/// deep into the parser.
fn pattern_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("$.".to_owned()),
        Just("$.a".to_owned()),
        Just("$.b[0]".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(", ".to_owned()),
        Just("...".to_owned()),
        Just("w1".to_owned()),
        Just(" = ".to_owned()),
        Just(" != ".to_owned()),
        Just(" < ".to_owned()),
        Just(" >= ".to_owned()),
        Just(" && ".to_owned()),
        Just(" || ".to_owned()),
        Just(" IS NULL".to_owned()),
        Just(" IS TRUE".to_owned()),
        Just(" NOT EXISTS".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("*".to_owned()),
        Just("?".to_owned()),
        Just("-".to_owned()),
        Just("%".to_owned()),
        Just(" ".to_owned()),
        "[a-c0-9.+eé]{1,4}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

fn message_for(json: &Value) -> String {
    json.to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn parse_and_match_never_panic_on_any_text(pattern in any::<String>(), json in json_value()) {
        if let Ok(parsed) = FilterPattern::parse(&pattern) {
            let message = message_for(&json);
            parsed.matches(&message, Some(&json));
            parsed.matches(&message, None);
            parsed.matches(&pattern, None);
        }
    }

    #[test]
    fn parse_and_match_never_panic_on_pattern_like_text(
        pattern in pattern_like(),
        json in json_value(),
    ) {
        if let Ok(parsed) = FilterPattern::parse(&pattern) {
            parsed.matches(&message_for(&json), Some(&json));
            parsed.matches("", None);
        }
    }

    #[test]
    fn valid_json_conditions_never_panic_on_any_event(
        field in "[a-c]",
        index in 0usize..4,
        value in prop_oneof!["\\*?[a-c0-9.]{1,4}\\*?", "-?[0-9]{1,3}(\\.[0-9]{1,2})?(e-?[0-9])?"],
        op in prop_oneof![Just("="), Just("!=")],
        json in json_value(),
    ) {
        let pattern = format!("{{ ($.{field}[{index}] {op} \"{value}\") || $.{field} {op} {value} }}");
        let parsed = FilterPattern::parse(&pattern);
        prop_assert!(parsed.is_ok(), "{pattern}: {parsed:?}");
        if let Ok(parsed) = parsed {
            parsed.matches(&message_for(&json), Some(&json));
        }
    }

    #[test]
    fn huge_strings_in_events_and_patterns_never_panic(
        filler in "[a-zA-Zé€😀 ]{0,64}",
        repeat in 1usize..2000,
    ) {
        let huge = filler.repeat(repeat);
        let json = Value::String(huge.clone());
        let object = serde_json::json!({"a": huge, "b": [huge]});
        for pattern in ["{ $.a = \"*x*\" }", "{ $.b[0] != x* }", "?x ?\"é\" -y", ""] {
            let parsed = FilterPattern::parse(pattern);
            prop_assert!(parsed.is_ok(), "{pattern}");
            if let Ok(parsed) = parsed {
                parsed.matches(&huge, Some(&json));
                parsed.matches(&huge, Some(&object));
            }
        }
        let long_pattern: String = huge.chars().take(MAX_PATTERN_CHARS + 10).collect();
        let _ = FilterPattern::parse(&long_pattern);
    }
}

proptest! {
    #[test]
    fn space_delimited_patterns_never_panic_on_any_text(
        columns in prop::collection::vec(
            prop_oneof![
                Just("...".to_owned()),
                Just(String::new()),
                "[a-c]",
                "[a-c] (=|!=) \\*?[0-9a-c.]{1,3}\\*?",
                "[a-c] (<|>=) -?[0-9]{1,3}",
            ],
            1..6,
        ),
        message in any::<String>(),
        spaced in "([a-c0-9\\[\\]\" ]|é){0,40}",
    ) {
        let pattern = format!("[{}]", columns.join(", "));
        if let Ok(parsed) = FilterPattern::parse(&pattern) {
            parsed.matches(&message, None);
            parsed.matches(&spaced, None);
        }
    }
}

#[test]
fn deeply_nested_parentheses_parse_and_match() {
    let depth = 200;
    let pattern = format!("{{ {}$.a = 1{} }}", "(".repeat(depth), ")".repeat(depth));
    assert!(pattern.chars().count() <= MAX_PATTERN_CHARS);
    let parsed = FilterPattern::parse(&pattern).unwrap();
    let event = serde_json::json!({"a": 1});
    assert!(parsed.matches(&event.to_string(), Some(&event)));
}

#[test]
fn deeply_nested_events_match_without_panicking() {
    let mut event = Value::String("leaf".to_owned());
    for _ in 0..1_000 {
        event = Value::Array(vec![event]);
    }
    let parsed = FilterPattern::parse("{ $.a[0][0][0] = leaf }").unwrap();
    assert!(!parsed.matches("[]", Some(&event)));
    let object = serde_json::json!({"a": [[["leaf"]]]});
    assert!(parsed.matches("{}", Some(&object)));
}
