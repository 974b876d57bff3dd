//! The published JSON Schema describes the messages the standardizer really
//! writes: every event of the real CloudTrail corpus, standardized, is valid
//! against it and reads back unchanged.

use std::io::Read;
use std::path::{Path, PathBuf};

use activity_aware::Message;
use activity_aware::cloudtrail::Event;
use activity_aware::standardize::standardize;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn corpus(part: &str) -> PathBuf {
    let dir = repo().join("../shared/corpus").join(part);
    assert!(
        dir.is_dir(),
        "the CloudTrail corpus is absent: expected `{}` (it sits beside the repository)",
        dir.display()
    );
    dir
}

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("shared/schema/message-v1.schema.json"))
        .expect("the schema file is in the repository");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

fn trail_log_events() -> Vec<Value> {
    let mut events = Vec::new();
    for file in files(&corpus("trail-logs")) {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&file).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let log: Value = serde_json::from_str(&text).unwrap();
        events.extend(log["Records"].as_array().unwrap().iter().cloned());
    }
    events
}

fn check(validator: &jsonschema::Validator, message: &Message, origin: &str) {
    let json: Value = serde_json::from_str(&message.to_json()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{origin}: {errors:?}");

    let read_back = Message::from_json(&message.to_json()).unwrap();
    assert_eq!(&read_back, message, "{origin}: message does not round-trip");
}

#[test]
fn every_corpus_event_gives_a_valid_message() {
    let validator = schema();
    let events = trail_log_events();
    assert_eq!(events.len(), 2_900, "the corpus holds 2,900 events");

    for value in events {
        let event = Event::from_value(value).unwrap();
        let message = standardize(&event, Vec::new());
        assert!(!message.title.is_empty() && !message.actor.name.is_empty());
        check(&validator, &message, event.id());
    }
}

#[test]
fn every_awkward_record_gives_a_valid_message() {
    let validator = schema();
    for file in files(&corpus("records")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let event = Event::parse(&text).unwrap();
        check(
            &validator,
            &standardize(&event, Vec::new()),
            &file.display().to_string(),
        );
    }
}

#[test]
fn the_schema_refuses_what_the_contract_forbids() {
    let validator = schema();
    let event = Event::parse(r#"{"eventID": "e", "eventTime": "2024-01-01T00:00:00Z"}"#).unwrap();
    let good: Value = serde_json::from_str(&standardize(&event, Vec::new()).to_json()).unwrap();
    assert!(validator.is_valid(&good));

    let mut bad_severity = good.clone();
    bad_severity["severity"] = "urgent".into();
    assert!(!validator.is_valid(&bad_severity));

    let mut two_lines = good.clone();
    two_lines["title"] = "a\nb".into();
    assert!(!validator.is_valid(&two_lines));

    let mut planted_link = good.clone();
    planted_link["links"] = serde_json::json!([{"label": "x", "url": "javascript:alert(1)"}]);
    assert!(!validator.is_valid(&planted_link));

    let mut no_actor = good;
    no_actor.as_object_mut().unwrap().remove("actor");
    assert!(!validator.is_valid(&no_actor));
}
