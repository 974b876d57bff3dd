//! The filter pattern evaluator against the examples in AWS's CloudWatch
//! Logs documentation: each pattern the documentation shows, with log
//! events written for this test, and the match results the documentation
//! states (or, where it shows a pattern without an event, the results its
//! stated rules give).

use activity_aware_source_cloudtrail::filter_pattern::{
    DEFAULT_FILTER_PATTERN, FilterPattern, PatternError,
};
use serde_json::{Value, json};

/// Whether `pattern` matches a plain-text log event.
fn text_matches(pattern: &str, message: &str) -> bool {
    let parsed = FilterPattern::parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    parsed.matches(
        message,
        serde_json::from_str::<Value>(message).ok().as_ref(),
    )
}

/// Whether `pattern` matches a JSON log event.
fn json_matches(pattern: &str, event: &Value) -> bool {
    let parsed = FilterPattern::parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    parsed.matches(&event.to_string(), Some(event))
}

/// The indexes (from 1) of the events `pattern` matches.
fn matching(pattern: &str, events: &[&str]) -> Vec<usize> {
    events
        .iter()
        .enumerate()
        .filter(|(_, event)| text_matches(pattern, event))
        .map(|(i, _)| i + 1)
        .collect()
}

// Unstructured log events.

#[test]
fn empty_pattern_matches_every_event() {
    assert!(text_matches("", "[ERROR] A fatal exception has occurred"));
    assert!(text_matches("", "plain"));
    assert!(text_matches("", ""));
}

#[test]
fn single_term_matches_events_containing_it() {
    assert!(text_matches(
        "ERROR",
        "[ERROR] A fatal exception has occurred"
    ));
    assert!(text_matches("ERROR", "Exiting with ERRORCODE: -1"));
    assert!(text_matches("\"ERROR\"", "Exiting with ERRORCODE: -1"));
    assert!(!text_matches("ERROR", "[INFO] all well"));
}

#[test]
fn excluded_term_drops_events_containing_it() {
    for pattern in ["\"ERROR\" - \"Exiting\"", "ERROR -Exiting"] {
        assert!(
            text_matches(pattern, "[ERROR] A fatal exception has occurred"),
            "{pattern}"
        );
        assert!(
            !text_matches(pattern, "Exiting with ERRORCODE: -1"),
            "{pattern}"
        );
    }
}

#[test]
fn exclusion_alone_matches_everything_else() {
    assert!(!text_matches(
        "-ERROR",
        "[ERROR] A fatal exception has occurred"
    ));
    assert!(text_matches("-ERROR", "[INFO] all well"));
}

#[test]
fn multiple_terms_must_all_occur() {
    assert!(text_matches(
        "ERROR Exception",
        "[ERROR] Caught IllegalArgumentException"
    ));
    assert!(text_matches(
        "ERROR Exception",
        "[ERROR] Unhandled Exception"
    ));
    assert!(!text_matches("ERROR Exception", "[ERROR] Unhandled fault"));

    let pattern = "Failed to process the request";
    assert!(text_matches(
        pattern,
        "[WARN] Failed to process the request"
    ));
    assert!(text_matches(
        pattern,
        "[ERROR] Unable to continue: Failed to process the request"
    ));
    assert!(!text_matches(pattern, "[WARN] Failed to process"));
}

#[test]
fn or_terms_against_the_three_documented_events() {
    let events = ["ERROR WARN message", "ERROR message", "WARN message"];
    assert_eq!(matching("ERROR", &events), [1, 2]);
    assert_eq!(matching("?ERROR ?WARN", &events), [1, 2, 3]);
    assert_eq!(matching("ERROR WARN", &events), [1]);
    assert_eq!(matching("ERROR -WARN", &events), [2]);
}

#[test]
fn or_terms_from_the_api_reference() {
    assert!(text_matches("?ERROR ?Exception", "ERROR here"));
    assert!(text_matches("?ERROR ?Exception", "an Exception"));
    assert!(!text_matches("?ERROR ?Exception", "all well"));
}

#[test]
fn regex_patterns_are_refused() {
    assert_eq!(
        FilterPattern::parse("%AUTHORIZED%"),
        Err(PatternError::Unsupported {
            position: 1,
            feature: "regular expression",
            found: "%AUTHORIZED%".to_owned()
        })
    );
}

// JSON log events.

#[test]
fn json_or_against_the_two_documented_events() {
    let bar = json!({"foo": "bar"});
    let baz = json!({"foo": "baz"});
    assert!(json_matches("{$.foo = bar}", &bar));
    assert!(!json_matches("{$.foo = bar}", &baz));
    assert!(json_matches("{$.foo = baz }", &baz));
    assert!(!json_matches("{$.foo = baz }", &bar));
    assert!(json_matches("{$.foo = bar || $.foo = baz }", &bar));
    assert!(json_matches("{$.foo = bar || $.foo = baz }", &baz));
}

fn trail_like_event() -> Value {
    json!({
        "eventType": "UpdateTrail",
        "sourceIPAddress": "111.111.111.111",
        "arrayKey": ["value", "another value"],
        "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
        "SomeObject": null,
        "ThisFlag": true
    })
}

#[test]
fn documented_json_filters_match_the_example_event() {
    let event = trail_like_event();
    for pattern in [
        r#"{ $.eventType = "UpdateTrail" }"#,
        "{ $.sourceIPAddress != 123.123.* }",
        r#"{ $.arrayKey[0] = "value" }"#,
        "{ $.objectList[1].id = 2 }",
        "{ $.SomeObject IS NULL }",
        "{ $.SomeOtherObject NOT EXISTS }",
        "{ $.ThisFlag IS TRUE }",
    ] {
        assert!(json_matches(pattern, &event), "{pattern}");
    }
}

#[test]
fn documented_json_filters_fail_where_the_docs_say_false() {
    let event = trail_like_event();
    // The address is inside 111.111.*, so `!=` fails.
    assert!(!json_matches("{ $.sourceIPAddress != 111.111.* }", &event));
    // Not an array.
    assert!(!json_matches(r#"{ $.eventType[0] = "value" }"#, &event));
    // Array items are not objects / have no such property.
    assert!(!json_matches("{ $.arrayKey[1].id = 2 }", &event));
    assert!(!json_matches("{ $.objectList[1].missing = 2 }", &event));
    // Only a field set to null is null; only a field that is absent does not exist.
    assert!(!json_matches("{ $.ThisFlag IS NULL }", &event));
    assert!(!json_matches("{ $.SomeOtherObject IS NULL }", &event));
    assert!(!json_matches("{ $.SomeObject NOT EXISTS }", &event));
    assert!(!json_matches("{ $.ThisFlag IS FALSE }", &event));
    assert!(json_matches(
        "{ $.ThisFlag IS TRUE }",
        &json!({"ThisFlag": true})
    ));
    assert!(json_matches(
        "{ $.ThisFlag IS FALSE }",
        &json!({"ThisFlag": false})
    ));
}

#[test]
fn json_patterns_do_not_match_text_events() {
    let pattern = FilterPattern::parse(r#"{ $.eventType = "UpdateTrail" }"#).unwrap();
    assert!(!pattern.matches("eventType UpdateTrail", None));
}

#[test]
fn string_wildcards_as_documented() {
    let put = json!({"eventName": "PutEvent"});
    let get = json!({"eventName": "GetEvent"});
    let id = json!({"eventName": "EventId"});
    let name = json!({"eventName": "EventName"});
    assert!(json_matches("{ $.eventName = *Event }", &put));
    assert!(json_matches("{ $.eventName = *Event }", &get));
    assert!(!json_matches("{ $.eventName = *Event }", &id));
    assert!(json_matches("{ $.eventName = Event* }", &id));
    assert!(json_matches("{ $.eventName = Event* }", &name));
    assert!(!json_matches("{ $.eventName = Event* }", &put));
    // A `*` inside a value is a literal character.
    assert!(!json_matches(
        "{ $.eventName = Ev*ent }",
        &json!({"eventName": "Event"})
    ));
    assert!(json_matches(
        "{ $.eventName = Ev*ent }",
        &json!({"eventName": "Ev*ent"})
    ));
}

fn compound_event() -> Value {
    json!({
        "user": {"id": 1, "email": "John.Stiles@example.com"},
        "users": [
            {"id": 2, "email": "John.Doe@example.com"},
            {"id": 3, "email": "Jane.Doe@example.com"}
        ],
        "actions": ["GET", "PUT", "DELETE"],
        "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]
    })
}

#[test]
fn compound_conditions_as_documented() {
    let event = compound_event();
    assert!(json_matches(
        r#"{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }"#,
        &event
    ));
    assert!(!json_matches(
        r#"{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }"#,
        &event
    ));
    assert!(json_matches(
        r#"{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }"#,
        &event
    ));
    assert!(!json_matches(
        r#"{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }"#,
        &event
    ));
}

#[test]
fn selector_on_an_array_matches_neither_equal_nor_not_equal() {
    let event = json!({"users": [1, 2, 3]});
    assert!(!json_matches("{$.users = 1}", &event));
    assert!(!json_matches("{$.users != 1}", &event));
}

#[test]
fn documented_numeric_comparisons() {
    let cases: [(&str, Value, Value); 7] = [
        (
            "{ $.latency >= 500 }",
            json!({"latency": 500}),
            json!({"latency": 499}),
        ),
        (
            "{ $.numbers[0] < 10e3 }",
            json!({"numbers": [9999]}),
            json!({"numbers": [10000]}),
        ),
        (
            "{ $.numbers[0] < 10e-3 }",
            json!({"numbers": [0.001]}),
            json!({"numbers": [0.01]}),
        ),
        (
            "{ $.processes[4].averageRuntime <= 55.5 }",
            json!({"processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]}),
            json!({"processes": [{}, {}, {}, {}, {"averageRuntime": 55.6}]}),
        ),
        (
            "{ $.errorCode = 400 }",
            json!({"errorCode": 400}),
            json!({"errorCode": 401}),
        ),
        (
            "{ $.errorCode != 500 }",
            json!({"errorCode": 400}),
            json!({"errorCode": 500}),
        ),
        (
            "{ $.latency > +1000 }",
            json!({"latency": 1001}),
            json!({"latency": 1000}),
        ),
    ];
    for (pattern, matching, not_matching) in cases {
        assert!(json_matches(pattern, &matching), "{pattern} on {matching}");
        assert!(
            !json_matches(pattern, &not_matching),
            "{pattern} on {not_matching}"
        );
    }
}

#[test]
fn wildcard_value_matches_a_present_number() {
    let pattern = "{ $.latency = * }";
    assert!(json_matches(
        pattern,
        &json!({"latency": 50, "requestType": "GET"})
    ));
    assert!(!json_matches(pattern, &json!({"requestType": "GET"})));
}

// Space-delimited log events.

const ACCESS_LOG: [&str; 3] = [
    r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534"#,
    r#"127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324"#,
    r#"127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355"#,
];

#[test]
fn space_delimited_or_against_the_three_documented_events() {
    let events = ["ERROR WARN message", "ERROR message", "WARN message"];
    assert_eq!(matching("[w1=ERROR, w2]", &events), [2]);
    assert_eq!(matching("[w1=ERROR || w1=WARN, w2]", &events), [2, 3]);
    // The documentation says this one matches event 1, which contradicts the
    // two results above: event 1 has three fields and this pattern names
    // two, and its first word is ERROR. What the pattern does is match none.
    assert_eq!(
        matching("[w1!=ERROR&&w1!=WARN, w2]", &events),
        Vec::<usize>::new()
    );
}

#[test]
fn space_delimited_columns_and_ellipsis_on_the_access_log() {
    for pattern in [
        "[ip, user, username, timestamp, request, status_code, bytes]",
        "[..., status_code, bytes]",
        "[ip, user, ..., status_code, bytes]",
        "[ip, user, ...]",
    ] {
        assert_eq!(matching(pattern, &ACCESS_LOG), [1, 2, 3], "{pattern}");
    }
    assert_eq!(
        matching("[ip, user, username, timestamp, request]", &ACCESS_LOG),
        Vec::<usize>::new()
    );
}

#[test]
fn space_delimited_conditions_on_the_access_log() {
    let cases: [(&str, &[usize]); 5] = [
        (
            "[ip, user, username, timestamp, request, status_code, bytes > 1000]",
            &[1, 2, 3],
        ),
        (
            "[ip, user, username, timestamp, request, status_code = 200, bytes]",
            &[1, 3],
        ),
        (
            "[ip, user, username, timestamp, request, status_code = 4*, bytes]",
            &[],
        ),
        (
            "[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]",
            &[],
        ),
        (
            "[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]",
            &[],
        ),
    ];
    for (pattern, expected) in cases {
        assert_eq!(matching(pattern, &ACCESS_LOG), expected, "{pattern}");
    }
}

#[test]
fn space_delimited_condition_naming_another_column_is_refused() {
    let pattern = "[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]";
    assert!(matches!(
        FilterPattern::parse(pattern),
        Err(PatternError::Unsupported {
            position: 62,
            feature: "condition on another column than its own",
            ..
        })
    ));
}

#[test]
fn space_delimited_example_with_trailing_comma() {
    let event =
        r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;
    assert!(text_matches(
        "[..., request=*.html*, status_code=4*,]",
        event
    ));
    assert!(!text_matches(
        "[..., request=*.html*, status_code=4*,]",
        ACCESS_LOG[0]
    ));
}

// The product's default pattern.

fn denial(error_code: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "eventID": "00000000-0000-0000-0000-000000000000",
        "eventTime": "2026-01-01T00:00:00Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": "RunInstances",
        "errorCode": error_code
    })
}

#[test]
fn default_pattern_matches_access_denials() {
    let pattern = FilterPattern::parse(DEFAULT_FILTER_PATTERN).unwrap();
    for code in [
        "AccessDenied",
        "Client.UnauthorizedOperation",
        "UnauthorizedOperation",
        "AccessDeniedException",
        "VpceAccessDenied",
        "AuthorizationError",
    ] {
        let event = denial(code);
        assert!(pattern.matches(&event.to_string(), Some(&event)), "{code}");
    }
}

#[test]
fn default_pattern_passes_over_everything_else() {
    let pattern = FilterPattern::parse(DEFAULT_FILTER_PATTERN).unwrap();
    // The event is an ordinary `RunInstances`, which no rule watches, so only
    // a denial's error code could bring it through.
    for code in [
        "",
        "Client.DryRunOperation",
        "TrailNotFoundException",
        "accessdenied",
        "Client.UnauthorizedOperationX",
    ] {
        let event = denial(code);
        assert!(
            !pattern.matches(&event.to_string(), Some(&event)),
            "{code:?}"
        );
    }

    let mut no_error = denial("");
    no_error.as_object_mut().unwrap().remove("errorCode");
    assert!(!pattern.matches(&no_error.to_string(), Some(&no_error)));
    let null_error = json!({"errorCode": null});
    assert!(!pattern.matches(&null_error.to_string(), Some(&null_error)));
    assert!(!pattern.matches("AccessDenied in plain text", None));
}
