//! Helpers shared by the pipeline tests: where the corpus and cases are, and
//! a source wired as in Lambda but publishing into memory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use activity_aware::Message;
use activity_aware_source_cloudtrail::detect::Rules;
use activity_aware_source_cloudtrail::handler::{Report, Source};
use activity_aware_source_cloudtrail::publish::Collect;
use serde_json::Value;

/// A directory beside the repository, failing plainly when it is absent.
pub fn shared(part: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(part);
    assert!(
        dir.exists(),
        "`{}` is absent: these tests read the shared CloudTrail corpus and cases beside \
         the repository",
        dir.display()
    );
    dir
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap()
}

pub fn case(name: &str) -> Value {
    read_json(&shared("cases").join(name))
}

/// A source with the built-in rules that keeps what it publishes.
pub fn new_source(report: Report) -> Source<Rules, Collect> {
    Source {
        detector: Rules::load(None, None).expect("built-in rules load"),
        publisher: Collect::default(),
        report,
    }
}

/// Every string in a Slack payload, joined, for looking for markup.
pub fn all_text(payload: &Value) -> String {
    destination_slack::limits::strings(payload).join("\n")
}

/// Renders a message and checks every Slack limit and that no markup from
/// event data survived.
pub fn render_checked(message: &Message) -> Value {
    let payload = destination_slack::render::render(message);
    let violations = destination_slack::limits::violations(&payload);
    assert!(violations.is_empty(), "{}: {violations:?}", message.title);

    let stray: Vec<String> = destination_slack::limits::strings(&payload)
        .into_iter()
        .flat_map(destination_slack::limits::stray_markup)
        .collect();
    assert!(
        stray.is_empty(),
        "{}: markup from event data: {stray:?}",
        message.title
    );
    payload
}
