/*!
SNS's query protocol for `PublishBatch`, as stand-ins for SNS need it: the
entries of a form-encoded request, and the XML answer that accepts some
entries and fails others.
*/

use std::collections::BTreeMap;

use wiremock::ResponseTemplate;

/// The `(Id, Message)` of every entry of a form-encoded `PublishBatch`
/// request, in entry order, the message URL-decoded.
pub fn publish_batch_entries(body: &str) -> Vec<(String, String)> {
    let mut ids = BTreeMap::new();
    let mut messages = BTreeMap::new();
    for pair in body.split('&') {
        let Some((key, value)) = pair.split_once('=') else {
            continue;
        };
        let Some(rest) = key.strip_prefix("PublishBatchRequestEntries.member.") else {
            continue;
        };
        let Some((index, field)) = rest.split_once('.') else {
            continue;
        };
        let index: usize = index.parse().unwrap_or(usize::MAX);
        match field {
            "Id" => {
                ids.insert(index, value.to_owned());
            }
            "Message" => {
                messages.insert(index, url_decode(value));
            }
            _ => {}
        }
    }
    ids.into_iter()
        .map(|(index, id)| (id, messages.remove(&index).unwrap_or_default()))
        .collect()
}

/// `application/x-www-form-urlencoded` text decoded.
fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'+' => out.push(b' '),
            b'%' if at + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[at + 1..at + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                at += 2;
            }
            other => out.push(other),
        }
        at += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The answer to one `PublishBatch` request, built entry by entry.
#[derive(Debug, Default)]
pub struct BatchAnswer {
    successful: String,
    failed: String,
}

impl BatchAnswer {
    /// Lists entry `id` as published under `message_id`.
    pub fn accept(&mut self, id: &str, message_id: &str) {
        self.successful.push_str(&format!(
            "<member><Id>{id}</Id><MessageId>{message_id}</MessageId></member>"
        ));
    }

    /// Lists entry `id` as failed with `code`; `sender_fault` says whether
    /// retrying it can help (it cannot when the sender is at fault).
    pub fn fail(&mut self, id: &str, code: &str, message: &str, sender_fault: bool) {
        self.failed.push_str(&format!(
            "<member><Id>{id}</Id><Code>{code}</Code><Message>{message}</Message>\
             <SenderFault>{sender_fault}</SenderFault></member>"
        ));
    }

    /// The HTTP 200 answer listing every entry.
    pub fn response(self) -> ResponseTemplate {
        let BatchAnswer { successful, failed } = self;
        xml(
            200,
            format!(
                "<PublishBatchResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\
                 <PublishBatchResult><Successful>{successful}</Successful>\
                 <Failed>{failed}</Failed></PublishBatchResult>\
                 <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
                 </PublishBatchResponse>"
            ),
        )
    }
}

/// An XML answer with `status`.
pub fn xml(status: u16, body: String) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "text/xml")
        .set_body_string(body)
}
