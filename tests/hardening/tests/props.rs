//! Properties over hostile input, beyond those the crates test themselves
//! (the filter pattern in `sources/cloudtrail/tests/filter_pattern_props.rs`,
//! one text in every field of a Slack message in `destinations/slack/src/render.rs`):
//! CloudTrail-shaped JSON of any shape through the event model, the rules,
//! standardizing and rendering; arbitrary bytes as a subscription payload;
//! a different hostile string in every field of a Slack message; secrets in
//! request parameters under any nesting.

use std::sync::OnceLock;

use activity_aware::Message;
use activity_aware::cloudtrail::{Event, EventError};
use activity_aware::standardize::standardize;
use activity_aware_hardening_tests::{gzip, payload_of, rules, wrap_bytes};
use activity_aware_source_cloudtrail::decode::{DecodeError, decode_data};
use activity_aware_source_cloudtrail::detect::Rules;
use activity_aware_source_cloudtrail::handler::{Detect, Report, Source};
use activity_aware_source_cloudtrail::lambda;
use activity_aware_source_cloudtrail::publish::Collect;
use base64::Engine;
use destination_slack::limits::{stray_markup, strings, violations};
use destination_slack::render::render;
use lambda_runtime::Diagnostic;
use proptest::prelude::*;
use serde_json::{Map, Number, Value, json};

fn shared_rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(rules)
}

/// Text from every Unicode plane, markup and controls, sometimes huge.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "(\\PC|[<>&`*_~|\n\r\t\u{0}\u{202e}\u{200b}\u{1F600}\u{10FFFF}])*",
        1 => "[a-zA-Z0-9:/.*-]{0,20}",
        1 => Just("AccessDenied".to_owned()),
        1 => (1usize..40_000).prop_map(|n| "\u{10348}".repeat(n)),
    ]
}

/// Any JSON value, nested up to twelve levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(12, 128, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// The fields CloudTrail events have and the rules and standardizing read.
const FIELDS: [&str; 22] = [
    "eventID",
    "eventTime",
    "eventVersion",
    "eventSource",
    "eventName",
    "eventType",
    "awsRegion",
    "recipientAccountId",
    "sourceIPAddress",
    "userAgent",
    "requestID",
    "errorCode",
    "errorMessage",
    "userIdentity",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "resources",
    "insightDetails",
    "readOnly",
    "managementEvent",
    "sessionCredentialFromConsole",
];

/// A value for a well-known field: usually of its usual type, often not.
fn field_value(name: &'static str) -> BoxedStrategy<Value> {
    let usual: BoxedStrategy<Value> = match name {
        "userIdentity" => (
            prop_oneof![
                Just("IAMUser"),
                Just("AssumedRole"),
                Just("Root"),
                Just("AWSService"),
                Just("FederatedUser"),
                Just("IdentityCenterUser"),
            ],
            text(),
            json_value(),
        )
            .prop_map(|(kind, user, context)| {
                json!({"type": kind, "userName": user, "arn": format!("arn:aws:iam::1:user/{user}"),
                       "sessionContext": context, "invokedBy": user})
            })
            .boxed(),
        "resources" => prop::collection::vec(
            (text(), text()).prop_map(|(arn, kind)| json!({"ARN": arn, "type": kind})),
            0..5,
        )
        .prop_map(Value::Array)
        .boxed(),
        "eventSource" => prop_oneof![
            Just("iam.amazonaws.com".to_owned()),
            Just("signin.amazonaws.com".to_owned()),
            Just("cloudtrail.amazonaws.com".to_owned()),
            text(),
        ]
        .prop_map(Value::String)
        .boxed(),
        "eventName" => prop_oneof![
            Just("ConsoleLogin".to_owned()),
            Just("StopLogging".to_owned()),
            Just("DeleteTrail".to_owned()),
            Just("PutBucketPolicy".to_owned()),
            text(),
        ]
        .prop_map(Value::String)
        .boxed(),
        "requestParameters" | "responseElements" | "additionalEventData" | "insightDetails" => {
            json_value().boxed()
        }
        _ => text().prop_map(Value::String).boxed(),
    };
    prop_oneof![4 => usual, 1 => json_value()].boxed()
}

/// CloudTrail-shaped objects: each well-known field present or not, of its
/// type or not, plus stray fields.
fn cloudtrail_like() -> impl Strategy<Value = Value> {
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = FIELDS
        .iter()
        .map(|name| {
            prop::option::weighted(0.8, field_value(name))
                .prop_map(move |value| value.map(|value| ((*name).to_owned(), value)))
                .boxed()
        })
        .collect();
    (fields, prop::collection::vec((text(), json_value()), 0..3)).prop_map(|(known, extra)| {
        Value::Object(known.into_iter().flatten().chain(extra).collect())
    })
}

/// Whether the model must admit `value` as an event.
fn admissible(value: &Value) -> bool {
    ["eventID", "eventTime"].iter().all(|field| {
        value
            .get(field)
            .and_then(Value::as_str)
            .is_some_and(|text| !text.trim().is_empty())
    })
}

/// A message with a different text in every string and list entry.
fn hostile_message() -> impl Strategy<Value = Message> {
    (
        prop::collection::vec(text(), 40),
        0usize..30,
        prop::collection::vec(
            prop_oneof![
                text(),
                "https://[a-z]{1,8}\\.example/(\\PC|[<>| ]){0,30}",
                Just("https://x.example/a|<!channel>".to_owned()),
                Just("https://x.example/>".to_owned()),
                Just("javascript:alert(1)".to_owned()),
            ],
            0..30,
        ),
    )
        .prop_map(|(texts, count, urls)| {
            let mut next = texts.into_iter().cycle();
            let mut s = move || next.next().unwrap_or_default();
            let list = |s: &mut dyn FnMut() -> String,
                        make: &dyn Fn(&mut dyn FnMut() -> String) -> Value| {
                (0..count).map(|_| make(s)).collect::<Vec<Value>>()
            };
            let findings = list(&mut s, &|s| {
                json!({"ruleId": s(), "title": s(), "severity": "high", "description": s(),
                       "references": [s(), s()]})
            });
            let resources = list(
                &mut s,
                &|s| json!({"id": s(), "resourceType": s(), "accountId": s()}),
            );
            let details = list(&mut s, &|s| json!({"label": s(), "value": s()}));
            let links: Vec<Value> = urls
                .iter()
                .map(|url| json!({"label": s(), "url": url}))
                .collect();
            let value = json!({
                "version": 1, "id": s(), "source": s(), "title": s(), "severity": "critical",
                "time": s(), "account": s(), "region": s(),
                "event": {"id": s(), "eventType": s(), "requestId": s()},
                "actor": {"identityType": s(), "name": s(), "arn": s(), "accountId": s(),
                    "principalId": s(), "accessKeyId": s(), "sessionIssuer": s(),
                    "sessionName": s(), "invokedBy": s(), "sourceAddress": s(),
                    "userAgent": s(), "mfa": true},
                "action": {"service": s(), "name": s(), "iamAction": s(), "outcome": "denied",
                    "errorCode": s(), "errorMessage": s(),
                    "denial": {"action": s(), "actionFrom": "error_message", "resource": s(),
                        "reason": s(), "encodedMessage": {"value": s(), "truncated": false,
                        "howToDecode": s()}}},
                "findings": findings, "resources": resources, "details": details,
                "links": links,
                "occurrences": {"count": count, "firstTime": s(), "lastTime": s(),
                    "eventIds": (0..count).map(|_| s()).collect::<Vec<_>>()}
            });
            serde_json::from_value(value).unwrap_or_else(|error| panic!("not a message: {error}"))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The model admits exactly the objects with a non-blank `eventID` and
    /// `eventTime`; every admitted event goes through the rules,
    /// standardizing and rendering without a panic, into a message that
    /// reads back as itself and a payload within Slack's limits.
    #[test]
    fn any_cloudtrail_shaped_json_is_refused_or_reported(value in cloudtrail_like()) {
        let expected = admissible(&value);
        match Event::from_value(value) {
            Ok(event) => {
                prop_assert!(expected, "admitted an event without its required fields");
                let findings = shared_rules().detect(&event);
                let message = standardize(&event, findings);
                prop_assert_eq!(Message::from_json(&message.to_json()).ok(), Some(message.clone()));
                let payload = render(&message);
                prop_assert_eq!(violations(&payload), Vec::<String>::new());
                for piece in strings(&payload) {
                    prop_assert_eq!(stray_markup(piece), Vec::<String>::new());
                }
            }
            Err(error) => {
                prop_assert!(!expected, "refused a valid event: {}", error);
                let typed = matches!(
                    error,
                    EventError::MissingField { .. } | EventError::BadField { .. }
                );
                prop_assert!(typed, "{error}");
            }
        }
    }

    /// Any JSON at all, as a log event: skipped or reported, never a panic,
    /// and the summary accounts for it.
    #[test]
    fn any_json_as_a_log_event_is_skipped_or_reported(value in json_value()) {
        let source = Source { detector: rules(), publisher: Collect::default(), report: Report::All };
        let batch: aws_lambda_events::event::cloudwatch_logs::LogData = serde_json::from_value(
            json!({"messageType": "DATA_MESSAGE", "owner": "1", "logGroup": "g", "logStream": "s",
                   "subscriptionFilters": [], "logEvents": [{"id": "1", "timestamp": 1,
                   "message": value.to_string()}]}),
        ).unwrap_or_else(|error| panic!("{error}"));
        let (messages, summary) = source.messages(&batch);
        let admitted = admissible(&value);
        prop_assert_eq!(summary.skipped, usize::from(!admitted));
        prop_assert_eq!(messages.len(), usize::from(admitted));
    }

    /// Arbitrary bytes as the compressed data: refused as not gzip (or, with
    /// a gzip header, as broken gzip or not a batch), never a panic.
    #[test]
    fn arbitrary_bytes_as_data_are_a_typed_error(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let error = decode_data(&data).err();
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let typed = matches!(error, Some(DecodeError::Gzip { .. } | DecodeError::Batch { .. }));
            prop_assert!(typed, "{error:?}");
        } else {
            let typed = matches!(error, Some(DecodeError::Gzip { .. }));
            prop_assert!(typed, "{error:?}");
        }
    }

    /// Arbitrary bytes behind a valid gzip header: broken gzip or not a
    /// batch, unless they happen to be a batch.
    #[test]
    fn arbitrary_gzipped_bytes_are_a_typed_error(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let error = decode_data(
            &base64::engine::general_purpose::STANDARD.encode(gzip(&bytes)),
        ).err();
        let typed = matches!(error, Some(DecodeError::Batch { .. }));
        prop_assert!(typed, "{error:?}");
    }

    /// Arbitrary text as the data string and arbitrary JSON as the payload:
    /// the Lambda handler fails the invocation as `SubscriptionEventInvalid`.
    #[test]
    fn arbitrary_payloads_fail_the_invocation_with_a_typed_error(
        data in "\\PC{0,300}",
        payload in json_value(),
    ) {
        let source = Source { detector: NoRulesNeeded, publisher: Collect::default(), report: Report::All };
        let runtime = tokio::runtime::Builder::new_current_thread().build()
            .unwrap_or_else(|error| panic!("{error}"));
        for payload in [json!({"awslogs": {"data": data}}), payload] {
            let error = runtime.block_on(lambda::handle(&source, &payload))
                .err().map(|error| Diagnostic::from(error).error_type);
            prop_assert_eq!(error.as_deref(), Some("SubscriptionEventInvalid"));
        }
        prop_assert!(source.publisher.messages().is_empty());
    }

    /// A different hostile text in every field of a message, and links of
    /// every sort: the payload keeps Slack's limits and no `<` or `>` from
    /// the data becomes markup.
    #[test]
    fn a_hostile_text_in_each_field_keeps_limits_and_adds_no_markup(message in hostile_message()) {
        let payload = render(&message);
        prop_assert_eq!(violations(&payload), Vec::<String>::new());
        for piece in strings(&payload) {
            prop_assert_eq!(stray_markup(piece), Vec::<String>::new(), "in {:?}", piece);
        }
    }

    /// A secret under a secret-looking key, at any depth of the request
    /// parameters, never reaches the message.
    #[test]
    fn secrets_in_request_parameters_never_reach_the_message(
        key in prop_oneof![Just("password"), Just("SecretAccessKey"), Just("sessionToken"),
            Just("x-amz-security-token"), Just("PrivateKey"), Just("Authorization"),
            Just("newPassword"), Just("clientSecret"), Just("credentials")],
        depth in 0usize..6,
        secret in "[A-Za-z0-9/+]{24,40}",
    ) {
        let parameters = (0..depth).fold(json!({ key: secret.clone() }), |inner, level| {
            if level % 2 == 0 { json!({ format!("level{level}"): inner }) } else { json!([inner]) }
        });
        let event = Event::from_value(json!({
            "eventID": "e-1", "eventTime": "2026-01-01T00:00:00Z",
            "eventSource": "iam.amazonaws.com", "eventName": "CreateLoginProfile",
            "errorCode": "AccessDenied",
            "userIdentity": {"type": "IAMUser", "userName": "alice"},
            "requestParameters": parameters,
        })).unwrap_or_else(|error| panic!("{error}"));
        let message = standardize(&event, shared_rules().detect(&event));
        let text = message.to_json();
        prop_assert!(text.contains("[redacted]"), "{}", text);
        prop_assert!(!text.contains(&secret), "{}", text);
        prop_assert!(!render(&message).to_string().contains(&secret));
    }
}

/// No rules: the invalid-payload property never gets as far as detection.
struct NoRulesNeeded;

impl Detect for NoRulesNeeded {
    fn detect(&self, _event: &Event) -> Vec<activity_aware::message::Finding> {
        Vec::new()
    }
}

#[test]
fn a_payload_of_good_events_is_not_refused() {
    // Guards the properties above against refusing everything.
    let payload = payload_of(&[activity_aware_hardening_tests::denial(1, "alice").to_string()]);
    let data = payload["awslogs"]["data"].as_str().unwrap_or_default();
    let batch = decode_data(data).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(batch.log_events.len(), 1);
    assert_eq!(wrap_bytes(b"x"), json!({"awslogs": {"data": "eA=="}}));
}
