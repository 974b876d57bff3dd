/*!
Slack rendering throughput: every event of the CloudTrail corpus
(the gzip-compressed trail logs) standardized once, then per iteration each message
rendered as a Block Kit payload and serialized to the JSON text that is
posted.

Refusals carry the access-denied finding, as the source's default report
would deliver them, so that the findings section is rendered too.
*/

use std::hint::black_box;
use std::time::Duration;

use activity_aware::Message;
use activity_aware::cloudtrail::Event;
use activity_aware::message::{Finding, Outcome, Severity};
use activity_aware::standardize::standardize;
use activity_aware_aws_tests::{records, trail_logs};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use destination_slack::render::render;

/// Every corpus event standardized; refusals with the access-denied finding.
/// The corpus must be present; without it this stops and says so.
fn corpus_messages() -> Vec<Message> {
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
    for file in trail_logs() {
        for record in records(&file) {
            let event = Event::from_value(record)
                .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
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
