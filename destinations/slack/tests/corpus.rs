/*!
Every event of the real CloudTrail corpus, standardized and rendered, gives
a payload within Slack's limits and free of markup from event data.
*/

use std::io::Read;
use std::path::{Path, PathBuf};

use activity_aware::cloudtrail::Event;
use activity_aware::standardize::standardize;
use destination_slack::limits::{stray_markup, strings, violations};
use destination_slack::render::render;
use serde_json::Value;

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(
        dir.join("trail-logs").is_dir() && dir.join("records").is_dir(),
        "the CloudTrail corpus is absent: expected it at {}",
        dir.display()
    );
    dir
}

fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .collect();
    found.sort();
    found
}

fn events() -> Vec<Value> {
    let dir = corpus();
    let mut events = Vec::new();

    for path in files(&dir.join("records"), ".json") {
        let text = std::fs::read_to_string(&path).expect("record is readable");
        events.push(serde_json::from_str(&text).expect("record is JSON"));
    }

    for path in files(&dir.join("trail-logs"), ".json.gz") {
        let file = std::fs::File::open(&path).expect("log file opens");
        let mut text = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .expect("log file is gzip text");
        let log: Value = serde_json::from_str(&text).expect("log file is JSON");
        let records = log["Records"].as_array().expect("log file has `Records`");
        events.extend(records.iter().cloned());
    }

    events
}

#[test]
fn every_corpus_event_renders_within_limits() {
    let events = events();
    assert!(
        events.len() >= 2900,
        "only {} events in the corpus",
        events.len()
    );

    let mut rendered = 0;
    for value in events {
        let Ok(event) = Event::from_value(value) else {
            continue;
        };
        let message = standardize(&event, Vec::new());
        let payload = render(&message);

        assert_eq!(
            violations(&payload),
            Vec::<String>::new(),
            "event {}",
            event.id()
        );
        for text in strings(&payload) {
            assert_eq!(
                stray_markup(text),
                Vec::<String>::new(),
                "event {}",
                event.id()
            );
        }
        rendered += 1;
    }

    assert!(rendered >= 2900, "only {rendered} events rendered");
}
