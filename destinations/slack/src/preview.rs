/*!
A plain-text preview of a Slack payload, for a terminal.

It reads the finished payload rather than the message, so what it shows is
what the team would see: the header, the context lines, fields as
`Label: value`, sections, and links as `label (url)`. Escapes are undone and
mrkdwn markers are left as they are.
*/

use serde_json::Value;

/// The payload as readable lines of text.
pub fn preview(payload: &Value) -> String {
    let mut out = String::new();
    let blocks = payload.get("blocks").and_then(Value::as_array);

    for block in blocks.map(Vec::as_slice).unwrap_or_default() {
        match block.get("type").and_then(Value::as_str) {
            Some("header") => {
                let title = plain(text_of(block.get("text")));
                out.push_str(&title);
                out.push('\n');
                out.push_str(&"=".repeat(title.chars().count().min(80)));
                out.push('\n');
            }
            Some("context") => {
                let elements = block.get("elements").and_then(Value::as_array);
                let texts: Vec<String> = elements
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .map(|element| plain(text_of(Some(element))))
                    .collect();
                out.push_str(&texts.join(" | "));
                out.push('\n');
            }
            Some("section") => {
                out.push('\n');
                if let Some(text) = block.get("text") {
                    out.push_str(&plain(text_of(Some(text))));
                    out.push('\n');
                }
                let fields = block.get("fields").and_then(Value::as_array);
                for field in fields.map(Vec::as_slice).unwrap_or_default() {
                    let text = plain(text_of(Some(field)));
                    match text.split_once('\n') {
                        Some((label, value)) => {
                            out.push_str(label.trim_matches('*'));
                            out.push_str(": ");
                            out.push_str(value);
                        }
                        None => out.push_str(&text),
                    }
                    out.push('\n');
                }
            }
            Some("divider") => out.push_str("\n----------------------------------------\n"),
            _ => {}
        }
    }

    out
}

fn text_of(object: Option<&Value>) -> &str {
    object
        .and_then(|object| object.get("text"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Mrkdwn as a reader sees it: links as `label (url)`, escapes undone.
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;

    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let Some(end) = tail.find('>') else {
            out.push_str(tail);
            rest = "";
            break;
        };
        let inner = &tail[1..end];
        match inner.split_once('|') {
            Some((url, label)) => out.push_str(&format!("{label} ({url})")),
            None => out.push_str(inner),
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);

    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shows_header_fields_sections_and_links() {
        let payload = json!({
            "text": "t",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "HIGH: a &amp; b"}},
                {"type": "context", "elements": [
                    {"type": "mrkdwn", "text": "one"}, {"type": "mrkdwn", "text": "two"}
                ]},
                {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Who*\n`&lt;x&gt;`"}]},
                {"type": "section", "text": {"type": "mrkdwn", "text": "*Error* `E`"}},
                {"type": "divider"},
                {"type": "context", "elements": [
                    {"type": "mrkdwn", "text": "<https://e.example/?a=1&amp;b=2|Console>"}
                ]}
            ]
        });

        assert_eq!(
            preview(&payload),
            "HIGH: a & b\n===========\none | two\n\nWho: `<x>`\n\n*Error* `E`\n\n\
             ----------------------------------------\n\
             Console (https://e.example/?a=1&b=2)\n"
        );
    }
}
