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
        let value: Value = serde_json::from_str(text).map_err(|error| EventError::Json {
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
        non_empty(self.value.pointer(pointer))
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

        match flag.to_ascii_lowercase().as_str() {
            "yes" | "true" => Some(true),
            "no" | "false" => Some(false),
            _ => None,
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
