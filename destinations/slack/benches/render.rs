/*!
Slack rendering throughput: every event of the CloudTrail corpus
(the gzip-compressed trail logs) standardized once, then per iteration each message
rendered as a Block Kit payload and serialized to the JSON text that is
posted.

Refusals carry the access-denied finding, as the source's default report
would deliver them, so that the findings section is rendered too.
*/

use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use activity_aware::Message;
use activity_aware::cloudtrail::Event;
use activity_aware::message::{Finding, Outcome, Severity};
use activity_aware::standardize::standardize;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use destination_slack::render::render;
use flate2::read::GzDecoder;
use serde_json::Value;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/trail-logs"
);

fn fail(message: &str) -> ! {
    eprintln!("bench: {message}");
    std::process::exit(1)
}

fn corpus_messages() -> Vec<Message> {
    let dir = Path::new(CORPUS);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.to_string_lossy().ends_with(".json.gz"))
            .collect(),
        Err(error) => fail(&format!(
            "the CloudTrail corpus is absent: cannot read {}: {error}",
            dir.display()
        )),
    };
    if files.is_empty() {
        fail(&format!(
            "the CloudTrail corpus is absent: no *.json.gz in {}",
            dir.display()
        ));
    }
    files.sort();

    let denied = Finding {
        rule_id: "5177f808-af2e-4a7d-a1b5-f864ca982c78".to_owned(),
        title: "Access denied or unauthorized operation".to_owned(),
        severity: Severity::Medium,
        description: Some("An API call was refused for lack of permission.".to_owned()),
        references: vec![
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html"
                .to_owned(),
        ],
    };

    let mut messages = Vec::new();
    for file in files {
        let mut text = Vec::new();
        let read = std::fs::File::open(&file)
            .and_then(|handle| GzDecoder::new(handle).read_to_end(&mut text));
        if let Err(error) = read {
            fail(&format!("cannot read {}: {error}", file.display()));
        }
        let log: Value = serde_json::from_slice(&text)
            .unwrap_or_else(|error| fail(&format!("{} is not JSON: {error}", file.display())));
        let Some(records) = log.get("Records").and_then(Value::as_array) else {
            fail(&format!("{} has no `Records` list", file.display()));
        };
        for record in records {
            let event = Event::from_value(record.clone())
                .unwrap_or_else(|error| fail(&format!("{}: {error}", file.display())));
            let mut message = standardize(&event, Vec::new());
            if message.action.outcome == Outcome::Denied {
                message = standardize(&event, vec![denied.clone()]);
            }
            messages.push(message);
        }
    }
    messages
}

fn rendering(c: &mut Criterion) {
    let messages = corpus_messages();

    let mut group = c.benchmark_group("slack");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("render", |b| {
        b.iter(|| {
            for message in &messages {
                let payload = render(message);
                black_box(serde_json::to_vec(&payload).unwrap_or_default());
            }
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = rendering
}
criterion_main!(benches);
