//! The Slack renderer on untrusted messages: every string and list of a full
//! contract message comes from the fuzzer. The payload must keep every Block
//! Kit limit and carry no `<` or `>` that is not one of the renderer's own
//! https links.

#![no_main]

use activity_aware::Message;
use arbitrary::{Arbitrary, Unstructured};
use destination_slack::limits::{stray_markup, strings, violations};
use destination_slack::render::render;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

/// Fields whose values are enums of the contract; the fuzzer picks among
/// their names instead of writing free text.
const ENUMS: [(&str, &[&str]); 3] = [
    ("severity", &["info", "low", "medium", "high", "critical"]),
    ("outcome", &["success", "failure", "denied"]),
    ("actionFrom", &["error_message", "event"]),
];

/// A message with every optional field present, as the shape to fill.
fn template() -> Value {
    let item = "x";
    json!({
        "version": 1, "id": item, "source": item, "title": item, "severity": "high",
        "time": item, "account": item, "region": item,
        "event": {"id": item, "eventType": item, "requestId": item},
        "actor": {"identityType": item, "name": item, "arn": item, "accountId": item,
            "principalId": item, "accessKeyId": item, "sessionIssuer": item,
            "sessionName": item, "invokedBy": item, "sourceAddress": item,
            "userAgent": item, "mfa": false},
        "action": {"service": item, "name": item, "iamAction": item, "outcome": "denied",
            "errorCode": item, "errorMessage": item,
            "denial": {"action": item, "actionFrom": "event", "resource": item,
                "reason": item,
                "encodedMessage": {"value": item, "truncated": true, "howToDecode": item}}},
        "findings": [{"ruleId": item, "title": item, "severity": "low",
            "description": item, "references": [item]}],
        "resources": [{"id": item, "resourceType": item, "accountId": item}],
        "details": [{"label": item, "value": item}],
        "links": [{"label": item, "url": item}],
        "occurrences": {"count": 2, "firstTime": item, "lastTime": item, "eventIds": [item]}
    })
}

fn fill(value: &mut Value, key: &str, u: &mut Unstructured) -> arbitrary::Result<()> {
    match value {
        Value::String(text) => {
            *text = match ENUMS.iter().find(|(name, _)| *name == key) {
                Some((_, names)) => (*u.choose(names)?).to_owned(),
                None => String::arbitrary(u)?,
            };
        }
        Value::Bool(flag) => *flag = bool::arbitrary(u)?,
        Value::Number(_) if key == "count" => *value = json!(u32::arbitrary(u)?),
        Value::Array(items) => {
            let Some(first) = items.first().cloned() else {
                return Ok(());
            };
            let count = u.int_in_range(0..=60)?;
            *items = Vec::with_capacity(count);
            for _ in 0..count {
                let mut item = first.clone();
                fill(&mut item, key, u)?;
                items.push(item);
            }
        }
        Value::Object(fields) => {
            let keys: Vec<String> = fields.keys().cloned().collect();
            for name in keys {
                if name == "version" {
                    continue;
                }
                if !bool::arbitrary(u)? && is_optional(&name) {
                    fields.remove(&name);
                    continue;
                }
                if let Some(field) = fields.get_mut(&name) {
                    fill(field, &name, u)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn is_optional(name: &str) -> bool {
    !matches!(
        name,
        "id" | "source"
            | "title"
            | "severity"
            | "time"
            | "event"
            | "actor"
            | "action"
            | "identityType"
            | "name"
            | "outcome"
            | "findings"
            | "resources"
            | "details"
            | "links"
            | "ruleId"
            | "label"
            | "value"
            | "url"
            | "count"
            | "firstTime"
            | "lastTime"
            | "eventIds"
            | "truncated"
            | "howToDecode"
            | "actionFrom"
    )
}

fuzz_target!(|data: &[u8]| {
    // The shape itself must be a message, or every input would be refused.
    static SHAPE: std::sync::Once = std::sync::Once::new();
    SHAPE.call_once(|| {
        if let Err(error) = serde_json::from_value::<Message>(template()) {
            panic!("the template is not a message: {error}");
        }
    });

    let mut u = Unstructured::new(data);
    let mut value = template();
    if fill(&mut value, "", &mut u).is_err() {
        return;
    }
    let message: Message = match serde_json::from_value(value) {
        Ok(message) => message,
        Err(_) => return,
    };

    let payload = render(&message);
    let broken = violations(&payload);
    assert!(broken.is_empty(), "{broken:?}\n{payload}");
    for text in strings(&payload) {
        let stray = stray_markup(text);
        assert!(stray.is_empty(), "{stray:?} in {text:?}");
    }
});
