/*!
The CloudTrail event model.

Events are read into a generic JSON value once and looked at through typed
accessors, because CloudTrail's shapes vary by service, event type and
version: fields come and go and identity blocks differ by type. Only the
event's id and time are required; every other accessor answers `None` for a
missing field or a field of an unexpected type, so no shape can make the
reader fail past [`Event::from_value`].
*/

use serde_json::{Map, Value};

/// A field that must be present for an input to count as a CloudTrail event.
const REQUIRED: [&str; 2] = ["eventID", "eventTime"];

/// One CloudTrail event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    value: Value,
}

/// Why an input is not a CloudTrail event.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EventError {
    #[error("not valid JSON: {reason}")]
    Json { reason: String },

    #[error("expected a JSON object, found {found}")]
    NotAnObject { found: &'static str },

    #[error("missing required field `{field}`")]
    MissingField { field: &'static str },

    #[error("field `{field}` must be a non-empty string, found {found}")]
    BadField {
        field: &'static str,
        found: &'static str,
    },
}

impl Event {
    /// Parses one event from JSON text.
    pub fn parse(text: &str) -> Result<Event, EventError> {
        let value = parse_json(text).map_err(|error| EventError::Json {
            reason: error.to_string(),
        })?;

        Event::from_value(value)
    }

    /// Checks that a JSON value is a CloudTrail event and wraps it.
    pub fn from_value(value: Value) -> Result<Event, EventError> {
        let Value::Object(fields) = &value else {
            return Err(EventError::NotAnObject {
                found: kind(&value),
            });
        };

        for field in REQUIRED {
            match fields.get(field) {
                None | Some(Value::Null) => return Err(EventError::MissingField { field }),
                Some(Value::String(text)) if !text.trim().is_empty() => {}
                Some(other) => {
                    return Err(EventError::BadField {
                        field,
                        found: kind(other),
                    });
                }
            }
        }

        Ok(Event { value })
    }

    /// The whole event as CloudTrail wrote it.
    pub fn as_value(&self) -> &Value {
        &self.value
    }

    pub fn into_value(self) -> Value {
        self.value
    }

    fn fields(&self) -> &Map<String, Value> {
        // `from_value` admits objects only.
        self.value.as_object().expect("an event is a JSON object")
    }

    /// The event's id; `from_value` made sure there is one.
    pub fn id(&self) -> &str {
        non_empty(self.fields().get("eventID")).unwrap_or_default()
    }

    /// The event's time; `from_value` made sure there is one.
    pub fn time(&self) -> &str {
        non_empty(self.fields().get("eventTime")).unwrap_or_default()
    }

    /// The fields the standardizer reads, found in one pass over the
    /// event's top level rather than one search each.
    pub fn view(&self) -> View<'_> {
        View::of(self.fields())
    }
}

/// The top-level fields a description of an event reads, each found once.
///
/// Describing an event asks for the same few dozen fields many times; a
/// view finds them all in one walk over the event's keys, then answers
/// from what it found. Fields it does not keep are still reachable by name.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    fields: &'a Map<String, Value>,
    kept: [Option<&'a Value>; KEPT.len()],
}

/// The top-level fields a [`View`] keeps.
const KEPT: [&str; 21] = [
    "eventID",
    "eventTime",
    "eventName",
    "eventSource",
    "eventType",
    "awsRegion",
    "recipientAccountId",
    "sourceIPAddress",
    "userAgent",
    "requestID",
    "errorCode",
    "errorMessage",
    "userIdentity",
    "insightDetails",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "resources",
    "vpcEndpointId",
    "sharedEventID",
    "tlsDetails",
];

/// The slot of a kept field in [`KEPT`] order.
fn kept_slot(name: &str) -> Option<usize> {
    // A `match` on the name compiles to a dispatch on its length and a
    // comparison or two, far cheaper than a search of the event's map.
    let slot = match name {
        "eventID" => 0,
        "eventTime" => 1,
        "eventName" => 2,
        "eventSource" => 3,
        "eventType" => 4,
        "awsRegion" => 5,
        "recipientAccountId" => 6,
        "sourceIPAddress" => 7,
        "userAgent" => 8,
        "requestID" => 9,
        "errorCode" => 10,
        "errorMessage" => 11,
        "userIdentity" => 12,
        "insightDetails" => 13,
        "requestParameters" => 14,
        "responseElements" => 15,
        "additionalEventData" => 16,
        "resources" => 17,
        "vpcEndpointId" => 18,
        "sharedEventID" => 19,
        "tlsDetails" => 20,
        _ => return None,
    };
    Some(slot)
}

impl<'a> View<'a> {
    fn of(fields: &'a Map<String, Value>) -> View<'a> {
        let mut kept = [None; KEPT.len()];
        for (key, value) in fields {
            if let Some(slot) = kept_slot(key) {
                kept[slot] = Some(value);
            }
        }
        View { fields, kept }
    }

    /// A top-level field by name.
    pub fn field(&self, name: &str) -> Option<&'a Value> {
        match kept_slot(name) {
            Some(slot) => self.kept[slot],
            None => self.fields.get(name),
        }
    }

    /// A top-level string field, `None` when missing, empty or not a string.
    pub fn str_field(&self, name: &str) -> Option<&'a str> {
        non_empty(self.field(name))
    }

    /// A nested string field by its keys, outermost first
    /// (`["userIdentity", "arn"]`).
    pub fn str_in(&self, keys: &[&str]) -> Option<&'a str> {
        let (first, rest) = keys.split_first()?;
        str_below(self.field(first)?, rest)
    }

    pub fn id(&self) -> &'a str {
        self.str_field("eventID").unwrap_or_default()
    }

    pub fn time(&self) -> &'a str {
        self.str_field("eventTime").unwrap_or_default()
    }
    pub fn name(&self) -> Option<&'a str> {
        self.str_field("eventName")
    }

    pub fn source(&self) -> Option<&'a str> {
        self.str_field("eventSource")
    }

    pub fn event_type(&self) -> Option<&'a str> {
        self.str_field("eventType")
    }

    pub fn region(&self) -> Option<&'a str> {
        self.str_field("awsRegion")
    }

    /// The account the event was recorded in: `recipientAccountId`, else the
    /// actor's account.
    pub fn account(&self) -> Option<&'a str> {
        self.str_field("recipientAccountId")
            .or_else(|| self.str_in(&["userIdentity", "accountId"]))
    }

    pub fn source_address(&self) -> Option<&'a str> {
        self.str_field("sourceIPAddress")
    }

    pub fn user_agent(&self) -> Option<&'a str> {
        self.str_field("userAgent")
    }

    pub fn request_id(&self) -> Option<&'a str> {
        self.str_field("requestID")
    }

    /// The error code; an empty string counts as no error.
    pub fn error_code(&self) -> Option<&'a str> {
        self.str_field("errorCode")
    }

    pub fn error_message(&self) -> Option<&'a str> {
        self.str_field("errorMessage")
    }

    /// The `userIdentity` block, when it is an object.
    pub fn user_identity(&self) -> Option<&'a Map<String, Value>> {
        self.field("userIdentity").and_then(Value::as_object)
    }

    /// `insightDetails` of a CloudTrail Insights event.
    pub fn insight(&self) -> Option<&'a Map<String, Value>> {
        self.field("insightDetails").and_then(Value::as_object)
    }

    /// `requestParameters`, when it is present and not null.
    pub fn request_parameters(&self) -> Option<&'a Value> {
        self.field("requestParameters").filter(|v| !v.is_null())
    }

    /// The console sign-in result (`Success` or `Failure`) of sign-in events.
    pub fn console_login_result(&self) -> Option<&'a str> {
        let name = self.name()?;
        let response = self.field("responseElements")?.as_object()?;
        non_empty(response.get(name))
    }

    /// Whether this is a console sign-in event. CloudTrail has spelled the
    /// type both `AwsConsoleSignIn` and `AwsConsoleSignin`.
    pub fn is_console_sign_in(&self) -> bool {
        self.event_type()
            .is_some_and(|kind| kind.eq_ignore_ascii_case("AwsConsoleSignIn"))
            || self.source() == Some("signin.amazonaws.com")
    }

    /// `additionalEventData.MFAUsed` for sign-ins, else the session's
    /// `mfaAuthenticated` attribute.
    pub fn mfa_used(&self) -> Option<bool> {
        let flag = self
            .str_in(&["additionalEventData", "MFAUsed"])
            .or_else(|| {
                self.str_in(&[
                    "userIdentity",
                    "sessionContext",
                    "attributes",
                    "mfaAuthenticated",
                ])
            })?;

        let is = |word: &str| flag.eq_ignore_ascii_case(word);
        if is("yes") || is("true") {
            Some(true)
        } else if is("no") || is("false") {
            Some(false)
        } else {
            None
        }
    }

    /// The `resources` list, whatever shape its entries take.
    pub fn resources(&self) -> impl Iterator<Item = &'a Map<String, Value>> + use<'a> {
        self.field("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
    }
}

/// A non-blank string reached from `fields` through nested objects by
/// `keys`, outermost first.
pub fn str_in_map<'a>(fields: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a str> {
    let (first, rest) = keys.split_first()?;
    str_below(fields.get(*first)?, rest)
}

/// A non-blank string reached from `value` through nested objects by `keys`.
fn str_below<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a str> {
    let mut current = value;
    for key in keys {
        current = current.as_object()?.get(*key)?;
    }
    non_empty(Some(current))
}

/// Parses JSON text, reading a lone UTF-16 surrogate escape (`"\ud800"`) as
/// U+FFFD. Such escapes are valid JSON but not valid Unicode, so `serde_json`
/// refuses them; an intruder who plants one in a field must not make the
/// whole event disappear.
pub fn parse_json(text: &str) -> Result<Value, serde_json::Error> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(error) => match replace_lone_surrogates(text) {
            Some(repaired) => serde_json::from_str(&repaired),
            None => Err(error),
        },
    }
}

/// The text with every `\uXXXX` escape of an unpaired surrogate replaced by
/// `\uFFFD`, or `None` when it has none.
fn replace_lone_surrogates(text: &str) -> Option<String> {
    fn escape_at(bytes: &[u8], at: usize) -> Option<u16> {
        let digits = bytes.get(at + 2..at + 6)?;
        if bytes[at] != b'\\' || bytes[at + 1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    }

    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut index = 0;

    while index < bytes.len() {
        if bytes[index] != b'\\' {
            index += 1;
            continue;
        }

        let Some(unit) = escape_at(bytes, index) else {
            // Another escape, such as `\\` or `\"`: skip the escaped character.
            index += 2;
            continue;
        };

        let paired = (0xD800..=0xDBFF).contains(&unit)
            && escape_at(bytes, index + 6).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low));
        if paired {
            index += 12;
        } else if (0xD800..=0xDFFF).contains(&unit) {
            out.push_str(&text[copied..index]);
            out.push_str("\\uFFFD");
            index += 6;
            copied = index;
        } else {
            index += 6;
        }
    }

    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// A string that is present and not blank.
pub fn non_empty(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .filter(|text| !text.trim().is_empty())
}

/// The JSON kind of a value, for error messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requires_event_id_and_time_only() {
        let event =
            Event::from_value(json!({"eventID": "e1", "eventTime": "2023-07-10T12:00:00Z"}))
                .unwrap();
        assert_eq!(event.id(), "e1");
        assert_eq!(event.view().name(), None);
        assert_eq!(event.view().source_address(), None);
        assert!(event.view().user_identity().is_none());
    }

    #[test]
    fn names_the_missing_field() {
        let error = Event::from_value(json!({"eventTime": "2023-07-10T12:00:00Z"})).unwrap_err();
        assert_eq!(error.to_string(), "missing required field `eventID`");

        let error = Event::from_value(json!({"eventID": 7, "eventTime": "t"})).unwrap_err();
        assert_eq!(
            error.to_string(),
            "field `eventID` must be a non-empty string, found a number"
        );

        let error = Event::from_value(json!(["not", "an", "event"])).unwrap_err();
        assert_eq!(error.to_string(), "expected a JSON object, found an array");
    }

    #[test]
    fn reports_truncated_json_with_its_position() {
        let error =
            Event::parse(r#"{"eventVersion":"1.03","userIdentity":{"type":"Root"}"#).unwrap_err();
        assert!(matches!(error, EventError::Json { .. }), "{error}");
        assert!(error.to_string().contains("EOF"), "{error}");
    }

    #[test]
    fn reads_a_lone_surrogate_escape_as_a_replacement_character() {
        let event = Event::parse(
            r#"{"eventID":"e","eventTime":"t","userAgent":"a\ud800b\\ud800","x":"\udc00"}"#,
        )
        .unwrap();
        assert_eq!(event.view().user_agent(), Some("a\u{FFFD}b\\ud800"));

        let pair =
            Event::parse(r#"{"eventID":"e","eventTime":"t","userAgent":"\ud83d\ude00"}"#).unwrap();
        assert_eq!(pair.view().user_agent(), Some("😀"));

        assert!(Event::parse(r#"{"eventID":"e","eventTime":"t""#).is_err());
    }

    #[test]
    fn treats_fields_of_the_wrong_type_as_absent() {
        let event = Event::from_value(json!({
            "eventID": "e1",
            "eventTime": "t",
            "eventName": 42,
            "userIdentity": "root",
            "errorCode": "",
            "resources": {"ARN": "x"}
        }))
        .unwrap();
        assert_eq!(event.view().name(), None);
        assert!(event.view().user_identity().is_none());
        assert_eq!(event.view().error_code(), None);
        assert_eq!(event.view().resources().count(), 0);
    }

    #[test]
    fn reads_mfa_from_sign_in_data_or_session_attributes() {
        let sign_in = Event::from_value(json!({
            "eventID": "e", "eventTime": "t",
            "additionalEventData": {"MFAUsed": "Yes"}
        }))
        .unwrap();
        assert_eq!(sign_in.view().mfa_used(), Some(true));

        let session = Event::from_value(json!({
            "eventID": "e", "eventTime": "t",
            "userIdentity": {"sessionContext": {"attributes": {"mfaAuthenticated": "false"}}}
        }))
        .unwrap();
        assert_eq!(session.view().mfa_used(), Some(false));
    }

    #[test]
    fn every_kept_field_has_its_own_slot() {
        for (slot, name) in KEPT.iter().enumerate() {
            assert_eq!(kept_slot(name), Some(slot), "{name}");
        }
        assert_eq!(kept_slot("eventVersion"), None);
    }

    #[test]
    fn a_view_answers_as_the_event_map_does() {
        let value = json!({
            "eventID": "e1",
            "eventTime": "2024-03-01T10:00:00Z",
            "eventName": "GetObject",
            "errorCode": "",
            "awsRegion": 7,
            "userIdentity": {"type": "IAMUser", "sessionContext": {"attributes": {"mfaAuthenticated": "true"}}},
            "responseElements": {"ConsoleLogin": "Failure", "a/b": "slash"},
            "notKept": "still found",
            "x~y": {"z": "escaped"}
        });
        let event = Event::from_value(value.clone()).unwrap();
        let view = event.view();
        let fields = value.as_object().unwrap();

        for name in KEPT.iter().copied().chain(["notKept", "x~y", "absent", ""]) {
            assert_eq!(view.field(name), fields.get(name), "{name}");
            assert_eq!(view.str_field(name), non_empty(fields.get(name)), "{name}");
        }
        for pointer in [
            "/userIdentity/type",
            "/userIdentity/sessionContext/attributes/mfaAuthenticated",
            "/userIdentity/missing",
            "/eventName/deeper",
            "/notKept",
            "/responseElements/ConsoleLogin",
            "/absent/deeper",
        ] {
            let keys: Vec<&str> = pointer[1..].split('/').collect();
            assert_eq!(
                view.str_in(&keys),
                non_empty(value.pointer(pointer)),
                "{pointer}"
            );
        }
        assert_eq!(view.str_in(&[]), None);
        assert_eq!(view.error_code(), None);
        assert_eq!(view.region(), None);
        assert_eq!(view.mfa_used(), Some(true));
        assert_eq!(view.id(), event.id());
        assert_eq!(view.time(), event.time());
    }

    #[test]
    fn reads_the_sign_in_result_under_the_event_name_as_a_key() {
        let event = Event::from_value(json!({
            "eventID": "e", "eventTime": "t", "eventName": "a/b",
            "responseElements": {"a/b": "Failure", "a": {"b": "Success"}}
        }))
        .unwrap();
        assert_eq!(event.view().console_login_result(), Some("Failure"));
    }
}
