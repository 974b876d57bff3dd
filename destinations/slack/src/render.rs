/*!
One message as a Slack Block Kit payload.

The layout, top to bottom: a header with the severity and title; a context
line (outcome, source, event ids); who / what / where / when as section
fields; the actor's further identity; the error; for a denial, the denied
action, resource and reason, and an encoded authorization message with the
command that decodes it; the findings, each with its rule's description; the
resources; the details; the occurrences; the links. The top-level `text` is
the notification line.

Event data only ever reaches the payload through [`crate::mrkdwn`], and every
block is built within the limits in [`crate::limits`], whatever the input.
Mrkdwn text objects are sent with `verbatim: true`, so Slack does not turn
bare URLs, channel names or `@here` in event data into links or mentions.
*/

use activity_aware::message::{
    ActionFrom, Denial, EncodedMessage, Message, Outcome, Resource, Severity,
};
use serde_json::{Value, json};

use crate::limits::{
    CONTEXT_ELEMENTS_MAX, CONTEXT_TEXT_MAX, FALLBACK_TEXT_MAX, HEADER_TEXT_MAX, SECTION_FIELDS_MAX,
    SECTION_TEXT_MAX,
};
use crate::mrkdwn::{Style, TRUNCATED, block, code, fit, slack_len, would_cut};

/// The longest value shown in one field or list line. Long enough for any
/// ARN or user agent, short enough that a message stays readable.
const VALUE_MAX: usize = 500;

/// The longest short value (identity type, region, account, time).
const SHORT_MAX: usize = 120;

/// The longest rule title or detail label.
const LABEL_MAX: usize = 200;

/// The longest rule description shown under a finding.
const DESCRIPTION_MAX: usize = 400;

/// Renders one message as a Slack webhook payload.
pub fn render(message: &Message) -> Value {
    let mut blocks = vec![header(message), summary_context(message)];

    blocks.push(who_what_where_when(message));
    if let Some(identity) = identity_details(message) {
        blocks.push(identity);
    }
    if let Some(error) = error_section(message) {
        blocks.push(error);
    }
    if let Some(denial) = &message.action.denial {
        blocks.push(denial_section(denial));
        if let Some(encoded) = &denial.encoded_message {
            blocks.push(encoded_message_section(encoded, message));
        }
    }
    if let Some(findings) = findings_section(message) {
        blocks.push(findings);
    }
    if let Some(resources) = resources_section(&message.resources) {
        blocks.push(resources);
    }
    if let Some(details) = details_section(message) {
        blocks.push(details);
    }
    if let Some(occurrences) = occurrences_section(message) {
        blocks.push(occurrences);
    }
    if let Some(links) = links_context(message) {
        blocks.push(json!({ "type": "divider" }));
        blocks.push(links);
    }

    json!({
        "text": fallback_text(message),
        "blocks": blocks,
        "unfurl_links": false,
        "unfurl_media": false,
    })
}

/// The notification line: severity, title, who and what.
fn fallback_text(message: &Message) -> String {
    let mut text = format!(
        "{} {}: {}",
        severity_mark(message.severity),
        message.severity.as_str().to_uppercase(),
        notification_words(&message.title, 600),
    );

    text.push_str(" (");
    text.push_str(&notification_words(&message.actor.name, 300));
    if let Some(action) = message
        .action
        .iam_action
        .as_ref()
        .or(message.action.name.as_ref())
    {
        text.push_str(", ");
        text.push_str(&notification_words(action, 300));
    }
    if let Some(account) = &message.account {
        text.push_str(", account ");
        text.push_str(&notification_words(account, 100));
    }
    text.push(')');

    fit_ours(text, FALLBACK_TEXT_MAX)
}

/// Event data for the notification line, where clients may read `@name` as
/// a mention: the `@` becomes a full-width look-alike.
fn notification_words(raw: &str, max: usize) -> String {
    fit(raw, Style::Words, max).replace('@', "＠")
}

fn header(message: &Message) -> Value {
    let prefix = format!(
        "{} {}: ",
        severity_mark(message.severity),
        message.severity.as_str().to_uppercase()
    );
    let title = if message.title.trim().is_empty() {
        "(no title)".to_owned()
    } else {
        fit(
            &message.title,
            Style::Plain,
            HEADER_TEXT_MAX - slack_len(&prefix),
        )
    };

    // `emoji: false`: the severity mark is a Unicode emoji and shows as
    // one; `:shortcodes:` in event text stay text.
    json!({
        "type": "header",
        "text": { "type": "plain_text", "text": format!("{prefix}{title}"), "emoji": false },
    })
}

fn severity_mark(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🚨",
        Severity::High => "🔴",
        Severity::Medium => "🟠",
        Severity::Low => "🟡",
        Severity::Info => "🔵",
    }
}

/// Outcome, source and the ids a reader searches CloudTrail with.
fn summary_context(message: &Message) -> Value {
    let outcome = match message.action.outcome {
        Outcome::Success => "succeeded",
        Outcome::Denied => "*denied*",
        Outcome::Failure => "*failed*",
    };

    let mut elements = vec![
        format!("Severity *{}*", message.severity),
        format!("Outcome {outcome}"),
        format!("Source {}", code(&message.source, SHORT_MAX)),
        format!("Event {}", code(&message.event.id, SHORT_MAX)),
    ];
    if let Some(event_type) = &message.event.event_type {
        elements.push(format!("Type {}", code(event_type, SHORT_MAX)));
    }
    if let Some(request_id) = &message.event.request_id {
        elements.push(format!("Request {}", code(request_id, SHORT_MAX)));
    }

    context(elements)
}

/// The four questions a reader asks first, as up to ten fields.
fn who_what_where_when(message: &Message) -> Value {
    let actor = &message.actor;
    let action = &message.action;
    let mut fields = Vec::new();

    fields.push(field(
        "Who",
        &format!(
            "{} ({})",
            code(&actor.name, VALUE_MAX),
            code(&actor.identity_type, SHORT_MAX)
        ),
    ));
    if let Some(arn) = &actor.arn {
        fields.push(field("ARN", &code(arn, VALUE_MAX)));
    }
    if let Some(address) = &actor.source_address {
        fields.push(field("Source address", &code(address, VALUE_MAX)));
    }
    if let Some(agent) = &actor.user_agent {
        fields.push(field("User agent", &code(agent, VALUE_MAX)));
    }
    let mfa = match actor.mfa {
        Some(true) => "yes",
        Some(false) => "*no*",
        None => "not recorded",
    };
    fields.push(field("MFA", mfa));

    let what = match (&action.name, &action.service) {
        (Some(name), Some(service)) => {
            format!("{} on {}", code(name, SHORT_MAX), code(service, SHORT_MAX))
        }
        (Some(name), None) => code(name, SHORT_MAX),
        (None, Some(service)) => format!("a call to {}", code(service, SHORT_MAX)),
        (None, None) => "not recorded".to_owned(),
    };
    fields.push(field("What", &what));
    if let Some(iam_action) = &action.iam_action {
        fields.push(field("IAM action", &code(iam_action, SHORT_MAX)));
    }

    let place = match (&message.account, &message.region) {
        (Some(account), Some(region)) => {
            format!(
                "{} in {}",
                code(account, SHORT_MAX),
                code(region, SHORT_MAX)
            )
        }
        (Some(account), None) => code(account, SHORT_MAX),
        (None, Some(region)) => code(region, SHORT_MAX),
        (None, None) => "not recorded".to_owned(),
    };
    fields.push(field("Where", &place));
    fields.push(field("When", &code(&message.time, SHORT_MAX)));

    fields_section(fields)
}

/// Session and key details, for telling one use of an identity from another.
fn identity_details(message: &Message) -> Option<Value> {
    let actor = &message.actor;
    let facts = [
        ("Actor account", &actor.account_id),
        ("Principal id", &actor.principal_id),
        ("Access key", &actor.access_key_id),
        ("Session issuer", &actor.session_issuer),
        ("Session name", &actor.session_name),
        ("Invoked by", &actor.invoked_by),
    ];

    let fields: Vec<String> = facts
        .iter()
        .filter_map(|(label, value)| {
            value
                .as_ref()
                .map(|value| field(label, &code(value, VALUE_MAX)))
        })
        .collect();

    (!fields.is_empty()).then(|| fields_section(fields))
}

fn error_section(message: &Message) -> Option<Value> {
    let action = &message.action;
    if action.error_code.is_none() && action.error_message.is_none() {
        return None;
    }

    let mut text = "*Error*".to_owned();
    if let Some(error_code) = &action.error_code {
        text.push(' ');
        text.push_str(&code(error_code, SHORT_MAX));
    }
    if let Some(error_message) = &action.error_message {
        // The encoded message has a section of its own.
        let encoded = action
            .denial
            .as_ref()
            .and_then(|denial| denial.encoded_message.as_ref());
        let shown = match encoded {
            Some(encoded) => without_encoded(error_message, &encoded.value),
            None => error_message.clone(),
        };

        text.push('\n');
        let room = SECTION_TEXT_MAX - slack_len(&text);
        text.push_str(&block(&shown, room));
    }

    Some(section(text))
}

/// The error message with the encoded message in it replaced by a pointer.
/// The source may have cut the error message short, so the encoded message
/// is matched by its start and runs as far as the two agree.
fn without_encoded(error_message: &str, encoded: &str) -> String {
    let probe: String = encoded.chars().take(32).collect();
    if probe.is_empty() {
        return error_message.to_owned();
    }
    let Some(start) = error_message.find(&probe) else {
        return error_message.to_owned();
    };

    let rest = &error_message[start..];
    let common: usize = rest
        .chars()
        .zip(encoded.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let after = &rest[common..];
    // A cut marker after a cut copy says nothing the section below does not.
    let after = if after.starts_with('…') { "" } else { after };

    format!("{}[encoded message, below]{after}", &error_message[..start])
}

/// What a least-privilege fix needs: the action, the resource, the reason.
fn denial_section(denial: &Denial) -> Value {
    let action_from = match denial.action_from {
        ActionFrom::ErrorMessage => "named in the error",
        ActionFrom::Event => "inferred from the event",
    };

    let mut fields = vec![field(
        "Denied action",
        &format!("{} ({action_from})", code(&denial.action, VALUE_MAX)),
    )];
    if let Some(resource) = &denial.resource {
        fields.push(field("Denied resource", &code(resource, VALUE_MAX)));
    }
    if let Some(reason) = &denial.reason {
        fields.push(field("Reason", &code(reason, VALUE_MAX)));
    }

    fields_section(fields)
}

/// The encoded authorization message, as a command a reader can paste.
fn encoded_message_section(encoded: &EncodedMessage, message: &Message) -> Value {
    let mut text = "*Encoded authorization message*".to_owned();
    if encoded.truncated {
        text.push_str(
            "\n:warning: CloudTrail cut this message short, so it cannot be decoded as it is. \
             Repeat the call to get the whole message.",
        );
    }
    if !encoded.how_to_decode.trim().is_empty() {
        text.push('\n');
        text.push_str(&fit(&encoded.how_to_decode, Style::Words, VALUE_MAX));
    }

    let opening = "\nDecode it with:\n```aws sts decode-authorization-message --encoded-message '";
    let closing = "'```";
    let room = SECTION_TEXT_MAX - slack_len(&text) - slack_len(opening) - slack_len(closing);

    if !would_cut(&encoded.value, Style::ShellQuoted, room) {
        text.push_str(opening);
        text.push_str(&fit(&encoded.value, Style::ShellQuoted, room));
        text.push_str(closing);
        return section(text);
    }

    // Too long for one section: say where to fetch it instead of showing
    // a cut copy that cannot be decoded.
    let region = message.region.as_deref().unwrap_or("us-east-1");
    text.push_str(&format!(
        "\nIt is {} characters long, too long to show here. Fetch the event with:\n\
         ```aws cloudtrail lookup-events --region '{}' --lookup-attributes \
         'AttributeKey=EventId,AttributeValue={}' --query 'Events[0].CloudTrailEvent' \
         --output text```\nthen decode the message in its `errorMessage` with \
         `aws sts decode-authorization-message --encoded-message ...`",
        encoded.value.chars().count(),
        fit(region, Style::ShellQuoted, SHORT_MAX),
        fit(&message.event.id, Style::ShellQuoted, SHORT_MAX),
    ));

    section(text)
}

fn findings_section(message: &Message) -> Option<Value> {
    let lines = message.findings.iter().map(|finding| {
        let mut line = format!(
            "• *{}* {} {}",
            finding.severity,
            fit(&finding.title, Style::Words, LABEL_MAX),
            code(&finding.rule_id, SHORT_MAX),
        );
        // What the rule is about, so the reader knows why this matters.
        if let Some(description) = finding.description.as_deref()
            && !description.trim().is_empty()
        {
            line.push_str("\n_");
            line.push_str(&fit(description.trim(), Style::Words, DESCRIPTION_MAX));
            line.push('_');
        }
        line
    });

    list_section("Findings", lines.collect())
}

fn resources_section(resources: &[Resource]) -> Option<Value> {
    let lines = resources.iter().map(|resource| {
        let mut line = format!("• {}", code(&resource.id, VALUE_MAX));
        if let Some(resource_type) = &resource.resource_type {
            line.push(' ');
            line.push_str(&code(resource_type, SHORT_MAX));
        }
        if let Some(account) = &resource.account_id {
            line.push_str(" in ");
            line.push_str(&code(account, SHORT_MAX));
        }
        line
    });

    list_section("Resources", lines.collect())
}

fn details_section(message: &Message) -> Option<Value> {
    let lines = message.details.iter().map(|detail| {
        format!(
            "• {}: {}",
            fit(&detail.label, Style::Words, LABEL_MAX),
            code(&detail.value, VALUE_MAX),
        )
    });

    list_section("Details", lines.collect())
}

fn occurrences_section(message: &Message) -> Option<Value> {
    let occurrences = message.occurrences.as_ref()?;

    let summary = format!(
        "*Occurrences* {} events, first {}, last {}",
        occurrences.count,
        code(&occurrences.first_time, SHORT_MAX),
        code(&occurrences.last_time, SHORT_MAX),
    );
    let ids = occurrences
        .event_ids
        .iter()
        .map(|id| code(id, SHORT_MAX))
        .collect();

    Some(section(join_within(summary, "\nEvents:", " ", ids)))
}

/// Links from the message, as links only when the URL is safe to link.
fn links_context(message: &Message) -> Option<Value> {
    if message.links.is_empty() {
        return None;
    }

    let mut elements: Vec<String> = message
        .links
        .iter()
        .map(|link| {
            let label = if link.label.trim().is_empty() {
                "link"
            } else {
                &link.label
            };
            let label = fit(label, Style::Words, LABEL_MAX);

            match linkable(&link.url) {
                Some(url) if slack_len(&url) + slack_len(&label) + 3 <= CONTEXT_TEXT_MAX => {
                    format!("<{url}|{label}>")
                }
                _ => format!("{label}: {}", code(&link.url, VALUE_MAX)),
            }
        })
        .collect();

    if elements.len() > CONTEXT_ELEMENTS_MAX {
        let hidden = elements.len() - (CONTEXT_ELEMENTS_MAX - 1);
        elements.truncate(CONTEXT_ELEMENTS_MAX - 1);
        elements.push(format!("and {hidden} more links"));
    }

    Some(context(elements))
}

/// The URL escaped for `<url|label>`, when it is https and holds nothing
/// that could end the link or start another.
fn linkable(url: &str) -> Option<String> {
    let unsafe_char = |c: char| matches!(c, '<' | '>' | '|' | '`') || c.is_whitespace();
    if url.contains(unsafe_char) || url.chars().any(char::is_control) {
        return None;
    }

    let parsed = reqwest::Url::parse(url).ok()?;
    if parsed.scheme() != "https" || parsed.host_str().is_none_or(str::is_empty) {
        return None;
    }

    Some(url.replace('&', "&amp;"))
}

/// A titled list, cut to fit one section with a count of what was left out.
fn list_section(title: &str, lines: Vec<String>) -> Option<Value> {
    if lines.is_empty() {
        return None;
    }

    let heading = format!("*{title}* ({})", lines.len());
    Some(section(join_within(heading, "", "\n", lines)))
}

/// `head`, then `lead` and as many `items` as fit one section, separated by
/// `separator`, then how many were left out.
fn join_within(head: String, lead: &str, separator: &str, items: Vec<String>) -> String {
    let mut text = head;
    if items.is_empty() {
        return text;
    }
    text.push_str(lead);

    // Room for the longest possible "left out" note.
    let reserve = slack_len("\n_… and 18446744073709551615 more not shown_");
    let total = items.len();

    for (shown, item) in items.iter().enumerate() {
        let after = slack_len(&text) + slack_len(separator) + slack_len(item);
        let last = shown + 1 == total;
        if after > SECTION_TEXT_MAX || (!last && after > SECTION_TEXT_MAX - reserve) {
            text.push_str(&format!("\n_… and {} more not shown_", total - shown));
            break;
        }
        text.push_str(separator);
        text.push_str(item);
    }

    text
}

fn field(label: &str, value_markup: &str) -> String {
    format!("*{label}*\n{value_markup}")
}

fn fields_section(fields: Vec<String>) -> Value {
    let fields: Vec<Value> = fields
        .into_iter()
        .take(SECTION_FIELDS_MAX)
        .map(mrkdwn)
        .collect();
    json!({ "type": "section", "fields": fields })
}

fn section(text: String) -> Value {
    json!({ "type": "section", "text": mrkdwn(text) })
}

fn context(elements: Vec<String>) -> Value {
    let elements: Vec<Value> = elements
        .into_iter()
        .take(CONTEXT_ELEMENTS_MAX)
        .map(|text| mrkdwn(fit_ours(text, CONTEXT_TEXT_MAX)))
        .collect();
    json!({ "type": "context", "elements": elements })
}

fn mrkdwn(text: String) -> Value {
    json!({ "type": "mrkdwn", "text": text, "verbatim": true })
}

/// Cuts text that is already safe markup. Pieces are sized so that this
/// never happens for the texts it guards; it is the last line of defence for
/// a limit, and would at worst leave a stray backtick.
fn fit_ours(text: String, max: usize) -> String {
    if slack_len(&text) <= max {
        return text;
    }

    let marker = TRUNCATED;
    let budget = max.saturating_sub(slack_len(marker));
    let mut out = String::new();
    let mut len = 0;
    for c in text.chars() {
        len += c.len_utf16();
        if len > budget {
            break;
        }
        out.push(c);
    }

    // Never leave half an escape sequence behind.
    if let Some(amp) = out.rfind('&')
        && !out[amp..].contains(';')
    {
        out.truncate(amp);
    }
    out.push_str(marker);
    out
}

#[cfg(test)]
mod tests {
    use activity_aware::message::{
        Action, Actor, Detail, EventRef, Finding, Link, Occurrences, Outcome,
    };
    use proptest::prelude::*;

    use super::*;
    use crate::limits::{FIELD_TEXT_MAX, MAX_BLOCKS, stray_markup, strings, violations};

    fn typical() -> Message {
        Message {
            version: 1,
            id: "m-1".to_owned(),
            source: "cloudtrail".to_owned(),
            title: "alice was denied s3:GetObject in 111122223333 / eu-west-1".to_owned(),
            severity: Severity::High,
            time: "2026-11-24T09:50:14Z".to_owned(),
            account: Some("111122223333".to_owned()),
            region: Some("eu-west-1".to_owned()),
            event: EventRef {
                id: "e-1".to_owned(),
                event_type: Some("AwsApiCall".to_owned()),
                request_id: None,
            },
            actor: Actor {
                identity_type: "IAMUser".to_owned(),
                name: "alice".to_owned(),
                arn: Some("arn:aws:iam::111122223333:user/alice".to_owned()),
                account_id: None,
                principal_id: None,
                access_key_id: Some("AKIAEXAMPLE".to_owned()),
                session_issuer: None,
                session_name: None,
                invoked_by: None,
                source_address: Some("203.0.113.9".to_owned()),
                user_agent: Some("aws-cli/2.17".to_owned()),
                mfa: Some(false),
            },
            action: Action {
                service: Some("s3.amazonaws.com".to_owned()),
                name: Some("GetObject".to_owned()),
                iam_action: Some("s3:GetObject".to_owned()),
                outcome: Outcome::Denied,
                error_code: Some("AccessDenied".to_owned()),
                error_message: Some("User is not authorized".to_owned()),
                denial: Some(Denial {
                    action: "s3:GetObject".to_owned(),
                    action_from: ActionFrom::ErrorMessage,
                    resource: Some("arn:aws:s3:::b/k".to_owned()),
                    reason: Some("no identity-based policy allows it".to_owned()),
                    encoded_message: None,
                }),
            },
            findings: vec![Finding {
                rule_id: "access-denied".to_owned(),
                title: "Access denied".to_owned(),
                severity: Severity::High,
                description: None,
                references: vec![],
            }],
            resources: vec![Resource {
                id: "arn:aws:s3:::b".to_owned(),
                resource_type: Some("AWS::S3::Bucket".to_owned()),
                account_id: None,
            }],
            details: vec![Detail::new("TLS", "TLSv1.3")],
            links: vec![Link {
                label: "CloudTrail console".to_owned(),
                url: "https://console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1&x=1#/events/e-1"
                    .to_owned(),
            }],
            occurrences: None,
        }
    }

    /// A message with `text` in every string and `count` of every list.
    fn filled(text: &str, count: usize) -> Message {
        let s = || text.to_owned();
        let mut message = typical();
        message.id = s();
        message.source = s();
        message.title = s();
        message.time = s();
        message.account = Some(s());
        message.region = Some(s());
        message.event = EventRef {
            id: s(),
            event_type: Some(s()),
            request_id: Some(s()),
        };
        message.actor = Actor {
            identity_type: s(),
            name: s(),
            arn: Some(s()),
            account_id: Some(s()),
            principal_id: Some(s()),
            access_key_id: Some(s()),
            session_issuer: Some(s()),
            session_name: Some(s()),
            invoked_by: Some(s()),
            source_address: Some(s()),
            user_agent: Some(s()),
            mfa: None,
        };
        message.action = Action {
            service: Some(s()),
            name: Some(s()),
            iam_action: Some(s()),
            outcome: Outcome::Failure,
            error_code: Some(s()),
            error_message: Some(s()),
            denial: Some(Denial {
                action: s(),
                action_from: ActionFrom::Event,
                resource: Some(s()),
                reason: Some(s()),
                encoded_message: Some(EncodedMessage {
                    value: s(),
                    truncated: true,
                    how_to_decode: s(),
                }),
            }),
        };
        message.findings = (0..count)
            .map(|_| Finding {
                rule_id: s(),
                title: s(),
                severity: Severity::Critical,
                description: Some(s()),
                references: vec![s()],
            })
            .collect();
        message.resources = (0..count)
            .map(|_| Resource {
                id: s(),
                resource_type: Some(s()),
                account_id: Some(s()),
            })
            .collect();
        message.details = (0..count).map(|_| Detail::new(s(), s())).collect();
        message.links = (0..count)
            .map(|_| Link {
                label: s(),
                url: s(),
            })
            .collect();
        message.occurrences = Some(Occurrences {
            count: u32::MAX,
            first_time: s(),
            last_time: s(),
            event_ids: (0..count).map(|_| s()).collect(),
        });
        message
    }

    fn assert_safe(payload: &Value) {
        assert_eq!(violations(payload), Vec::<String>::new());
        for text in strings(payload) {
            assert_eq!(stray_markup(text), Vec::<String>::new(), "in {text:?}");
        }
    }

    fn all_text(payload: &Value) -> String {
        strings(payload).join("\n")
    }

    #[test]
    fn renders_a_typical_denial_exactly() {
        let payload = render(&typical());

        let expected = json!({
            "text": "🔴 HIGH: alice was denied s3:GetObject in 111122223333 / eu-west-1 \
                     (alice, s3:GetObject, account 111122223333)",
            "unfurl_links": false,
            "unfurl_media": false,
            "blocks": [
                {"type": "header", "text": {
                    "type": "plain_text", "emoji": false,
                    "text": "🔴 HIGH: alice was denied s3:GetObject in 111122223333 / eu-west-1",
                }},
                {"type": "context", "elements": [
                    {"type": "mrkdwn", "verbatim": true, "text": "Severity *high*"},
                    {"type": "mrkdwn", "verbatim": true, "text": "Outcome *denied*"},
                    {"type": "mrkdwn", "verbatim": true, "text": "Source `cloudtrail`"},
                    {"type": "mrkdwn", "verbatim": true, "text": "Event `e-1`"},
                    {"type": "mrkdwn", "verbatim": true, "text": "Type `AwsApiCall`"},
                ]},
                {"type": "section", "fields": [
                    {"type": "mrkdwn", "verbatim": true, "text": "*Who*\n`alice` (`IAMUser`)"},
                    {"type": "mrkdwn", "verbatim": true,
                     "text": "*ARN*\n`arn:aws:iam::111122223333:user/alice`"},
                    {"type": "mrkdwn", "verbatim": true, "text": "*Source address*\n`203.0.113.9`"},
                    {"type": "mrkdwn", "verbatim": true, "text": "*User agent*\n`aws-cli/2.17`"},
                    {"type": "mrkdwn", "verbatim": true, "text": "*MFA*\n*no*"},
                    {"type": "mrkdwn", "verbatim": true,
                     "text": "*What*\n`GetObject` on `s3.amazonaws.com`"},
                    {"type": "mrkdwn", "verbatim": true, "text": "*IAM action*\n`s3:GetObject`"},
                    {"type": "mrkdwn", "verbatim": true,
                     "text": "*Where*\n`111122223333` in `eu-west-1`"},
                    {"type": "mrkdwn", "verbatim": true, "text": "*When*\n`2026-11-24T09:50:14Z`"},
                ]},
                {"type": "section", "fields": [
                    {"type": "mrkdwn", "verbatim": true, "text": "*Access key*\n`AKIAEXAMPLE`"},
                ]},
                {"type": "section", "text": {"type": "mrkdwn", "verbatim": true,
                    "text": "*Error* `AccessDenied`\n```User is not authorized```"}},
                {"type": "section", "fields": [
                    {"type": "mrkdwn", "verbatim": true,
                     "text": "*Denied action*\n`s3:GetObject` (named in the error)"},
                    {"type": "mrkdwn", "verbatim": true,
                     "text": "*Denied resource*\n`arn:aws:s3:::b/k`"},
                    {"type": "mrkdwn", "verbatim": true,
                     "text": "*Reason*\n`no identity-based policy allows it`"},
                ]},
                {"type": "section", "text": {"type": "mrkdwn", "verbatim": true,
                    "text": "*Findings* (1)\n• *high* Access denied `access-denied`"}},
                {"type": "section", "text": {"type": "mrkdwn", "verbatim": true,
                    "text": "*Resources* (1)\n• `arn:aws:s3:::b` `AWS::S3::Bucket`"}},
                {"type": "section", "text": {"type": "mrkdwn", "verbatim": true,
                    "text": "*Details* (1)\n• TLS: `TLSv1.3`"}},
                {"type": "divider"},
                {"type": "context", "elements": [
                    {"type": "mrkdwn", "verbatim": true,
                     "text": "<https://console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1\
                              &amp;x=1#/events/e-1|CloudTrail console>"},
                ]},
            ]
        });

        assert_eq!(payload, expected);
        assert_safe(&payload);
    }

    #[test]
    fn keeps_every_limit_with_huge_strings_everywhere() {
        let piece = "&<x>`🔴*_~\n";
        // Huge single values; long, many list items (kept apart to spare memory).
        let mut message = filled(&piece.repeat(20_000), 1);
        let lists = filled(&piece.repeat(400), 500);
        message.findings = lists.findings;
        message.resources = lists.resources;
        message.details = lists.details;
        message.links = lists.links;
        message.occurrences = lists.occurrences;
        let payload = render(&message);

        assert_safe(&payload);
        let blocks = payload["blocks"].as_array().unwrap();
        assert!(blocks.len() <= MAX_BLOCKS, "{} blocks", blocks.len());
        assert!(all_text(&payload).contains(crate::mrkdwn::TRUNCATED));
        assert!(all_text(&payload).contains("more not shown_"));
    }

    #[test]
    fn keeps_every_limit_with_many_short_items() {
        let payload = render(&filled("x", 500));
        assert_safe(&payload);

        let text = all_text(&payload);
        assert!(text.contains("*Resources* (500)"), "{text}");
        assert!(text.contains("and 491 more links"), "{text}");
    }

    #[test]
    fn cuts_each_field_within_its_limit_with_a_marker() {
        let payload = render(&filled(&"a".repeat(5_000), 1));
        let fields = payload["blocks"][2]["fields"].as_array().unwrap();

        for field in fields {
            let text = field["text"].as_str().unwrap();
            assert!(slack_len(text) <= FIELD_TEXT_MAX);
        }
        let arn = fields[1]["text"].as_str().unwrap();
        assert!(arn.starts_with("*ARN*\n`aaa"), "{arn}");
        assert!(arn.ends_with("a… [truncated]`"), "{arn}");
        assert_eq!(slack_len(arn), "*ARN*\n".len() + VALUE_MAX);

        let header = payload["blocks"][0]["text"]["text"].as_str().unwrap();
        assert_eq!(slack_len(header), HEADER_TEXT_MAX);
        assert!(header.ends_with("a… [truncated]"), "{header}");
    }

    #[test]
    fn escapes_mentions_links_and_ampersands() {
        let hostile = "<!channel> <@U123> <https://evil.example/|open console> a&b `x`";
        let payload = render(&filled(hostile, 2));
        assert_safe(&payload);

        let text = all_text(&payload);
        assert!(!text.contains("<!channel>"));
        assert!(!text.contains("<https://evil.example/|"));
        assert!(text.contains(
            "`&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example/|open console&gt; a&amp;b ˋxˋ`"
        ));
        // Plain text shows backticks as they are; mrkdwn must not get them.
        let header = payload["blocks"][0]["text"]["text"].as_str().unwrap();
        assert_eq!(
            header,
            "🔴 HIGH: &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example/|open console&gt; \
             a&amp;b `x`"
        );
        assert_eq!(text.matches("`x`").count(), 1, "{text}");
    }

    #[test]
    fn neutralises_formatting_in_titles_and_labels() {
        let mut message = typical();
        message.findings[0].title = "*urgent* _now_ ~gone~".to_owned();
        message.details = vec![Detail::new("*label*", "`v`")];

        let text = all_text(&render(&message));
        assert!(
            text.contains("• *high* ∗urgent∗ ˍnowˍ ∼gone∼ `access-denied`"),
            "{text}"
        );
        assert!(text.contains("• ∗label∗: `ˋvˋ`"), "{text}");
    }

    #[test]
    fn shows_a_rule_description_under_its_finding_as_plain_words() {
        let mut message = typical();
        message.findings[0].description =
            Some("  Someone <!channel> was *refused*;\n_check_ the role & its policy. ".to_owned());
        let text = all_text(&render(&message));
        assert!(
            text.contains(
                "• *high* Access denied `access-denied`\n_Someone &lt;!channel&gt; was ∗refused∗; \
                 ˍcheckˍ the role &amp; its policy._"
            ),
            "{text}"
        );

        message.findings[0].description = Some(" ".to_owned());
        let text = all_text(&render(&message));
        assert!(text.contains("`access-denied`"), "{text}");
        assert!(!text.contains("`access-denied`\n_"), "{text}");
    }

    #[test]
    fn links_only_safe_https_urls() {
        let mut message = typical();
        message.links = [
            "https://console.aws.amazon.com/a",
            "http://console.aws.amazon.com/a",
            "javascript:alert(1)",
            "https://evil.example/|click",
            "https://evil.example/ x",
            "https://evil.example/<!channel>",
            "https://",
        ]
        .into_iter()
        .map(|url| Link {
            label: "L".to_owned(),
            url: url.to_owned(),
        })
        .collect();

        let payload = render(&message);
        assert_safe(&payload);
        let links: Vec<&str> = payload["blocks"].as_array().unwrap().last().unwrap()["elements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|element| element["text"].as_str().unwrap())
            .collect();

        assert_eq!(
            links,
            vec![
                "<https://console.aws.amazon.com/a|L>",
                "L: `http://console.aws.amazon.com/a`",
                "L: `javascript:alert(1)`",
                "L: `https://evil.example/|click`",
                "L: `https://evil.example/ x`",
                "L: `https://evil.example/&lt;!channel&gt;`",
                "L: `https://`",
            ]
        );
    }

    #[test]
    fn calls_out_an_encoded_message_with_its_decode_command() {
        let mut message = typical();
        if let Some(denial) = message.action.denial.as_mut() {
            denial.encoded_message = Some(EncodedMessage {
                value: "AbC-12_x'y".to_owned(),
                truncated: true,
                how_to_decode: "Run the command below".to_owned(),
            });
        }

        let payload = render(&message);
        assert_safe(&payload);
        assert_eq!(
            payload["blocks"][6]["text"]["text"],
            "*Encoded authorization message*\n:warning: CloudTrail cut this message short, so it \
             cannot be decoded as it is. Repeat the call to get the whole message.\n\
             Run the command below\nDecode it with:\n\
             ```aws sts decode-authorization-message --encoded-message 'AbC-12_x'\\''y'```"
        );
    }

    #[test]
    fn points_to_the_event_when_the_encoded_message_is_too_long_to_show() {
        let value = "Ab0".repeat(1500);
        let mut message = typical();
        message.action.error_message = Some(format!("Denied. Encoded message: {value}"));
        if let Some(denial) = message.action.denial.as_mut() {
            denial.encoded_message = Some(EncodedMessage {
                value: value.clone(),
                truncated: false,
                how_to_decode: String::new(),
            });
        }

        let payload = render(&message);
        assert_safe(&payload);
        assert_eq!(
            payload["blocks"][4]["text"]["text"],
            "*Error* `AccessDenied`\n```Denied. Encoded message: [encoded message, below]```"
        );
        assert_eq!(
            payload["blocks"][6]["text"]["text"],
            "*Encoded authorization message*\nIt is 4500 characters long, too long to show \
             here. Fetch the event with:\n```aws cloudtrail lookup-events --region 'eu-west-1' \
             --lookup-attributes 'AttributeKey=EventId,AttributeValue=e-1' --query \
             'Events[0].CloudTrailEvent' --output text```\nthen decode the message in its \
             `errorMessage` with `aws sts decode-authorization-message --encoded-message ...`"
        );
    }

    #[test]
    fn replaces_a_cut_copy_of_the_encoded_message_in_the_error() {
        assert_eq!(
            without_encoded(
                "Not authorized. Encoded message: abcdefghijklmnopqrstuvwxyz0123456789AB… [cut]",
                "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"
            ),
            "Not authorized. Encoded message: [encoded message, below]"
        );
        assert_eq!(without_encoded("no copy here", "abc"), "no copy here");
        assert_eq!(
            without_encoded("x abc. y", "abc"),
            "x [encoded message, below]. y"
        );
    }

    #[test]
    fn shows_occurrences() {
        let mut message = typical();
        message.occurrences = Some(Occurrences {
            count: 3,
            first_time: "t1".to_owned(),
            last_time: "t3".to_owned(),
            event_ids: vec!["a".to_owned(), "b".to_owned()],
        });

        let payload = render(&message);
        let text = all_text(&payload);
        assert!(
            text.contains("*Occurrences* 3 events, first `t1`, last `t3`\nEvents: `a` `b`"),
            "{text}"
        );
    }

    #[test]
    fn keeps_mentions_out_of_the_notification_text() {
        let mut message = typical();
        message.actor.name = "@channel".to_owned();
        let payload = render(&message);
        assert!(
            payload["text"].as_str().unwrap().contains("(＠channel,"),
            "{payload}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn arbitrary_text_in_every_field_keeps_limits_and_adds_no_markup(
            text in "(\\PC|[<>&`*_~|\n]){0,400}",
            count in 0usize..40,
        ) {
            let payload = render(&filled(&text, count));
            prop_assert_eq!(violations(&payload), Vec::<String>::new());
            for piece in strings(&payload) {
                prop_assert_eq!(stray_markup(piece), Vec::<String>::new());
            }
        }

        #[test]
        fn arbitrary_long_text_keeps_limits(text in "\\PC{1000,4000}") {
            let payload = render(&filled(&text, 3));
            prop_assert_eq!(violations(&payload), Vec::<String>::new());
        }
    }
}
