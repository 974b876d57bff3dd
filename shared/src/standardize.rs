/*!
The standardizer: one CloudTrail event in, one contract message out.

This is where an event's many shapes become one readable description: who
acted (a display name for every identity type), what they tried, how it
ended, and for a refusal, exactly which IAM action on which resource was
denied. It reads only what CloudTrail recorded; it never trusts event text
for anything but display, and it keeps credential material out of messages.
*/

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::cloudtrail::{Event, View, non_empty, str_in_map};
use crate::message::{
    Action, ActionFrom, Actor, CONTRACT_VERSION, Denial, Detail, EncodedMessage, EventRef, Finding,
    Link, Message, Outcome, Resource, Severity, TITLE_MAX_CHARS,
};

/// The `source` field of messages made from CloudTrail events.
pub const SOURCE_NAME: &str = "cloudtrail";

/// The longest request-parameter text a message carries, in characters.
const PARAMETERS_MAX_CHARS: usize = 2_000;

/// The longest error message a message carries, in characters.
const ERROR_MESSAGE_MAX_CHARS: usize = 4_000;

/// Written where text was cut short.
pub const CUT_MARKER: &str = "… [truncated]";

const ENCODED_MESSAGE_MARKER: &str = "Encoded authorization failure message:";

const DECODE_DOCS_URL: &str =
    "https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html";

/// Turns one event and the findings about it into a message.
///
/// The message's severity is the highest among the findings; an event that
/// no rule matched takes a severity from its outcome (a refusal is `medium`,
/// another error `low`, a success `info`).
pub fn standardize(event: &Event, findings: Vec<Finding>) -> Message {
    let event = &event.view();
    let actor = actor(event);
    let action = action(event);

    let severity = findings
        .iter()
        .map(|finding| finding.severity)
        .max()
        .unwrap_or(match action.outcome {
            Outcome::Denied => Severity::Medium,
            Outcome::Failure => Severity::Low,
            Outcome::Success => Severity::Info,
        });

    let account = event.account().map(str::to_owned);
    let region = event.region().map(str::to_owned);
    let title = title(
        event,
        &actor,
        &action,
        account.as_deref(),
        region.as_deref(),
    );

    Message {
        version: CONTRACT_VERSION,
        id: view_id(event),
        source: SOURCE_NAME.to_owned(),
        title,
        severity,
        time: event.time().to_owned(),
        account,
        region,
        event: EventRef {
            id: event.id().to_owned(),
            event_type: event.event_type().map(str::to_owned),
            request_id: event.request_id().map(str::to_owned),
        },
        resources: resources(event, action.denial.as_ref()),
        details: details(event),
        links: links(event, action.denial.as_ref()),
        actor,
        action,
        findings,
        occurrences: None,
    }
}

/// The stable id of the message for one event: a digest of the account and
/// the event id, so a redelivered event keeps its id.
pub fn message_id(event: &Event) -> String {
    view_id(&event.view())
}

fn view_id(event: &View<'_>) -> String {
    stable_id(&[SOURCE_NAME, event.account().unwrap_or_default(), event.id()])
}

/// A short hexadecimal digest of the given parts, for stable ids.
pub fn stable_id(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }

    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(32);
    for byte in &hasher.finalize()[..16] {
        id.push(char::from(HEX[usize::from(byte >> 4)]));
        id.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    id
}

/// Whether an error code belongs to one of the access-denied families.
///
/// Services spell refusals in several ways: `AccessDenied`,
/// `AccessDeniedException`, `Client.UnauthorizedOperation`,
/// `VpceAccessDenied`, `KMS.AccessDeniedException`, `UnauthorizedAccess`,
/// `AuthorizationError`, and so on. The families are codes that start with
/// `AccessDenied`, `Unauthorized` or `Authorization`, or end with
/// `AccessDenied`, `AccessDeniedException` or `UnauthorizedOperation`, in
/// any case: the same families the built-in access-denied rule and the
/// default filter pattern use. `Client.DryRunOperation` is a permitted dry
/// run, not a refusal.
pub fn is_access_denied(error_code: &str) -> bool {
    const PREFIXES: [&str; 3] = ["accessdenied", "unauthorized", "authorization"];
    const SUFFIXES: [&str; 3] = [
        "accessdenied",
        "accessdeniedexception",
        "unauthorizedoperation",
    ];

    let code = error_code.trim().as_bytes();
    let starts = |prefix: &str| {
        code.len() >= prefix.len() && code[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    let ends = |suffix: &str| {
        code.len() >= suffix.len()
            && code[code.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };

    PREFIXES.iter().any(|prefix| starts(prefix)) || SUFFIXES.iter().any(|suffix| ends(suffix))
}

/// Whether the event is a console sign-in that failed. Failed sign-ins carry
/// no error code; the response says `Failure`.
pub fn is_failed_sign_in(event: &View<'_>) -> bool {
    event.is_console_sign_in() && event.console_login_result() == Some("Failure")
}

fn action(event: &View<'_>) -> Action {
    let error_code = event.error_code().map(str::to_owned);
    let error_message = event.error_message();
    let iam_action = inferred_iam_action(event);

    let denied_code = error_code.as_deref().is_some_and(is_access_denied);
    let outcome = if denied_code || is_failed_sign_in(event) {
        Outcome::Denied
    } else if error_code.is_some() {
        Outcome::Failure
    } else {
        Outcome::Success
    };

    let denial = if denied_code {
        Some(denial(
            error_message.unwrap_or_default(),
            iam_action.as_deref(),
        ))
    } else {
        None
    };

    Action {
        service: event
            .source()
            .or_else(|| {
                event
                    .insight()
                    .and_then(|i| non_empty(i.get("eventSource")))
            })
            .map(str::to_owned),
        name: event
            .name()
            .or_else(|| event.insight().and_then(|i| non_empty(i.get("eventName"))))
            .map(str::to_owned),
        iam_action,
        outcome,
        error_code,
        error_message: error_message.map(|text| cut(text, ERROR_MESSAGE_MAX_CHARS)),
        denial,
    }
}

/// Reads the refused action, resource and reason from an error message, as
/// IAM writes it: `User: <arn> is not authorized to perform: <action> on
/// resource: <resource> <reason>`. Falls back to the action inferred from
/// the event when the message does not name one.
fn denial(error_message: &str, inferred: Option<&str>) -> Denial {
    let stated = parse_denial_text(error_message);
    let encoded_message = encoded_message(error_message);

    let (action, action_from) = match stated.action {
        Some(action) => (action.to_owned(), ActionFrom::ErrorMessage),
        None => (inferred.unwrap_or("unknown").to_owned(), ActionFrom::Event),
    };

    Denial {
        action,
        action_from,
        resource: stated.resource.map(str::to_owned),
        reason: stated.reason.map(str::to_owned),
        encoded_message,
    }
}

#[derive(Debug, Default, PartialEq)]
struct DenialText<'a> {
    action: Option<&'a str>,
    resource: Option<&'a str>,
    reason: Option<&'a str>,
}

fn parse_denial_text(message: &str) -> DenialText<'_> {
    const PERFORM: &str = "not authorized to perform: ";
    const ON_RESOURCE: &str = "on resource: ";

    let Some(start) = message.find(PERFORM) else {
        return DenialText::default();
    };
    let rest = &message[start + PERFORM.len()..];
    let (action, mut rest) = split_token(rest);

    if !looks_like_iam_action(action) {
        return DenialText::default();
    }

    let mut resource = None;
    if let Some(after) = rest.trim_start().strip_prefix(ON_RESOURCE) {
        let (token, remainder) = resource_token(after);
        if !token.is_empty() {
            resource = Some(token);
        }
        rest = remainder;
    }

    let reason = rest.trim().trim_end_matches('.').trim();

    DenialText {
        action: Some(action),
        resource,
        reason: (!reason.is_empty()).then_some(reason),
    }
}

/// The resource an error message names and what follows it. Some services
/// quote the resource (S3 does, and its object keys may hold spaces); the
/// quotes are not part of it.
fn resource_token(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    if let Some(quoted) = text.strip_prefix('"')
        && let Some(end) = quoted.find('"')
    {
        return (&quoted[..end], &quoted[end + 1..]);
    }
    split_token(text)
}

/// The first whitespace-delimited token and what follows it.
fn split_token(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], &text[end..]),
        None => (text, ""),
    }
}

/// `service:Action`, as IAM names actions.
fn looks_like_iam_action(text: &str) -> bool {
    let Some((service, name)) = text.split_once(':') else {
        return false;
    };

    !service.is_empty()
        && !name.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'*')
}

/// The encoded authorization failure message inside an error message.
fn encoded_message(error_message: &str) -> Option<EncodedMessage> {
    let start = error_message.find(ENCODED_MESSAGE_MARKER)?;
    let value = error_message[start + ENCODED_MESSAGE_MARKER.len()..].trim();

    Some(EncodedMessage {
        truncated: encoded_message_is_cut(value),
        how_to_decode: "aws sts decode-authorization-message --encoded-message <value> \
                        --query DecodedMessage --output text (needs \
                        sts:DecodeAuthorizationMessage)"
            .to_owned(),
        value: value.to_owned(),
    })
}

/// Whether an encoded authorization message cannot be whole. The encoding is
/// URL-safe base64 of a few hundred bytes at least; a text that ends in an
/// ellipsis, is too short to carry a principal, action and resource, holds a
/// character outside the alphabet, or has a length no base64 text can have,
/// was cut short.
fn encoded_message_is_cut(value: &str) -> bool {
    const MIN_WHOLE_CHARS: usize = 256;

    let body = value.trim_end_matches('=');
    value.ends_with("...")
        || value.ends_with('…')
        || body.len() < MIN_WHOLE_CHARS
        || body.len() % 4 == 1
        || !body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'/'))
}

/// The IAM action an event stands for: `<service prefix>:<eventName>`.
fn inferred_iam_action(event: &View<'_>) -> Option<String> {
    let source = event.source()?;
    let name = event.name()?;

    if !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }

    Some([service_prefix(source), ":", name].concat())
}

/// The IAM service prefix of an event source. Most are the host's first
/// label; a few services sign requests under another name.
pub fn service_prefix(event_source: &str) -> &str {
    let host = event_source
        .strip_suffix(".amazonaws.com")
        .unwrap_or(event_source);

    match host {
        "monitoring" => "cloudwatch",
        "email" => "ses",
        "signin" => "signin",
        "sso-directory" => "sso-directory",
        "elasticfilesystem" => "elasticfilesystem",
        "cognito-idp" => "cognito-idp",
        "metering-marketplace" => "aws-marketplace",
        other => other.split('.').next().unwrap_or(other),
    }
}

fn actor(event: &View<'_>) -> Actor {
    let identity = event.user_identity();
    let get = |key: &str| identity.and_then(|fields| non_empty(fields.get(key)));
    let issuer = identity
        .and_then(|fields| fields.get("sessionContext"))
        .and_then(|context| context.get("sessionIssuer"))
        .and_then(Value::as_object);

    let identity_type = get("type").unwrap_or("Unknown");
    let arn = get("arn");
    let session_name = arn.and_then(session_name_from_arn);
    let issuer_name = issuer
        .and_then(|fields| non_empty(fields.get("userName")))
        .or_else(|| issuer.and_then(|fields| non_empty(fields.get("arn"))));

    Actor {
        identity_type: identity_type.to_owned(),
        name: display_name(event, identity, identity_type),
        arn: arn.map(str::to_owned),
        account_id: get("accountId").map(str::to_owned),
        principal_id: get("principalId").map(str::to_owned),
        access_key_id: get("accessKeyId").map(str::to_owned),
        session_issuer: issuer_name.map(str::to_owned),
        session_name: session_name.map(str::to_owned),
        invoked_by: get("invokedBy").map(str::to_owned),
        source_address: event.source_address().map(str::to_owned),
        user_agent: event.user_agent().map(str::to_owned),
        mfa: event.mfa_used(),
    }
}

/// A readable name for any identity, never empty.
fn display_name(event: &View<'_>, identity: Option<&Map<String, Value>>, kind: &str) -> String {
    let get = |key: &str| identity.and_then(|fields| non_empty(fields.get(key)));
    let arn = get("arn");
    let issuer_name = identity
        .and_then(|fields| str_in_map(fields, &["sessionContext", "sessionIssuer", "userName"]));
    let on_behalf_of = identity
        .and_then(|fields| str_in_map(fields, &["onBehalfOf", "userId"]))
        .map(|user| format!("Identity Center user {user}"));

    let name = match kind {
        "Root" => Some("root".to_owned()),
        "IAMUser" | "SAMLUser" | "WebIdentityUser" | "Directory" => get("userName")
            .filter(|name| *name != "HIDDEN_DUE_TO_SECURITY_REASONS")
            .or_else(|| arn.and_then(arn_tail))
            .map(str::to_owned)
            .or_else(|| get("userName").map(|_| "unknown user (name hidden by AWS)".to_owned())),
        "AssumedRole" | "FederatedUser" => {
            arn.and_then(arn_tail).map(str::to_owned).or_else(|| {
                issuer_name.map(|role| match principal_session(get("principalId")) {
                    Some(session) => format!("{role}/{session}"),
                    None => role.to_owned(),
                })
            })
        }
        "AWSService" => get("invokedBy").map(str::to_owned),
        "AWSAccount" => get("accountId").map(|account| format!("account {account}")),
        "IdentityCenterUser" => get("userName").map(str::to_owned).or(on_behalf_of.clone()),
        _ => None,
    };

    // The documented order of fallbacks for an identity whose usual name is
    // missing: the ARN, the session issuer, the invoking service, the user
    // it acts for, then the principal id.
    name.or_else(|| arn.and_then(arn_tail).map(str::to_owned))
        .or_else(|| issuer_name.map(str::to_owned))
        .or_else(|| get("invokedBy").map(str::to_owned))
        .or(on_behalf_of)
        .or_else(|| get("userName").map(str::to_owned))
        .or_else(|| get("principalId").map(str::to_owned))
        .or_else(|| event.insight().map(|_| "CloudTrail Insights".to_owned()))
        .map(one_line_owned)
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "unknown identity".to_owned())
}

/// The part of an ARN after the resource type: `user/alice` gives `alice`,
/// `assumed-role/deploy/ci-1` gives `deploy/ci-1`.
fn arn_tail(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let tail = match resource.split_once('/') {
        Some((_, tail)) => tail,
        None => resource,
    };
    (!tail.trim().is_empty()).then_some(tail)
}

/// The session name of an assumed-role ARN.
fn session_name_from_arn(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let rest = resource.strip_prefix("assumed-role/")?;
    rest.split_once('/').map(|(_, session)| session)
}

/// The session part of a role principal id (`AROA...:session`).
fn principal_session(principal_id: Option<&str>) -> Option<&str> {
    principal_id?
        .split_once(':')
        .map(|(_, session)| session)
        .filter(|session| !session.is_empty())
}

fn title(
    event: &View<'_>,
    actor: &Actor,
    action: &Action,
    account: Option<&str>,
    region: Option<&str>,
) -> String {
    let place = match (account, region) {
        (Some(account), Some(region)) => [" in ", account, " / ", region].concat(),
        (Some(only), None) | (None, Some(only)) => [" in ", only].concat(),
        (None, None) => String::new(),
    };
    let what = action
        .iam_action
        .as_deref()
        .or(action.name.as_deref())
        .unwrap_or("an unnamed action");

    let text = if let Some(insight) = event.insight() {
        let kind = non_empty(insight.get("insightType")).unwrap_or("unusual activity");
        let state = non_empty(insight.get("state"))
            .map(|state| format!(" ({})", state.to_ascii_lowercase()))
            .unwrap_or_default();
        let target = match (&action.service, &action.name) {
            (Some(service), Some(name)) => format!(" of {}:{name}", service_prefix(service)),
            _ => String::new(),
        };
        format!("CloudTrail Insights: {kind}{target}{state}{place}")
    } else if is_failed_sign_in(event) {
        [&actor.name, " failed to sign in to the console", &place].concat()
    } else if let Some(denial) = &action.denial {
        [&actor.name, " was denied ", &denial.action, &place].concat()
    } else if event.is_console_sign_in() && event.name() == Some("ConsoleLogin") {
        let mfa = match actor.mfa {
            Some(false) => " without MFA",
            Some(true) => " with MFA",
            None => "",
        };
        [&actor.name, " signed in to the console", mfa, &place].concat()
    } else if let Some(code) = &action.error_code {
        [&actor.name, " called ", what, " and got ", code, &place].concat()
    } else {
        [&actor.name, " called ", what, &place].concat()
    };

    cut_owned(Cow::Owned(one_line_owned(text)), TITLE_MAX_CHARS)
}

fn resources(event: &View<'_>, denial: Option<&Denial>) -> Vec<Resource> {
    let mut resources: Vec<Resource> = Vec::new();

    if let Some(named) = denial.and_then(|denial| denial.resource.as_deref())
        && named != "*"
    {
        resources.push(Resource {
            id: named.to_owned(),
            resource_type: None,
            account_id: None,
        });
    }

    for entry in event.resources() {
        let Some(id) = non_empty(entry.get("ARN"))
            .or_else(|| non_empty(entry.get("ARNPrefix")))
            .or_else(|| non_empty(entry.get("arn")))
        else {
            continue;
        };

        if resources.iter().any(|known| known.id == id) {
            continue;
        }

        resources.push(Resource {
            id: id.to_owned(),
            resource_type: non_empty(entry.get("type")).map(str::to_owned),
            account_id: non_empty(entry.get("accountId")).map(str::to_owned),
        });
    }

    resources
}

fn details(event: &View<'_>) -> Vec<Detail> {
    let mut details = Vec::new();
    let mut add = |label: &str, value: Option<&str>| {
        if let Some(value) = value {
            details.push(Detail::new(label, value));
        }
    };

    add("Event source", event.source());
    add("Event type", event.event_type());
    add(
        "Sign-in to",
        event.str_in(&["additionalEventData", "LoginTo"]),
    );
    add(
        "Session created",
        event.str_in(&[
            "userIdentity",
            "sessionContext",
            "attributes",
            "creationDate",
        ]),
    );
    add(
        "Session issuer ARN",
        event.str_in(&["userIdentity", "sessionContext", "sessionIssuer", "arn"]),
    );
    add(
        "Identity store",
        event.str_in(&["userIdentity", "onBehalfOf", "identityStoreArn"]),
    );
    add("VPC endpoint", event.str_field("vpcEndpointId"));
    add("Shared event id", event.str_field("sharedEventID"));
    add("TLS", event.str_in(&["tlsDetails", "tlsVersion"]));
    add(
        "Host header",
        event.str_in(&["tlsDetails", "clientProvidedHostHeader"]),
    );

    if let Some(insight) = event.insight() {
        let statistic = |path: &str| {
            insight
                .get("insightContext")
                .and_then(|context| context.pointer(path))
                .and_then(Value::as_f64)
                .map(|value| format!("{value:.1}"))
        };
        add("Insight type", non_empty(insight.get("insightType")));
        add("Insight state", non_empty(insight.get("state")));
        add(
            "Baseline average",
            statistic("/statistics/baseline/average").as_deref(),
        );
        add(
            "Insight average",
            statistic("/statistics/insight/average").as_deref(),
        );
    }

    if let Some(parameters) = event.request_parameters() {
        let text = serde_json::to_string(&Redacted(parameters)).unwrap_or_default();
        details.push(Detail::new(
            "Request parameters",
            cut_owned(Cow::Owned(text), PARAMETERS_MAX_CHARS),
        ));
    }

    details
}

/// Keys whose values are credential material, compared case-insensitively
/// as substrings.
const SECRET_KEYS: [&str; 10] = [
    "password",
    "passwd",
    "secret",
    "token",
    "privatekey",
    "credentials",
    "passphrase",
    "authorization",
    "apikey",
    "api_key",
];

/// Whether a key names credential material: it holds one of
/// [`SECRET_KEYS`], in any case.
fn is_secret_key(key: &str) -> bool {
    static SECRET_WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(SECRET_KEYS)
            .expect("the secret words form a small automaton")
    });

    SECRET_WORDS.is_match(key)
}

/// Whether an object is a name and value pair whose name is credential
/// material, as container environments and parameter lists hold them:
/// `{"name": "DB_PASSWORD", "value": "..."}`. Its value is redacted.
fn names_a_secret(fields: &serde_json::Map<String, Value>) -> bool {
    fields.iter().any(|(key, value)| {
        (key.eq_ignore_ascii_case("name") || key.eq_ignore_ascii_case("key"))
            && value.as_str().is_some_and(is_secret_key)
    })
}

/// Whether `key` must be redacted in an object for which [`names_a_secret`]
/// answered `pair`.
fn hides(key: &str, pair: bool) -> bool {
    is_secret_key(key) || (pair && key.eq_ignore_ascii_case("value"))
}

/// A JSON value that serializes as [`redacted`] would give it, without
/// copying it first.
struct Redacted<'a>(&'a Value);

impl serde::Serialize for Redacted<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};

        match self.0 {
            Value::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                let pair = names_a_secret(fields);
                for (key, value) in fields {
                    if hides(key, pair) {
                        map.serialize_entry(key, "[redacted]")?;
                    } else {
                        map.serialize_entry(key, &Redacted(value))?;
                    }
                }
                map.end()
            }
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Redacted(item))?;
                }
                seq.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// A copy of a JSON value with the values of secret-looking keys replaced:
/// the plain, copying form of [`Redacted`], which tests hold it to.
#[cfg(test)]
fn redacted(value: &Value) -> Value {
    match value {
        Value::Object(fields) => {
            let pair = names_a_secret(fields);
            Value::Object(
                fields
                    .iter()
                    .map(|(key, value)| {
                        if hides(key, pair) {
                            (key.clone(), Value::String("[redacted]".to_owned()))
                        } else {
                            (key.clone(), redacted(value))
                        }
                    })
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

fn links(event: &View<'_>, denial: Option<&Denial>) -> Vec<Link> {
    let mut links = Vec::new();
    let region = event.region().filter(|region| is_region(region));
    let event_id = Some(event.id()).filter(|id| is_event_id(id));

    if let (Some(region), Some(event_id)) = (region, event_id) {
        links.push(Link {
            label: "Event in the CloudTrail console".to_owned(),
            url: format!(
                "https://{region}.console.aws.amazon.com/cloudtrailv2/home?region={region}\
                 #/events/{event_id}"
            ),
        });
    }

    if denial.is_some_and(|denial| denial.encoded_message.is_some()) {
        links.push(Link {
            label: "How to decode the authorization message".to_owned(),
            url: DECODE_DOCS_URL.to_owned(),
        });
    }

    links
}

/// An AWS region name: lowercase letters, digits and dashes, such as
/// `us-east-1` or `us-gov-west-1`.
fn is_region(text: &str) -> bool {
    (4..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && text.contains('-')
}

/// A CloudTrail event id: letters, digits and dashes.
fn is_event_id(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Text on one line: control characters become spaces. Text without any
/// comes back as it is, without a copy.
pub fn one_line(text: &str) -> Cow<'_, str> {
    // Control characters are C0 (below 0x20), DEL, and C1, which UTF-8
    // writes after a 0xC2 lead byte; text with none of these bytes has none.
    let suspect = text
        .bytes()
        .any(|byte| byte < 0x20 || byte == 0x7f || byte == 0xc2);
    if !suspect || !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }

    Cow::Owned(
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect(),
    )
}

/// [`one_line`] for owned text, which is kept when it is already one line.
fn one_line_owned(text: String) -> String {
    match one_line(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(clean) => clean,
    }
}

/// Text of at most `max_chars` characters, ending in [`CUT_MARKER`] when
/// it was cut.
pub fn cut(text: &str, max_chars: usize) -> String {
    cut_owned(Cow::Borrowed(text), max_chars)
}

/// [`cut`] for text that may already be owned, which is kept when it fits.
fn cut_owned(text: Cow<'_, str>, max_chars: usize) -> String {
    // A text of no more bytes than the limit has no more characters.
    if text.len() <= max_chars || text.chars().count() <= max_chars {
        return text.into_owned();
    }

    let keep = max_chars.saturating_sub(CUT_MARKER.chars().count());
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(CUT_MARKER);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_the_value_of_a_pair_whose_name_is_secret() {
        let parameters = json!({"environment": [
            {"name": "DB_PASSWORD", "value": "hunter2"},
            {"Name": "AWS_SESSION_TOKEN", "Value": "IQoJ"},
            {"key": "api_secret", "value": {"nested": "s"}},
            {"name": "LOG_LEVEL", "value": "debug"},
            {"name": 7, "value": "kept"}
        ]});
        assert_eq!(
            redacted(&parameters),
            json!({"environment": [
                {"name": "DB_PASSWORD", "value": "[redacted]"},
                {"Name": "AWS_SESSION_TOKEN", "Value": "[redacted]"},
                {"key": "api_secret", "value": "[redacted]"},
                {"name": "LOG_LEVEL", "value": "debug"},
                {"name": 7, "value": "kept"}
            ]})
        );
    }

    #[test]
    fn serializes_redacted_parameters_without_copying_them() {
        let parameters = json!({
            "userName": "alice",
            "Password": "hunter2",
            "nested": {"sessionToken": "t", "keep": [1, {"clientSecretValue": "s"}, "x"]},
            "list": [{"AUTHORIZATION": "Bearer x", "other": null}],
            "tok": "not a secret key",
            "n": 3.5
        });
        let written = serde_json::to_string(&Redacted(&parameters)).unwrap();
        assert_eq!(
            written,
            serde_json::to_string(&redacted(&parameters)).unwrap()
        );
        assert_eq!(
            written,
            r#"{"Password":"[redacted]","list":[{"AUTHORIZATION":"[redacted]","other":null}],"n":3.5,"nested":{"keep":[1,{"clientSecretValue":"[redacted]"},"x"],"sessionToken":"[redacted]"},"tok":"not a secret key","userName":"alice"}"#
        );
    }

    #[test]
    fn writes_stable_ids_as_lowercase_hex() {
        let id = stable_id(&["cloudtrail", "111122223333", "e1"]);
        // SHA-256 of the parts, each followed by a zero byte; the first 16 bytes.
        assert_eq!(id, "44a496b682e466996b44f87ab8ec5abf");
        assert_ne!(id, stable_id(&["cloudtrail", "111122223333e1"]));
    }

    fn event(value: Value) -> Event {
        let mut value = value;
        let fields = value.as_object_mut().unwrap();
        fields
            .entry("eventID")
            .or_insert(json!("0b7c2f4e-1111-4c1a-9d55-2c1d7a5e9f00"));
        fields
            .entry("eventTime")
            .or_insert(json!("2024-03-01T10:00:00Z"));
        fields.entry("awsRegion").or_insert(json!("us-east-1"));
        fields
            .entry("recipientAccountId")
            .or_insert(json!("111122223333"));
        Event::from_value(value).unwrap()
    }

    fn name_of(identity: Value) -> String {
        standardize(&event(json!({"userIdentity": identity})), vec![])
            .actor
            .name
    }

    #[test]
    fn names_every_identity_type() {
        assert_eq!(
            name_of(json!({"type": "IAMUser", "userName": "alice",
                "arn": "arn:aws:iam::111122223333:user/alice"})),
            "alice"
        );
        assert_eq!(
            name_of(json!({"type": "AssumedRole",
                "arn": "arn:aws:sts::111122223333:assumed-role/deploy/ci-42",
                "sessionContext": {"sessionIssuer": {"userName": "deploy"}}})),
            "deploy/ci-42"
        );
        assert_eq!(
            name_of(json!({"type": "Root", "arn": "arn:aws:iam::111122223333:root"})),
            "root"
        );
        assert_eq!(
            name_of(json!({"type": "AWSService", "invokedBy": "ec2.amazonaws.com"})),
            "ec2.amazonaws.com"
        );
        assert_eq!(
            name_of(json!({"type": "AWSAccount", "accountId": "444455556666",
                "principalId": "AIDAEXAMPLE"})),
            "account 444455556666"
        );
        assert_eq!(
            name_of(json!({"type": "FederatedUser",
                "arn": "arn:aws:sts::111122223333:federated-user/bob"})),
            "bob"
        );
        assert_eq!(
            name_of(
                json!({"type": "IdentityCenterUser", "accountId": "111122223333",
                "onBehalfOf": {"userId": "94482488-3041-7026-18f3-be45837cd0e4",
                    "identityStoreArn": "arn:aws:identitystore::111122223333:identitystore/d-1"}})
            ),
            "Identity Center user 94482488-3041-7026-18f3-be45837cd0e4"
        );
        assert_eq!(name_of(json!({})), "unknown identity");
    }

    #[test]
    fn names_an_assumed_role_without_user_name_from_issuer_then_service() {
        assert_eq!(
            name_of(
                json!({"type": "AssumedRole", "principalId": "AROAEXAMPLE:build-7",
                "sessionContext": {"sessionIssuer": {"userName": "builder"}}})
            ),
            "builder/build-7"
        );
        assert_eq!(
            name_of(json!({"type": "AssumedRole", "invokedBy": "lambda.amazonaws.com"})),
            "lambda.amazonaws.com"
        );
        assert_eq!(
            name_of(json!({"type": "AssumedRole", "onBehalfOf": {"userId": "u-1"}})),
            "Identity Center user u-1"
        );
    }

    #[test]
    fn hides_nothing_but_says_when_aws_hid_the_user_name() {
        assert_eq!(
            name_of(json!({"type": "IAMUser", "userName": "HIDDEN_DUE_TO_SECURITY_REASONS"})),
            "unknown user (name hidden by AWS)"
        );
    }

    #[test]
    fn recognises_each_denial_family() {
        for code in [
            "AccessDenied",
            "Client.UnauthorizedOperation",
            "UnauthorizedOperation",
            "AccessDeniedException",
            "VpceAccessDenied",
            "Server.AccessDenied",
            "KMS.AccessDeniedException",
            "UnauthorizedAccess",
            "UnauthorizedException",
            "AuthorizationError",
            "AuthorizationErrorException",
            "accessdenied",
        ] {
            assert!(is_access_denied(code), "{code} is a denial");
        }
        for code in [
            "",
            "Client.DryRunOperation",
            "TrailNotFoundException",
            "ThrottlingException",
        ] {
            assert!(!is_access_denied(code), "{code} is not a denial");
        }
    }

    #[test]
    fn reads_action_resource_and_reason_from_the_error_message() {
        let message = standardize(
            &event(json!({
                "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
                "userIdentity": {"type": "IAMUser", "userName": "alice"},
                "errorCode": "AccessDenied",
                "errorMessage": "User: arn:aws:iam::111122223333:user/alice is not authorized \
                    to perform: s3:GetObject on resource: arn:aws:s3:::reports/q1.csv because \
                    no identity-based policy allows the s3:GetObject action"
            })),
            vec![],
        );

        let denial = message.action.denial.unwrap();
        assert_eq!(denial.action, "s3:GetObject");
        assert_eq!(denial.action_from, ActionFrom::ErrorMessage);
        assert_eq!(
            denial.resource.as_deref(),
            Some("arn:aws:s3:::reports/q1.csv")
        );
        assert_eq!(
            denial.reason.as_deref(),
            Some("because no identity-based policy allows the s3:GetObject action")
        );
        assert_eq!(
            message.title,
            "alice was denied s3:GetObject in 111122223333 / us-east-1"
        );
        assert_eq!(message.severity, Severity::Medium);
        assert_eq!(message.resources[0].id, "arn:aws:s3:::reports/q1.csv");
    }

    #[test]
    fn reads_a_quoted_resource_whole() {
        let text = parse_denial_text(
            "User: arn:aws:sts::111122223333:assumed-role/r/s is not authorized to perform: \
             s3:GetObject on resource: \"arn:aws:s3:::bucket/builds/app final.tar.gz\" \
             because no identity-based policy allows the s3:GetObject action",
        );
        assert_eq!(
            text.resource,
            Some("arn:aws:s3:::bucket/builds/app final.tar.gz")
        );
        assert_eq!(
            text.reason,
            Some("because no identity-based policy allows the s3:GetObject action")
        );
    }

    #[test]
    fn infers_the_action_when_the_message_names_none() {
        let message = standardize(
            &event(json!({
                "eventSource": "monitoring.amazonaws.com", "eventName": "PutMetricAlarm",
                "errorCode": "AccessDenied", "errorMessage": "Access Denied"
            })),
            vec![],
        );

        let denial = message.action.denial.unwrap();
        assert_eq!(denial.action, "cloudwatch:PutMetricAlarm");
        assert_eq!(denial.action_from, ActionFrom::Event);
        assert_eq!(denial.resource, None);
    }

    #[test]
    fn calls_out_an_encoded_message_and_whether_it_was_cut() {
        let whole = "A1b2_-".repeat(100);
        let message = standardize(
            &event(json!({
                "eventSource": "ec2.amazonaws.com", "eventName": "RunInstances",
                "errorCode": "Client.UnauthorizedOperation",
                "errorMessage": format!("You are not authorized to perform this operation. \
                    Encoded authorization failure message: {whole}")
            })),
            vec![],
        );
        let encoded = message.action.denial.unwrap().encoded_message.unwrap();
        assert_eq!(encoded.value, whole);
        assert!(!encoded.truncated);
        assert!(
            encoded
                .how_to_decode
                .contains("decode-authorization-message")
        );

        let cut_short = encoded_message("Encoded authorization failure message: abcde...");
        assert!(cut_short.unwrap().truncated);
    }

    #[test]
    fn treats_a_failed_console_sign_in_as_a_denial_without_error_code() {
        let message = standardize(
            &event(json!({
                "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
                "eventType": "AwsConsoleSignin",
                "userIdentity": {"type": "IAMUser", "userName": "alice"},
                "responseElements": {"ConsoleLogin": "Failure"},
                "errorMessage": "Failed authentication"
            })),
            vec![],
        );
        assert_eq!(message.action.outcome, Outcome::Denied);
        assert_eq!(
            message.title,
            "alice failed to sign in to the console in 111122223333 / us-east-1"
        );
    }

    #[test]
    fn keeps_credential_material_out_of_details() {
        let message = standardize(
            &event(json!({
                "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
                "requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/r",
                    "tokenCode": "123456", "nested": [{"Password": "hunter2"}],
                    "passwd": "pw-value", "apiKey": "ak-value"},
                "responseElements": {"credentials": {"sessionToken": "FAKE-TOKEN"}}
            })),
            vec![],
        );
        let json = message.to_json();
        assert!(!json.contains("hunter2"));
        assert!(!json.contains("123456"));
        assert!(!json.contains("pw-value") && !json.contains("ak-value"));
        assert!(!json.contains("FAKE-TOKEN"));
        assert!(json.contains("arn:aws:iam::111122223333:role/r"));
    }

    #[test]
    fn gives_the_same_event_the_same_id() {
        let one = event(json!({"eventName": "ListBuckets"}));
        let again = event(json!({"eventName": "ListBuckets", "userAgent": "other"}));
        let other = event(json!({"eventID": "another"}));
        assert_eq!(message_id(&one), message_id(&again));
        assert_ne!(message_id(&one), message_id(&other));
        assert_eq!(message_id(&one).len(), 32);
    }

    #[test]
    fn builds_links_only_from_valid_parts() {
        let good = standardize(&event(json!({})), vec![]);
        assert_eq!(
            good.links[0].url,
            "https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1\
             #/events/0b7c2f4e-1111-4c1a-9d55-2c1d7a5e9f00"
        );

        let hostile = standardize(
            &event(json!({"awsRegion": "evil.example/x?", "eventID": "<x>"})),
            vec![],
        );
        assert!(hostile.links.is_empty());
    }

    #[test]
    fn keeps_the_title_on_one_bounded_line() {
        let message = standardize(
            &event(json!({
                "userIdentity": {"type": "IAMUser", "userName": format!("a\nb{}", "x".repeat(500))},
                "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets"
            })),
            vec![],
        );
        assert!(!message.title.contains('\n'));
        assert_eq!(message.title.chars().count(), TITLE_MAX_CHARS);
        assert!(message.title.ends_with(CUT_MARKER));
    }

    #[test]
    fn describes_an_insight_event() {
        let message = standardize(
            &event(json!({
                "eventType": "AwsCloudTrailInsight",
                "insightDetails": {"state": "Start", "eventSource": "ssm.amazonaws.com",
                    "eventName": "UpdateInstanceInformation", "insightType": "ApiCallRateInsight",
                    "insightContext": {"statistics": {"baseline": {"average": 85.42},
                        "insight": {"average": 664}}}}
            })),
            vec![],
        );
        assert_eq!(
            message.title,
            "CloudTrail Insights: ApiCallRateInsight of ssm:UpdateInstanceInformation (start) \
             in 111122223333 / us-east-1"
        );
        assert_eq!(message.actor.name, "CloudTrail Insights");
        assert!(
            message
                .details
                .contains(&Detail::new("Baseline average", "85.4"))
        );
    }

    #[test]
    fn leaves_text_without_control_characters_uncopied() {
        assert!(matches!(one_line("plain © text ü"), Cow::Borrowed(_)));
        assert_eq!(one_line("a\tb\nc\u{7f}d\u{85}e\u{9f}f"), "a b c d e f");
        assert_eq!(one_line("\u{a0}non-breaking"), "\u{a0}non-breaking");
    }

    #[test]
    fn cuts_by_characters_not_bytes() {
        assert_eq!(cut("ééé", 3), "ééé");
        let long = "é".repeat(40);
        let short = cut(&long, 20);
        assert_eq!(short.chars().count(), 20);
        assert!(short.ends_with(CUT_MARKER));
    }

    proptest::proptest! {
        #[test]
        fn a_secret_key_is_one_that_holds_a_secret_word_in_any_case(
            key in "[a-zA-Z_]{0,6}(PassWord|passwd|SECRET|token|PrivateKey|credentials|PASSPHRASE|Authorization|apikey|api_key|pass|secre|toke|x)?[a-zA-Z_]{0,6}"
        ) {
            let lower = key.to_ascii_lowercase();
            let expected = SECRET_KEYS.iter().any(|word| lower.contains(word));
            proptest::prop_assert_eq!(is_secret_key(&key), expected, "{}", key);
        }
    }
}
