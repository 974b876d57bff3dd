/*!
Source throughput on CloudWatch Logs subscription batches built from the
CloudTrail corpus, against the floor any CloudTrail pipeline pays.

Every event of the corpus goes through each measurement once per iteration,
cut into batches of 1 event, of 100 events, and of about 1 MB of log events
(CloudWatch Logs' largest batch). Three ways through each set of batches:

- `report-all`: the whole source (decode, parse, rules, standardize, group,
  one JSON document per message) with every event reported, so every event
  is standardized and serialized;
- `report-findings`: the same with the default report, only events that
  matched a rule become messages;
- `floor`: base64, gunzip, the batch parsed to a `serde_json::Value` and
  every log event's message parsed to a `Value`, and nothing else.

Besides criterion's results, the workload (events and decoded bytes per
iteration) is written to `workload.json`, and one full 1 MB subscription
event to `batch-1mb.json`, for the memory figure, in the output directory
(`BENCH_OUT`, else `activity-aware-bench` in the target directory).
*/

use std::hint::black_box;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use activity_aware::Message;
use activity_aware_aws_tests::{records, trail_logs};
use activity_aware_source_cloudtrail::detect::Rules;
use activity_aware_source_cloudtrail::handler::{Report, Source, Summary};
use activity_aware_source_cloudtrail::publish::{Publish, PublishError};
use base64::Engine;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde_json::{Value, json};

/// The allocator the source binary runs with, so that both paths here are
/// measured as the function would run them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// CloudWatch Logs' batch limit: the log events' bytes plus 26 bytes each.
const BATCH_MAX_BYTES: usize = 1_048_576;
const EVENT_OVERHEAD_BYTES: usize = 26;

/// The batch sizes measured, as named in the results.
const SIZES: [(&str, BatchSize); 3] = [
    ("1-event", BatchSize::Events(1)),
    ("100-events", BatchSize::Events(100)),
    ("1mb", BatchSize::Bytes(BATCH_MAX_BYTES)),
];

#[derive(Debug, Clone, Copy)]
enum BatchSize {
    Events(usize),
    Bytes(usize),
}

/// Every corpus event as CloudWatch Logs delivers it: compact JSON text.
/// The corpus must be present; without it this stops and says so.
fn corpus_events() -> Vec<String> {
    trail_logs()
        .iter()
        .flat_map(|file| records(file))
        .map(|record| record.to_string())
        .collect()
}

fn fail(message: &str) -> ! {
    eprintln!("bench: {message}");
    std::process::exit(1)
}

/// The corpus cut into batches of one size. Byte-sized batches are filled up
/// to the limit, going round the corpus for the last one, so that each is a
/// full batch.
fn batches(events: &[String], size: BatchSize) -> Vec<Vec<&str>> {
    match size {
        BatchSize::Events(count) => events
            .chunks(count)
            .map(|chunk| chunk.iter().map(String::as_str).collect())
            .collect(),
        BatchSize::Bytes(limit) => {
            let total: usize = events.iter().map(|e| e.len() + EVENT_OVERHEAD_BYTES).sum();
            let wanted = total.div_ceil(limit);
            let mut batches = Vec::with_capacity(wanted);
            let mut cycle = events.iter().cycle();
            let mut current: Vec<&str> = Vec::new();
            let mut used = 0;
            while batches.len() < wanted {
                let Some(event) = cycle.next() else { break };
                let cost = event.len() + EVENT_OVERHEAD_BYTES;
                if used + cost > limit && !current.is_empty() {
                    batches.push(std::mem::take(&mut current));
                    used = 0;
                }
                current.push(event);
                used += cost;
            }
            batches
        }
    }
}

/// A subscription event as Lambda receives it, holding these log events.
fn subscription(events: &[&str], first_id: usize) -> Value {
    let log_events: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(index, message)| {
            json!({
                "id": format!("{:056}", first_id + index),
                "timestamp": 1_688_990_000_000_u64 + (first_id + index) as u64,
                "message": message,
            })
        })
        .collect();
    let batch = json!({
        "messageType": "DATA_MESSAGE",
        "owner": "111122221111",
        "logGroup": "CloudTrail/DefaultLogGroup",
        "logStream": "111122221111_CloudTrail_us-east-1",
        "subscriptionFilters": ["activity-aware"],
        "logEvents": log_events,
    });

    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    let compressed = encoder
        .write_all(batch.to_string().as_bytes())
        .and_then(|()| encoder.finish())
        .unwrap_or_else(|error| fail(&format!("cannot compress a batch: {error}")));
    json!({"awslogs": {"data": base64::engine::general_purpose::STANDARD.encode(compressed)}})
}

/// Serializes every message as the SNS publisher would, and drops it.
struct Discard;

impl Publish for Discard {
    async fn publish(&self, messages: &[Message]) -> Result<(), PublishError> {
        for message in messages {
            black_box(message.to_json());
        }
        Ok(())
    }
}

/// The floor: decode and parse the batch and every event to generic JSON.
fn floor(payload: &Value) -> usize {
    let Some(data) = payload.pointer("/awslogs/data").and_then(Value::as_str) else {
        fail("a payload has no `awslogs.data`");
    };
    let compressed = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap_or_else(|error| fail(&format!("bad base64: {error}")));
    let mut json = Vec::with_capacity(compressed.len() * 8);
    if let Err(error) = GzDecoder::new(compressed.as_slice()).read_to_end(&mut json) {
        fail(&format!("bad gzip: {error}"));
    }
    let batch: Value = serde_json::from_slice(&json)
        .unwrap_or_else(|error| fail(&format!("bad batch JSON: {error}")));

    let mut parsed = 0;
    for entry in batch["logEvents"].as_array().into_iter().flatten() {
        let text = entry["message"].as_str().unwrap_or_default();
        let event: Value = serde_json::from_str(text)
            .unwrap_or_else(|error| fail(&format!("bad event JSON: {error}")));
        black_box(&event);
        parsed += 1;
    }
    parsed
}

fn output_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BENCH_OUT") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("activity-aware-bench")
}

fn write(path: &Path, text: &str) {
    if let Err(error) = std::fs::write(path, text) {
        fail(&format!("cannot write {}: {error}", path.display()));
    }
}

fn pipeline(c: &mut Criterion) {
    let events = corpus_events();
    let rules = |report| Source {
        detector: Rules::load(None, None)
            .unwrap_or_else(|error| fail(&format!("the rules do not load: {error}"))),
        publisher: Discard,
        report,
    };
    let all = rules(Report::All);
    let findings = rules(Report::Findings);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|error| fail(&format!("no runtime: {error}")));

    let out = output_dir();
    if let Err(error) = std::fs::create_dir_all(&out) {
        fail(&format!("cannot create {}: {error}", out.display()));
    }
    let mut workload = serde_json::Map::new();

    for (name, size) in SIZES {
        let batches = batches(&events, size);
        let mut first_id = 0;
        let payloads: Vec<Value> = batches
            .iter()
            .map(|batch| {
                let payload = subscription(batch, first_id);
                first_id += batch.len();
                payload
            })
            .collect();
        let event_count: usize = batches.iter().map(Vec::len).sum();
        let bytes: usize = batches.iter().flatten().map(|event| event.len()).sum();

        // Every payload must decode and every event be read, in both paths.
        let summaries = [&all, &findings].map(|source| {
            runtime.block_on(async {
                let mut total = Summary::default();
                for payload in &payloads {
                    match source.handle_subscription(payload).await {
                        Ok(summary) => total.add(&summary),
                        Err(error) => fail(&format!("a {name} batch failed: {error}")),
                    }
                }
                total
            })
        });
        let floor_events: usize = payloads.iter().map(floor).sum();
        for summary in &summaries {
            assert_eq!(
                (summary.log_events, summary.skipped, floor_events),
                (event_count, 0, event_count),
                "every event of the {name} batches is read as a CloudTrail event"
            );
        }

        if let BatchSize::Bytes(_) = size {
            write(&out.join("batch-1mb.json"), &payloads[0].to_string());
        }
        workload.insert(
            name.to_owned(),
            json!({
                "batches": payloads.len(),
                "events": event_count,
                "decoded_bytes": bytes,
                "largest_batch_events": batches.iter().map(Vec::len).max().unwrap_or(0),
                "payload_bytes": payloads.iter().map(|p| p.to_string().len()).sum::<usize>(),
                "messages_report_all": summaries[0].published,
                "messages_report_findings": summaries[1].published,
            }),
        );

        let mut group = c.benchmark_group(format!("pipeline-{name}"));
        group.throughput(Throughput::Elements(event_count as u64));
        for (id, source) in [("report-all", &all), ("report-findings", &findings)] {
            group.bench_function(id, |b| {
                b.iter(|| {
                    runtime.block_on(async {
                        for payload in &payloads {
                            let summary = source.handle_subscription(payload).await;
                            black_box(summary.is_ok());
                        }
                    })
                })
            });
        }
        group.bench_function("floor", |b| {
            b.iter(|| {
                for payload in &payloads {
                    black_box(floor(payload));
                }
            })
        });
        group.finish();
    }

    write(
        &out.join("workload.json"),
        &serde_json::to_string_pretty(&Value::Object(workload)).unwrap_or_default(),
    );
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
    targets = pipeline
}
criterion_main!(benches);
