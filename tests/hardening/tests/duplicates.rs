//! At-least-once delivery: CloudWatch Logs and SNS may deliver the same
//! input twice. A retried source invocation publishes the same messages
//! with the same ids (single events and grouped ones alike), so a consumer
//! can drop the repeat by `id`; the Slack destination posts a repeated
//! record again, an identical post.

use std::time::Duration;

use activity_aware::Message;
use activity_aware_aws_tests::{add_queue, create_topic, drain, sdk_config, shared_moto};
use activity_aware_hardening_tests::{
    Outcome, denial, payload_of, publisher, rules, run_destination, slack_ok, slack_stand_in,
};
use activity_aware_source_cloudtrail::handler::{Report, Source};
use activity_aware_source_cloudtrail::lambda;
use serde_json::Value;

#[tokio::test]
async fn a_retried_source_invocation_publishes_the_same_ids_again() {
    let config = sdk_config(&shared_moto().endpoint()).await;
    let topic_arn = create_topic(&config).await;
    let (queue_url, _) = add_queue(&config, &topic_arn, None).await;
    // Three denials by alice group into one message; bob's and carol's
    // stand alone.
    let events: Vec<String> = [
        (1, "alice"),
        (2, "alice"),
        (3, "alice"),
        (4, "bob"),
        (5, "carol"),
    ]
    .iter()
    .map(|(index, user)| denial(*index, user).to_string())
    .collect();
    let payload = payload_of(&events);
    let source = Source {
        detector: rules(),
        publisher: publisher(&config, &topic_arn),
        report: Report::Findings,
    };

    let first = lambda::handle(&source, &payload)
        .await
        .unwrap_or_else(|error| panic!("first delivery: {error}"));
    let first_messages = messages(drain(&config, &queue_url).await);
    let again = lambda::handle(&source, &payload)
        .await
        .unwrap_or_else(|error| panic!("second delivery: {error}"));
    let again_messages = messages(drain(&config, &queue_url).await);

    assert_eq!(first, again);
    assert_eq!(first["published"], 3, "{first}");
    assert_eq!(first_messages.len(), 3);
    let grouped: Vec<u32> = first_messages
        .iter()
        .filter_map(|message| message.occurrences.as_ref().map(|seen| seen.count))
        .collect();
    assert_eq!(grouped, vec![3]);
    // Same ids, same content: the repeat is recognisable and harmless to
    // drop.
    assert_eq!(first_messages, again_messages);
    let mut ids: Vec<&str> = first_messages
        .iter()
        .map(|message| message.id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "ids are not distinct: {ids:?}");
}

/// Contract messages in the envelopes, sorted by id.
fn messages(envelopes: Vec<Value>) -> Vec<Message> {
    let mut messages: Vec<Message> = envelopes
        .iter()
        .map(|envelope| {
            Message::from_json(envelope["Message"].as_str().unwrap_or_default())
                .unwrap_or_else(|error| panic!("not a message: {error}"))
        })
        .collect();
    messages.sort_by(|a, b| a.id.cmp(&b.id));
    messages
}

#[tokio::test]
async fn the_slack_destination_posts_a_redelivered_record_again() {
    let slack = slack_stand_in(vec![slack_ok()]).await;
    let record = vec![activity_aware_hardening_tests::message_text(1)];

    for _ in 0..2 {
        let outcome = run_destination(&slack, &record, Duration::from_secs(5)).await;
        assert_eq!(outcome.kind(), "delivered", "{outcome:?}");
        assert!(matches!(outcome, Outcome::Delivered(_)));
    }

    let bodies: Vec<Vec<u8>> = slack
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|request| request.body)
        .collect();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], bodies[1], "the repeat is an identical post");
}
