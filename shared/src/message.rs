/*!
The message contract, version 1.

A *message* is what every source publishes on the topic and every destination
reads from it: one notable CloudTrail event (or a group of identical findings)
described in a fixed, versioned shape. People subscribe their own endpoints to
the topic, so the shape is published as a JSON Schema (`shared/schema/`) and
changes to it are additive within a version.

Field names are camelCase on the wire. Optional fields are omitted rather than
written as `null`, and lists are always present, possibly empty.
*/

use serde::{Deserialize, Serialize};

/// The contract version this crate reads and writes.
pub const CONTRACT_VERSION: u32 = 1;

/// The longest title a source writes, in characters.
pub const TITLE_MAX_CHARS: usize = 300;

/// One standardized message on the topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Contract version, always [`CONTRACT_VERSION`] for messages of this shape.
    pub version: u32,

    /// Stable id: the same event (or the same group of events) always yields
    /// the same id, so a destination can recognise a redelivery.
    pub id: String,

    /// The source that produced the message, for example `cloudtrail`.
    pub source: String,

    /// One line saying who did what, where.
    pub title: String,

    /// The highest severity among the findings.
    pub severity: Severity,

    /// When the event happened, RFC 3339 in UTC as CloudTrail wrote it.
    pub time: String,

    /// The account the event was recorded in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,

    /// The region the event was recorded in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,

    /// The event the message describes (the first one, for a group).
    pub event: EventRef,

    /// Who acted.
    pub actor: Actor,

    /// What they did and how it ended.
    pub action: Action,

    /// Why the message exists: every rule that matched.
    #[serde(default)]
    pub findings: Vec<Finding>,

    /// The resources involved, in the order CloudTrail or the error named them.
    #[serde(default)]
    pub resources: Vec<Resource>,

    /// Further facts, in display order.
    #[serde(default)]
    pub details: Vec<Detail>,

    /// Where to look next, the CloudTrail console first.
    #[serde(default)]
    pub links: Vec<Link>,

    /// Present when several events were collapsed into this one message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrences: Option<Occurrences>,
}

/// How urgently a team should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Reads a severity name, case-insensitively, accepting Sigma's
    /// `informational` for `info`.
    pub fn parse(name: &str) -> Option<Severity> {
        match name.trim().to_ascii_lowercase().as_str() {
            "info" | "informational" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The CloudTrail event behind a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRef {
    /// CloudTrail's `eventID`.
    pub id: String,

    /// CloudTrail's `eventType`, such as `AwsApiCall` or `AwsConsoleSignIn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,

    /// CloudTrail's `requestID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The identity behind an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// CloudTrail's identity type (`IAMUser`, `AssumedRole`, `Root`,
    /// `AWSService`, ...), or `Unknown` when the event carries none.
    pub identity_type: String,

    /// A readable name, never empty.
    pub name: String,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,

    /// The access key id used (an identifier, not a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,

    /// For role sessions and federated users: the role or user that issued
    /// the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_issuer: Option<String>,

    /// For role sessions: the session name, chosen by whoever assumed the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,

    /// The AWS service that made the call on the actor's behalf.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<String>,

    /// `sourceIPAddress`: an address or, for service calls, a host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_address: Option<String>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,

    /// Whether multi-factor authentication was used, where the event says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<bool>,
}

/// What was attempted and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// The service endpoint, CloudTrail's `eventSource` (`s3.amazonaws.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,

    /// The API name, CloudTrail's `eventName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,

    /// The IAM action in policy form (`s3:GetObject`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_action: Option<String>,

    pub outcome: Outcome,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,

    /// Present when the action was refused for lack of permission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denial: Option<Denial>,
}

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    /// Refused for lack of permission, or a failed sign-in.
    Denied,
    /// Any other error.
    Failure,
}

/// The least-privilege view of a refused action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Denial {
    /// The IAM action that was refused (`sts:AssumeRole`).
    pub action: String,

    /// Whether the error message named the action, or it was inferred from
    /// the service and API name.
    pub action_from: ActionFrom,

    /// The resource the error message names, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,

    /// The reason the error message gives, such as `no identity-based policy
    /// allows the s3:GetObject action` or `with an explicit deny in a service
    /// control policy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,

    /// An encoded authorization failure message, when the error carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoded_message: Option<EncodedMessage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionFrom {
    ErrorMessage,
    Event,
}

/// An encoded authorization failure message and how to read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EncodedMessage {
    /// The encoded text as CloudTrail recorded it.
    pub value: String,

    /// CloudTrail cut the text short, so it cannot be decoded as it is.
    pub truncated: bool,

    /// How to decode it.
    pub how_to_decode: String,
}

/// A rule that matched the event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
}

/// A resource involved in the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// The ARN, or for resources CloudTrail names by prefix, the prefix.
    pub id: String,

    /// The type, such as `AWS::S3::Bucket`, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// One labelled fact, in display order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    pub label: String,
    pub value: String,
}

impl Detail {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Detail {
        Detail {
            label: label.into(),
            value: value.into(),
        }
    }
}

/// A link for the reader. Sources build URLs only from validated parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// Several events collapsed into one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Occurrences {
    /// How many events the message stands for.
    pub count: u32,
    pub first_time: String,
    pub last_time: String,
    /// The events' ids, at most [`Occurrences::MAX_EVENT_IDS`].
    #[serde(default)]
    pub event_ids: Vec<String>,
}

impl Occurrences {
    pub const MAX_EVENT_IDS: usize = 20;
}

impl Message {
    /// Serializes the message as one line of JSON.
    pub fn to_json(&self) -> String {
        // A message holds only strings, numbers and lists; serializing it
        // cannot fail.
        // Most messages take one to two kilobytes; starting there saves
        // growing the buffer a few times over.
        let mut out = Vec::with_capacity(2048);
        serde_json::to_writer(&mut out, self).expect("a message always serializes");
        // serde_json writes UTF-8 only.
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// Reads a message, refusing versions this crate does not know.
    pub fn from_json(text: &str) -> Result<Message, MessageError> {
        let probe: VersionProbe =
            serde_json::from_str(text).map_err(|source| MessageError::Json { source })?;

        if probe.version != CONTRACT_VERSION {
            return Err(MessageError::UnsupportedVersion {
                version: probe.version,
            });
        }

        serde_json::from_str(text).map_err(|source| MessageError::Json { source })
    }
}

#[derive(Deserialize)]
struct VersionProbe {
    version: u32,
}

/// A message that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("message is not valid contract JSON: {source}")]
    Json { source: serde_json::Error },

    #[error(
        "message has contract `version` {version}, this build reads version {CONTRACT_VERSION}"
    )]
    UnsupportedVersion { version: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_from_info_to_critical() {
        assert!(Severity::Info < Severity::Low);
        assert!(Severity::High < Severity::Critical);
        assert_eq!(Severity::parse("Informational"), Some(Severity::Info));
        assert_eq!(Severity::parse("urgent"), None);
    }

    #[test]
    fn refuses_an_unknown_contract_version() {
        let error = Message::from_json(r#"{"version": 2}"#).unwrap_err();
        assert!(error.to_string().contains("`version` 2"), "{error}");
    }
}
