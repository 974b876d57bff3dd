/*!
Slack's documented Block Kit limits, and a checker for finished payloads.

Slack refuses a whole message (`invalid_blocks`) when one block breaks a
limit, so the renderer keeps every limit by construction and the tests check
every payload with [`violations`]. Lengths are measured with
[`slack_len`].
*/

use serde_json::Value;

use crate::mrkdwn::slack_len;

/// Blocks in one message.
pub const MAX_BLOCKS: usize = 50;

/// The `plain_text` of a header block.
pub const HEADER_TEXT_MAX: usize = 150;

/// The text of a section block.
pub const SECTION_TEXT_MAX: usize = 3000;

/// Fields in one section block.
pub const SECTION_FIELDS_MAX: usize = 10;

/// The text of one section field.
pub const FIELD_TEXT_MAX: usize = 2000;

/// Elements in one context block.
pub const CONTEXT_ELEMENTS_MAX: usize = 10;

/// The text of one context element. Slack allows 3,000 for any text object;
/// context lines are kept shorter so they stay one glance long.
pub const CONTEXT_TEXT_MAX: usize = 2000;

/// The top-level `text`, shown in notifications. Slack cuts messages far
/// longer than this; a notification needs much less.
pub const FALLBACK_TEXT_MAX: usize = 3000;

/// Every way `payload` breaks a limit or the expected shape, described in
/// words; empty when it keeps them all.
pub fn violations(payload: &Value) -> Vec<String> {
    let mut found = Vec::new();

    match payload.get("text").and_then(Value::as_str) {
        Some(text) => check_text(&mut found, "text", text, FALLBACK_TEXT_MAX),
        None => found.push("`text` is missing".to_owned()),
    }

    let Some(blocks) = payload.get("blocks").and_then(Value::as_array) else {
        found.push("`blocks` is missing".to_owned());
        return found;
    };
    if blocks.len() > MAX_BLOCKS {
        found.push(format!(
            "{} blocks, at most {MAX_BLOCKS} allowed",
            blocks.len()
        ));
    }

    for (index, block) in blocks.iter().enumerate() {
        let kind = block.get("type").and_then(Value::as_str).unwrap_or("");
        let at = format!("blocks[{index}]");

        match kind {
            "header" => {
                let text = text_of(block.get("text"));
                check_text(&mut found, &format!("{at}.text"), text, HEADER_TEXT_MAX);
            }
            "section" => check_section(&mut found, &at, block),
            "context" => {
                let elements = block.get("elements").and_then(Value::as_array);
                let elements = elements.map(Vec::as_slice).unwrap_or_default();
                if elements.is_empty() || elements.len() > CONTEXT_ELEMENTS_MAX {
                    found.push(format!("{at} has {} context elements", elements.len()));
                }
                for (i, element) in elements.iter().enumerate() {
                    let text = text_of(Some(element));
                    check_text(
                        &mut found,
                        &format!("{at}.elements[{i}]"),
                        text,
                        CONTEXT_TEXT_MAX,
                    );
                }
            }
            "divider" => {}
            other => found.push(format!("{at} has unexpected type `{other}`")),
        }
    }

    found
}

fn check_section(found: &mut Vec<String>, at: &str, block: &Value) {
    let text = block.get("text");
    let fields = block.get("fields").and_then(Value::as_array);

    if text.is_none() && fields.is_none() {
        found.push(format!("{at} has neither text nor fields"));
    }
    if let Some(text) = text {
        check_text(
            found,
            &format!("{at}.text"),
            text_of(Some(text)),
            SECTION_TEXT_MAX,
        );
    }
    if let Some(fields) = fields {
        if fields.is_empty() || fields.len() > SECTION_FIELDS_MAX {
            found.push(format!("{at} has {} fields", fields.len()));
        }
        for (i, field) in fields.iter().enumerate() {
            let text = text_of(Some(field));
            check_text(found, &format!("{at}.fields[{i}]"), text, FIELD_TEXT_MAX);
        }
    }
}

fn text_of(object: Option<&Value>) -> &str {
    object
        .and_then(|object| object.get("text"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn check_text(found: &mut Vec<String>, at: &str, text: &str, max: usize) {
    let len = slack_len(text);
    if len == 0 {
        found.push(format!("{at} is empty"));
    }
    if len > max {
        found.push(format!("{at} is {len} long, at most {max} allowed"));
    }
}

/// Every piece of Slack markup in `text` that is not a link to an https URL:
/// any `<` or `>` outside `<https://...|label>`. Rendered event data must
/// never produce one.
pub fn stray_markup(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;

    while let Some(start) = rest.find(['<', '>']) {
        let tail = &rest[start..];
        let Some(end) = tail.find('>').filter(|_| tail.starts_with('<')) else {
            found.push(tail.chars().take(40).collect());
            rest = &tail[1..];
            continue;
        };

        let inner = &tail[1..end];
        let url = inner.split('|').next().unwrap_or("");
        let url_is_safe = url.starts_with("https://")
            && !url.contains(|c: char| c.is_whitespace() || c == '<')
            && !inner.contains('<');
        if !url_is_safe {
            found.push(tail[..=end].chars().take(40).collect());
        }
        rest = &tail[end + 1..];
    }

    found
}

/// Every string in a JSON value, depth first.
pub fn strings(value: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    collect_strings(value, &mut out);
    out
}

fn collect_strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(text) => out.push(text),
        Value::Array(items) => items.iter().for_each(|item| collect_strings(item, out)),
        Value::Object(map) => map.values().for_each(|item| collect_strings(item, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_a_payload_within_limits() {
        let payload = json!({
            "text": "x",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "h"}},
                {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}]},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}]},
                {"type": "divider"}
            ]
        });
        assert_eq!(violations(&payload), Vec::<String>::new());
    }

    #[test]
    fn reports_each_broken_limit() {
        let payload = json!({
            "text": "",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "h".repeat(151)}},
                {"type": "section", "fields": vec![json!({"type": "mrkdwn", "text": "f"}); 11]},
                {"type": "image"}
            ]
        });
        assert_eq!(
            violations(&payload),
            vec![
                "text is empty",
                "blocks[0].text is 151 long, at most 150 allowed",
                "blocks[1] has 11 fields",
                "blocks[2] has unexpected type `image`",
            ]
        );
    }

    #[test]
    fn finds_markup_that_is_not_an_https_link() {
        assert_eq!(
            stray_markup("see <https://example.com/a|console> &lt;"),
            Vec::<String>::new()
        );
        assert_eq!(stray_markup("<!channel> hi"), vec!["<!channel>"]);
        assert_eq!(stray_markup("a > b"), vec!["> b"]);
        assert_eq!(stray_markup("<http://x|y>"), vec!["<http://x|y>"]);
    }
}
