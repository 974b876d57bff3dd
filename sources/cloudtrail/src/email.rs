/*!
A message as email subscribers of the topic read it: a subject line and a
plain-text body.

SNS sends email subscribers the `email` part of a message published with
`MessageStructure=json`. The subject must be printable ASCII on one line and
shorter than 100 characters, so titles are transliterated and cut. The body
says who did what, where and when, the error and the refused action, then
the findings, resources, details and links.
*/

use std::fmt::Write;

use activity_aware::Message;
use activity_aware::message::Outcome;
use activity_aware::standardize::one_line;

/// The longest subject, in characters: SNS takes fewer than 100.
pub const SUBJECT_MAX_CHARS: usize = 99;

/// The subject used when the title leaves nothing printable.
const FALLBACK_SUBJECT: &str = "Activity Aware message";

/// The email subject: `[SEVERITY] title`, printable ASCII on one line.
pub fn subject(message: &Message) -> String {
    let title = ascii_line(&message.title);
    let severity = message.severity.as_str().to_ascii_uppercase();
    let text = if title.is_empty() {
        format!("[{severity}] {FALLBACK_SUBJECT}")
    } else {
        format!("[{severity}] {title}")
    };

    if text.chars().count() <= SUBJECT_MAX_CHARS {
        return text;
    }
    let keep = SUBJECT_MAX_CHARS - 3;
    let mut cut: String = text.chars().take(keep).collect();
    cut.truncate(cut.trim_end().len());
    cut.push_str("...");
    cut
}

/// Text as printable ASCII on one line: letters transliterated, other
/// characters replaced, runs of white space collapsed.
fn ascii_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_graphic() {
            out.push(c);
        } else if c.is_whitespace() || c.is_control() {
            out.push(' ');
        } else {
            match deunicode::deunicode_char(c) {
                Some(ascii) if ascii.chars().all(|a| a.is_ascii_graphic() || a == ' ') => {
                    out.push_str(ascii)
                }
                _ => out.push('?'),
            }
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The plain-text body for email subscribers.
pub fn body(message: &Message) -> String {
    let mut out = String::new();
    let line = |out: &mut String, label: &str, value: &str| {
        let _ = writeln!(out, "{label}: {}", one_line(value));
    };

    let _ = writeln!(out, "{}\n", one_line(&message.title));
    line(&mut out, "Severity", message.severity.as_str());

    let actor = &message.actor;
    let mut who = format!("{} ({})", actor.name, actor.identity_type);
    if let Some(arn) = &actor.arn {
        let _ = write!(who, ", {arn}");
    }
    line(&mut out, "Who", &who);
    if let Some(address) = &actor.source_address {
        line(&mut out, "From", address);
    }
    if let Some(agent) = &actor.user_agent {
        line(&mut out, "User agent", agent);
    }
    if let Some(mfa) = actor.mfa {
        line(&mut out, "MFA", if mfa { "yes" } else { "no" });
    }

    let action = &message.action;
    let what = match (&action.iam_action, &action.name, &action.service) {
        (Some(iam), _, _) => iam.clone(),
        (None, Some(name), Some(service)) => format!("{name} on {service}"),
        (None, Some(name), None) => name.clone(),
        (None, None, Some(service)) => service.clone(),
        (None, None, None) => "unknown action".to_owned(),
    };
    let outcome = match action.outcome {
        Outcome::Success => "succeeded",
        Outcome::Denied => "denied",
        Outcome::Failure => "failed",
    };
    line(&mut out, "What", &format!("{what}, {outcome}"));

    let mut place = Vec::new();
    if let Some(account) = &message.account {
        place.push(format!("account {account}"));
    }
    if let Some(region) = &message.region {
        place.push(format!("region {region}"));
    }
    if !place.is_empty() {
        line(&mut out, "Where", &place.join(", "));
    }
    line(&mut out, "When", &message.time);

    match (&action.error_code, &action.error_message) {
        (Some(code), Some(text)) => line(&mut out, "Error", &format!("{code}: {text}")),
        (Some(code), None) => line(&mut out, "Error", code),
        (None, Some(text)) => line(&mut out, "Error", text),
        (None, None) => {}
    }

    if let Some(denial) = &action.denial {
        let mut text = denial.action.clone();
        if let Some(resource) = &denial.resource {
            let _ = write!(text, " on {resource}");
        }
        if let Some(reason) = &denial.reason {
            let _ = write!(text, " ({reason})");
        }
        line(&mut out, "Denied", &text);
        if let Some(encoded) = &denial.encoded_message {
            let state = if encoded.truncated {
                "cut short, cannot be decoded as it is"
            } else {
                "present"
            };
            line(&mut out, "Encoded authorization message", state);
            line(&mut out, "How to decode", &encoded.how_to_decode);
        }
    }

    if let Some(occurrences) = &message.occurrences {
        line(
            &mut out,
            "Occurrences",
            &format!(
                "{} events from {} to {}",
                occurrences.count, occurrences.first_time, occurrences.last_time
            ),
        );
    }

    if !message.findings.is_empty() {
        out.push_str("\nFindings\n");
        for finding in &message.findings {
            let _ = writeln!(
                out,
                "- [{}] {} ({})",
                finding.severity,
                one_line(&finding.title),
                one_line(&finding.rule_id)
            );
            if let Some(description) = &finding.description {
                let _ = writeln!(out, "  {}", one_line(description));
            }
        }
    }

    if !message.resources.is_empty() {
        out.push_str("\nResources\n");
        for resource in &message.resources {
            match &resource.resource_type {
                Some(kind) => {
                    let _ = writeln!(out, "- {} ({})", one_line(&resource.id), one_line(kind));
                }
                None => {
                    let _ = writeln!(out, "- {}", one_line(&resource.id));
                }
            }
        }
    }

    if !message.details.is_empty() {
        out.push_str("\nDetails\n");
        for detail in &message.details {
            let _ = writeln!(
                out,
                "- {}: {}",
                one_line(&detail.label),
                one_line(&detail.value)
            );
        }
    }

    if !message.links.is_empty() {
        out.push_str("\nLinks\n");
        for link in &message.links {
            let _ = writeln!(out, "- {}: {}", one_line(&link.label), one_line(&link.url));
        }
    }

    let _ = write!(
        out,
        "\nMessage {} about event {}\n",
        message.id,
        one_line(&message.event.id)
    );
    out
}

#[cfg(test)]
mod tests {
    use activity_aware::cloudtrail::Event;
    use activity_aware::standardize::standardize;
    use serde_json::json;

    use super::*;

    fn denied() -> Message {
        let event = Event::from_value(json!({
            "eventID": "0b7c2f4e-1111-4c1a-9d55-2c1d7a5e9f00",
            "eventTime": "2024-03-01T10:00:00Z",
            "eventSource": "sts.amazonaws.com",
            "eventName": "AssumeRole",
            "awsRegion": "us-east-1",
            "recipientAccountId": "111122223333",
            "sourceIPAddress": "203.0.113.9",
            "errorCode": "AccessDenied",
            "errorMessage": "User: arn:aws:iam::111122223333:user/alice is not authorized to \
                perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/admin",
            "userIdentity": {"type": "IAMUser", "userName": "alice",
                "arn": "arn:aws:iam::111122223333:user/alice"}
        }))
        .unwrap();
        standardize(&event, vec![])
    }

    #[test]
    fn subject_is_the_severity_and_title() {
        assert_eq!(
            subject(&denied()),
            "[MEDIUM] alice was denied sts:AssumeRole in 111122223333 / us-east-1"
        );
    }

    #[test]
    fn subject_is_printable_ascii_on_one_line_and_short() {
        let mut message = denied();
        message.title = format!("José’s “role”…\nnext\tline {}", "x".repeat(200));

        let text = subject(&message);

        assert!(
            text.starts_with("[MEDIUM] Jose's \"role\"... next line xxx"),
            "{text}"
        );
        assert_eq!(text.chars().count(), SUBJECT_MAX_CHARS);
        assert!(text.ends_with("..."));
        assert!(text.chars().all(|c| c.is_ascii_graphic() || c == ' '));
    }

    #[test]
    fn subject_is_never_empty() {
        let mut message = denied();
        message.title = "\n\u{200b}\t".to_owned();
        assert_eq!(subject(&message), "[MEDIUM] Activity Aware message");
    }

    #[test]
    fn body_says_who_what_where_when_and_the_denial() {
        let text = body(&denied());

        assert!(
            text.starts_with("alice was denied sts:AssumeRole in 111122223333 / us-east-1\n\n")
        );
        for line in [
            "Severity: medium",
            "Who: alice (IAMUser), arn:aws:iam::111122223333:user/alice",
            "From: 203.0.113.9",
            "What: sts:AssumeRole, denied",
            "Where: account 111122223333, region us-east-1",
            "When: 2024-03-01T10:00:00Z",
            "Denied: sts:AssumeRole on arn:aws:iam::111122223333:role/admin",
            "- Event in the CloudTrail console: https://us-east-1.console.aws.amazon.com/\
             cloudtrailv2/home?region=us-east-1#/events/0b7c2f4e-1111-4c1a-9d55-2c1d7a5e9f00",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
    }

    #[test]
    fn body_keeps_event_text_on_its_own_lines() {
        let mut message = denied();
        message.action.error_message = Some("first\nSeverity: none".to_owned());

        let text = body(&message);

        assert!(!text.lines().any(|l| l == "Severity: none"), "{text}");
    }
}
