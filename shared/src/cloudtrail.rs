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

    /// A top-level string field, `None` when missing, empty or not a string.
    pub fn str_field(&self, name: &str) -> Option<&str> {
        non_empty(self.fields().get(name))
    }

    /// A nested string field by JSON pointer (`/userIdentity/arn`).
    pub fn str_at(&self, pointer: &str) -> Option<&str> {
        non_empty(at(&self.value, pointer))
    }

    pub fn id(&self) -> &str {
        self.str_field("eventID").unwrap_or_default()
    }

    pub fn time(&self) -> &str {
        self.str_field("eventTime").unwrap_or_default()
    }

    pub fn name(&self) -> Option<&str> {
        self.str_field("eventName")
    }

    pub fn source(&self) -> Option<&str> {
        self.str_field("eventSource")
    }

    pub fn event_type(&self) -> Option<&str> {
        self.str_field("eventType")
    }

    pub fn region(&self) -> Option<&str> {
        self.str_field("awsRegion")
    }

    /// The account the event was recorded in: `recipientAccountId`, else the
    /// actor's account.
    pub fn account(&self) -> Option<&str> {
        self.str_field("recipientAccountId")
            .or_else(|| self.str_at("/userIdentity/accountId"))
    }

    pub fn source_address(&self) -> Option<&str> {
        self.str_field("sourceIPAddress")
    }

    pub fn user_agent(&self) -> Option<&str> {
        self.str_field("userAgent")
    }

    pub fn request_id(&self) -> Option<&str> {
        self.str_field("requestID")
    }

    /// The error code; an empty string counts as no error.
    pub fn error_code(&self) -> Option<&str> {
        self.str_field("errorCode")
    }

    pub fn error_message(&self) -> Option<&str> {
        self.str_field("errorMessage")
    }

    /// The `userIdentity` block, when it is an object.
    pub fn user_identity(&self) -> Option<&Map<String, Value>> {
        self.fields().get("userIdentity").and_then(Value::as_object)
    }

    /// `insightDetails` of a CloudTrail Insights event.
    pub fn insight(&self) -> Option<&Map<String, Value>> {
        self.fields()
            .get("insightDetails")
            .and_then(Value::as_object)
    }

    /// `requestParameters`, when it is present and not null.
    pub fn request_parameters(&self) -> Option<&Value> {
        self.fields()
            .get("requestParameters")
            .filter(|v| !v.is_null())
    }

    /// The console sign-in result (`Success` or `Failure`) of sign-in events.
    pub fn console_login_result(&self) -> Option<&str> {
        let name = self.name()?;
        self.str_at(&format!("/responseElements/{name}"))
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
            .str_at("/additionalEventData/MFAUsed")
            .or_else(|| self.str_at("/userIdentity/sessionContext/attributes/mfaAuthenticated"))?;

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
    pub fn resources(&self) -> impl Iterator<Item = &Map<String, Value>> {
        self.fields()
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
    }
}

/// The value a JSON pointer names, as [`Value::pointer`] finds it. A
/// pointer made of object keys only, the common case, is walked without
/// the copy of each key that `Value::pointer` makes.
pub fn at<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    let Some(path) = pointer.strip_prefix('/') else {
        return value.pointer(pointer);
    };
    if path.contains('~') {
        return value.pointer(pointer);
    }

    let mut current = value;
    for key in path.split('/') {
        current = match current {
            Value::Object(fields) => fields.get(key)?,
            Value::Array(_) => return value.pointer(pointer),
            _ => return None,
        };
    }
    Some(current)
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
        assert_eq!(event.name(), None);
        assert_eq!(event.source_address(), None);
        assert!(event.user_identity().is_none());
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
        assert_eq!(event.user_agent(), Some("a\u{FFFD}b\\ud800"));

        let pair =
            Event::parse(r#"{"eventID":"e","eventTime":"t","userAgent":"\ud83d\ude00"}"#).unwrap();
        assert_eq!(pair.user_agent(), Some("😀"));

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
        assert_eq!(event.name(), None);
        assert!(event.user_identity().is_none());
        assert_eq!(event.error_code(), None);
        assert_eq!(event.resources().count(), 0);
    }

    #[test]
    fn finds_values_by_pointer_as_serde_json_does() {
        let value = json!({
            "a": {"b": {"c": "deep"}, "list": ["zero", {"d": "in a list"}]},
            "x/y": {"m~n": "escaped"},
            "": "empty key",
            "s": "string"
        });
        let pointers = [
            "",
            "/a",
            "/a/b/c",
            "/a/b/missing",
            "/a/list/0",
            "/a/list/1/d",
            "/a/list/01",
            "/a/list/9",
            "/x~1y/m~0n",
            "/x~1y",
            "/",
            "/s/deeper",
            "a/b",
            "/a/b/c/d",
        ];
        for pointer in pointers {
            assert_eq!(at(&value, pointer), value.pointer(pointer), "{pointer}");
        }
        assert_eq!(at(&value, "/a/b/c"), Some(&json!("deep")));
        assert_eq!(at(&value, "/a/list/1/d"), Some(&json!("in a list")));
        assert_eq!(at(&value, "/x~1y/m~0n"), Some(&json!("escaped")));
    }

    #[test]
    fn reads_mfa_from_sign_in_data_or_session_attributes() {
        let sign_in = Event::from_value(json!({
            "eventID": "e", "eventTime": "t",
            "additionalEventData": {"MFAUsed": "Yes"}
        }))
        .unwrap();
        assert_eq!(sign_in.mfa_used(), Some(true));

        let session = Event::from_value(json!({
            "eventID": "e", "eventTime": "t",
            "userIdentity": {"sessionContext": {"attributes": {"mfaAuthenticated": "false"}}}
        }))
        .unwrap();
        assert_eq!(session.mfa_used(), Some(false));
    }
}
