/*!
Fitting a message into a size limit.

Topics and queues refuse messages over a fixed size, and event text is chosen
by whoever made the call: a request with huge parameters, an error message
quoting a long policy or a call naming hundreds of resources must still
arrive as an alert. [`fit`] trims a message step by step, the bulkiest and
least important parts first, until the size the caller measures is within
the limit. Every cut is visible: cut text ends in [`CUT_MARKER`], and
dropped resources, details and links are counted in a closing detail.

The caller measures, because only it knows the form that is sent (a topic
message may carry the contract JSON, an email body and attributes together).
*/

use crate::message::{Detail, Message};
use crate::standardize::{CUT_MARKER, cut};

/// The label of the detail that tells what trimming left out.
pub const TRIMMED_LABEL: &str = "Trimmed to fit";

/// Caps on long free text (details, error messages, descriptions), in
/// characters, tried in turn.
const TEXT_CAPS: [usize; 4] = [16_384, 4_096, 1_024, 256];

/// How many resources, details and occurrence event ids to keep, tried in turn.
const LIST_KEEPS: [usize; 5] = [50, 20, 8, 3, 1];

/// Caps on every string of the message, the last resort.
const ALL_CAPS: [usize; 3] = [512, 128, 48];

/// A message that fits.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub message: Message,
    /// Whether anything was cut or left out.
    pub trimmed: bool,
    /// The size of the message as measured, in bytes.
    pub size: usize,
}

/// A message that could not be made small enough.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "message `{id}` is {size} bytes after trimming everything that can be trimmed, \
     over the limit of {limit}"
)]
pub struct FitError {
    pub id: String,
    pub size: usize,
    pub limit: usize,
}

/// Trims `message` until `size` of it is at most `limit` bytes.
///
/// A message that already fits is returned unchanged. The id, version,
/// source, severity and the findings' rule ids are never changed, so the
/// trimmed message still identifies and routes the same way.
pub fn fit(
    message: &Message,
    limit: usize,
    size: impl Fn(&Message) -> usize,
) -> Result<Fitted, FitError> {
    let first = size(message);
    if first <= limit {
        return Ok(Fitted {
            message: message.clone(),
            trimmed: false,
            size: first,
        });
    }

    let mut trim = Trim::new(message);
    let mut last = first;
    for step in steps() {
        step(&mut trim);
        let candidate = trim.message();
        last = size(&candidate);
        if last <= limit {
            return Ok(Fitted {
                message: candidate,
                trimmed: true,
                size: last,
            });
        }
    }

    Err(FitError {
        id: message.id.clone(),
        size: last,
        limit,
    })
}

type Step = Box<dyn Fn(&mut Trim)>;

/// The trimming steps, mildest first.
fn steps() -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();

    for cap in TEXT_CAPS {
        steps.push(Box::new(move |trim| cap_free_text(&mut trim.message, cap)));
    }
    for keep in LIST_KEEPS {
        steps.push(Box::new(move |trim| trim.keep_resources(keep)));
    }
    for keep in LIST_KEEPS {
        steps.push(Box::new(move |trim| trim.keep_details(keep)));
    }
    steps.push(Box::new(|trim| trim.drop_links()));
    for keep in LIST_KEEPS {
        steps.push(Box::new(move |trim| trim.keep_event_ids(keep)));
    }
    for cap in ALL_CAPS {
        steps.push(Box::new(move |trim| cap_all_text(&mut trim.message, cap)));
    }
    steps.push(Box::new(|trim| trim.keep_resources(0)));
    steps.push(Box::new(|trim| trim.keep_details(0)));

    steps
}

/// A message being trimmed, with counts of what was left out.
struct Trim {
    message: Message,
    resources_dropped: usize,
    details_dropped: usize,
    links_dropped: usize,
}

impl Trim {
    fn new(message: &Message) -> Trim {
        Trim {
            message: message.clone(),
            resources_dropped: 0,
            details_dropped: 0,
            links_dropped: 0,
        }
    }

    fn keep_resources(&mut self, keep: usize) {
        let resources = &mut self.message.resources;
        if resources.len() > keep {
            self.resources_dropped += resources.len() - keep;
            resources.truncate(keep);
        }
    }

    fn keep_details(&mut self, keep: usize) {
        let details = &mut self.message.details;
        if details.len() > keep {
            self.details_dropped += details.len() - keep;
            details.truncate(keep);
        }
    }

    fn drop_links(&mut self) {
        self.links_dropped += self.message.links.len();
        self.message.links.clear();
    }

    fn keep_event_ids(&mut self, keep: usize) {
        if let Some(occurrences) = &mut self.message.occurrences {
            occurrences.event_ids.truncate(keep);
        }
    }

    /// The message as it would be sent: trimmed, with a closing detail that
    /// counts what was left out.
    fn message(&self) -> Message {
        let mut message = self.message.clone();
        let mut left_out = Vec::new();
        let mut count = |dropped: usize, one: &str, many: &str| {
            if dropped > 0 {
                let noun = if dropped == 1 { one } else { many };
                left_out.push(format!("{dropped} {noun}"));
            }
        };
        count(self.resources_dropped, "resource", "resources");
        count(self.details_dropped, "detail", "details");
        count(self.links_dropped, "link", "links");

        let note = if left_out.is_empty() {
            format!("long text cut{CUT_MARKER}")
        } else {
            format!("{} left out{CUT_MARKER}", left_out.join(", "))
        };
        message.details.push(Detail::new(TRIMMED_LABEL, note));
        message
    }
}

/// Cuts the free text that can grow without bound: detail values, error
/// messages, the denial's reason and encoded message, finding descriptions
/// and resource ids.
fn cap_free_text(message: &mut Message, cap: usize) {
    let shorten = |text: &mut String| {
        if text.chars().count() > cap {
            *text = cut(text, cap);
        }
    };

    for detail in &mut message.details {
        shorten(&mut detail.value);
    }
    if let Some(text) = &mut message.action.error_message {
        shorten(text);
    }
    if let Some(denial) = &mut message.action.denial {
        if let Some(reason) = &mut denial.reason {
            shorten(reason);
        }
        if let Some(resource) = &mut denial.resource {
            shorten(resource);
        }
        if let Some(encoded) = &mut denial.encoded_message
            && encoded.value.chars().count() > cap
        {
            encoded.value = cut(&encoded.value, cap);
            // A cut encoded message can no longer be decoded.
            encoded.truncated = true;
        }
    }
    for finding in &mut message.findings {
        if let Some(description) = &mut finding.description {
            shorten(description);
        }
    }
    for resource in &mut message.resources {
        shorten(&mut resource.id);
    }
}

/// Cuts every string except the id, version, source, severity and the
/// findings' rule ids, and keeps only the first reference of each finding.
fn cap_all_text(message: &mut Message, cap: usize) {
    cap_free_text(message, cap);

    let shorten = |text: &mut String| {
        if text.chars().count() > cap {
            *text = cut(text, cap);
        }
    };
    let shorten_some = |text: &mut Option<String>| {
        if let Some(text) = text {
            shorten(text);
        }
    };

    shorten(&mut message.title);
    shorten(&mut message.time);
    shorten_some(&mut message.account);
    shorten_some(&mut message.region);

    shorten(&mut message.event.id);
    shorten_some(&mut message.event.event_type);
    shorten_some(&mut message.event.request_id);

    let actor = &mut message.actor;
    shorten(&mut actor.identity_type);
    shorten(&mut actor.name);
    for field in [
        &mut actor.arn,
        &mut actor.account_id,
        &mut actor.principal_id,
        &mut actor.access_key_id,
        &mut actor.session_issuer,
        &mut actor.session_name,
        &mut actor.invoked_by,
        &mut actor.source_address,
        &mut actor.user_agent,
    ] {
        shorten_some(field);
    }

    let action = &mut message.action;
    for field in [
        &mut action.service,
        &mut action.name,
        &mut action.iam_action,
        &mut action.error_code,
    ] {
        shorten_some(field);
    }
    if let Some(denial) = &mut action.denial {
        shorten(&mut denial.action);
        if let Some(encoded) = &mut denial.encoded_message {
            shorten(&mut encoded.how_to_decode);
        }
    }

    for finding in &mut message.findings {
        shorten(&mut finding.title);
        finding.references.truncate(1);
        for reference in &mut finding.references {
            shorten(reference);
        }
    }
    for resource in &mut message.resources {
        shorten_some(&mut resource.resource_type);
        shorten_some(&mut resource.account_id);
    }
    for detail in &mut message.details {
        shorten(&mut detail.label);
    }
    if let Some(occurrences) = &mut message.occurrences {
        shorten(&mut occurrences.first_time);
        shorten(&mut occurrences.last_time);
        for id in &mut occurrences.event_ids {
            shorten(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::cloudtrail::Event;
    use crate::message::{Finding, Resource, Severity};
    use crate::standardize::standardize;

    const LIMIT: usize = 262_144;

    fn json_size(message: &Message) -> usize {
        message.to_json().len()
    }

    fn event(extra: Value) -> Event {
        let mut value = json!({
            "eventVersion": "1.09",
            "eventID": "0b7c2f4e-1111-4c1a-9d55-2c1d7a5e9f00",
            "eventTime": "2024-03-01T10:00:00Z",
            "eventSource": "s3.amazonaws.com",
            "eventName": "PutBucketPolicy",
            "awsRegion": "us-east-1",
            "recipientAccountId": "111122223333",
            "errorCode": "AccessDenied",
            "userIdentity": {"type": "IAMUser", "userName": "alice",
                "arn": "arn:aws:iam::111122223333:user/alice"}
        });
        if let (Some(fields), Value::Object(extra)) = (value.as_object_mut(), extra) {
            fields.extend(extra);
        }
        Event::from_value(value).unwrap()
    }

    fn finding() -> Finding {
        Finding {
            rule_id: "s3-bucket-policy-changed".to_owned(),
            title: "S3 bucket policy changed".to_owned(),
            severity: Severity::High,
            description: Some("x".repeat(300_000)),
            references: vec!["https://example.com/a".to_owned(); 50],
        }
    }

    #[test]
    fn leaves_a_message_that_fits_unchanged() {
        let message = standardize(&event(json!({})), vec![]);

        let fitted = fit(&message, LIMIT, json_size).unwrap();

        assert!(!fitted.trimmed);
        assert_eq!(fitted.message, message);
        assert_eq!(fitted.size, message.to_json().len());
    }

    #[test]
    fn trims_a_250_kb_event_under_the_limit_with_a_visible_marker() {
        let huge = "A".repeat(250_000);
        let message = standardize(
            &event(json!({
                "errorMessage": huge,
                "requestParameters": {"bucketName": "b", "policy": huge},
            })),
            vec![finding()],
        );
        assert!(json_size(&message) > 200_000);

        // A budget for the contract JSON plus an email body of similar size.
        let fitted = fit(&message, LIMIT, |message| 2 * json_size(message)).unwrap();

        assert!(fitted.trimmed);
        assert!(2 * json_size(&fitted.message) <= LIMIT);
        assert_eq!(fitted.size, 2 * json_size(&fitted.message));
        let description = fitted.message.findings[0].description.as_deref().unwrap();
        assert!(description.ends_with(CUT_MARKER), "{description:.40}");
        assert_eq!(fitted.message.id, message.id);
        assert_eq!(
            fitted.message.findings[0].rule_id,
            "s3-bucket-policy-changed"
        );
        let last = fitted.message.details.last().unwrap();
        assert_eq!(last.label, TRIMMED_LABEL);
        assert_eq!(last.value, format!("long text cut{CUT_MARKER}"));
        // The message reads back under the contract.
        assert_eq!(
            Message::from_json(&fitted.message.to_json()).unwrap(),
            fitted.message
        );
    }

    #[test]
    fn drops_resources_and_counts_them() {
        let mut message = standardize(&event(json!({})), vec![]);
        message.resources = (0..60)
            .map(|index| Resource {
                id: format!("arn:aws:s3:::bucket-{index}/{}", "k".repeat(5_000)),
                resource_type: Some("AWS::S3::Object".to_owned()),
                account_id: None,
            })
            .collect();

        let fitted = fit(&message, 10_000, json_size).unwrap();

        assert!(fitted.size <= 10_000);
        assert!(fitted.message.resources.len() < 60);
        assert!(fitted.message.resources[0].id.ends_with(CUT_MARKER));
        let dropped = 60 - fitted.message.resources.len();
        let last = fitted.message.details.last().unwrap();
        assert_eq!(
            last.value,
            format!("{dropped} resources left out{CUT_MARKER}")
        );
    }

    #[test]
    fn keeps_sixty_short_resources_when_they_fit() {
        let mut message = standardize(&event(json!({})), vec![]);
        message.resources = (0..60)
            .map(|index| Resource {
                id: format!("arn:aws:s3:::bucket-{index}"),
                resource_type: None,
                account_id: None,
            })
            .collect();

        let fitted = fit(&message, LIMIT, json_size).unwrap();

        assert!(!fitted.trimmed);
        assert_eq!(fitted.message.resources.len(), 60);
    }

    #[test]
    fn cuts_huge_strings_everywhere_as_a_last_resort() {
        let huge = "é".repeat(20_000);
        let mut message = standardize(&event(json!({})), vec![finding()]);
        message.title = huge.chars().take(300).collect();
        message.actor.name = huge.clone();
        message.actor.user_agent = Some(huge.clone());
        message.action.error_code = Some(huge.clone());
        message.details = vec![Detail::new(huge.clone(), huge.clone()); 30];

        let fitted = fit(&message, 8_000, json_size).unwrap();

        assert!(fitted.size <= 8_000, "{}", fitted.size);
        assert!(fitted.message.actor.name.ends_with(CUT_MARKER));
        assert!(fitted.message.title.chars().count() <= 300);
        assert!(!fitted.message.actor.name.is_empty());
        assert_eq!(fitted.message.severity, message.severity);
    }

    #[test]
    fn says_so_when_nothing_can_make_it_fit() {
        let message = standardize(&event(json!({})), vec![]);

        let error = fit(&message, 100, json_size).unwrap_err();

        assert_eq!(error.id, message.id);
        assert_eq!(error.limit, 100);
        assert!(error.size > 100);
        assert!(
            error.to_string().contains("over the limit of 100"),
            "{error}"
        );
    }
}
