//! The source publishing to SNS in the emulator: what SQS and HTTP
//! subscribers receive, filter policies, batching and trimming.

use std::collections::BTreeMap;

use activity_aware::Message;
use activity_aware::standardize::CUT_MARKER;
use activity_aware_aws_tests::{
    add_queue, denial_messages, drain, envelope_attributes, message_schema, records, sdk_config,
    shared_moto, subscription_event, topic_with_queue, trail_logs,
};
use activity_aware_source_cloudtrail::detect::Rules;
use activity_aware_source_cloudtrail::email;
use activity_aware_source_cloudtrail::handler::{Report, Source, Summary};
use activity_aware_source_cloudtrail::publish::Collect;
use activity_aware_source_cloudtrail::sns::{self, MESSAGE_MAX_BYTES, SnsPublisher};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const LOG_GROUP: &str = "CloudTrail/DefaultLogGroup";

/// One subscription event per corpus trail log, as CloudWatch Logs would
/// deliver them.
fn corpus_events() -> Vec<Value> {
    trail_logs()
        .iter()
        .map(|path| subscription_event(LOG_GROUP, &records(path)))
        .collect()
}

/// What the source publishes for the events, kept in memory.
async fn expected(events: &[Value], report: Report) -> Vec<Message> {
    let source = Source {
        detector: Rules::load(None, None).unwrap(),
        publisher: Collect::default(),
        report,
    };
    for event in events {
        source.handle_subscription(event).await.unwrap();
    }
    source.publisher.messages()
}

/// Runs the events through the source publishing to the topic.
async fn publish(
    config: &aws_config::SdkConfig,
    topic_arn: &str,
    events: &[Value],
    report: Report,
) -> Summary {
    let source = Source {
        detector: Rules::load(None, None).unwrap(),
        publisher: SnsPublisher::new(aws_sdk_sns::Client::new(config), topic_arn),
        report,
    };
    let mut total = Summary::default();
    for event in events {
        total.add(&source.handle_subscription(event).await.unwrap());
    }
    total
}

fn by_id(messages: Vec<Message>) -> BTreeMap<String, Message> {
    let count = messages.len();
    let map: BTreeMap<String, Message> = messages
        .into_iter()
        .map(|message| (message.id.clone(), message))
        .collect();
    assert_eq!(map.len(), count, "message ids repeat");
    map
}

fn sorted_ids<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut ids: Vec<String> = ids.map(str::to_owned).collect();
    ids.sort();
    ids
}

/// The contract message inside an SNS envelope, checked against the schema.
fn message_in(envelope: &Value, schema: &jsonschema::Validator) -> Message {
    let text = envelope["Message"]
        .as_str()
        .unwrap_or_else(|| panic!("envelope without Message: {envelope}"));
    let json: Value = serde_json::from_str(text).unwrap();
    let errors: Vec<String> = schema.iter_errors(&json).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{text:.300}: {errors:?}");
    Message::from_json(text).unwrap()
}

fn attributes_of(message: &Message) -> BTreeMap<String, (String, String)> {
    sns::attributes(message)
        .into_iter()
        .map(|a| (a.name.to_owned(), (a.data_type.to_owned(), a.value)))
        .collect()
}

#[tokio::test]
async fn subscribers_receive_exactly_the_messages_the_source_makes() {
    let moto = shared_moto();
    let config = sdk_config(&moto.endpoint()).await;
    let subscribed = topic_with_queue(&config, None).await;

    let http = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&http)
        .await;
    aws_sdk_sns::Client::new(&config)
        .subscribe()
        .topic_arn(&subscribed.topic_arn)
        .protocol("http")
        .endpoint(format!("{}/activity", http.uri()))
        .send()
        .await
        .unwrap();

    let events = corpus_events();
    let expected = by_id(expected(&events, Report::Findings).await);
    assert!(
        expected.len() > 10,
        "too few messages to test: {}",
        expected.len()
    );

    let summary = publish(&config, &subscribed.topic_arn, &events, Report::Findings).await;
    assert_eq!(summary.published, expected.len());

    let schema = jsonschema::validator_for(&message_schema()).unwrap();
    let envelopes = drain(&config, &subscribed.queue_url).await;
    assert_eq!(envelopes.len(), expected.len());
    for envelope in &envelopes {
        assert_eq!(envelope["Type"], "Notification");
        assert_eq!(envelope["TopicArn"], subscribed.topic_arn.as_str());

        let message = message_in(envelope, &schema);
        let made = &expected[&message.id];
        assert_eq!(&message, made);
        assert_eq!(envelope_attributes(envelope), attributes_of(made));
        assert_eq!(envelope["Subject"], email::subject(made).as_str());
    }
    let received: Vec<String> = envelopes
        .iter()
        .map(|envelope| message_in(envelope, &schema).id)
        .collect();
    assert_eq!(
        sorted_ids(received.iter().map(String::as_str)),
        sorted_ids(expected.keys().map(String::as_str))
    );

    let posts = http.received_requests().await.unwrap();
    assert_eq!(posts.len(), expected.len());
    let mut posted = Vec::new();
    for post in &posts {
        let envelope: Value = serde_json::from_slice(&post.body).unwrap();
        posted.push(message_in(&envelope, &schema).id);
    }
    posted.sort();
    assert_eq!(posted, sorted_ids(expected.keys().map(String::as_str)));
}

#[tokio::test]
async fn a_severity_filter_policy_lets_only_matching_messages_through() {
    let moto = shared_moto();
    let config = sdk_config(&moto.endpoint()).await;
    let policy = json!({"severity": ["high", "critical"]});
    let subscribed = topic_with_queue(&config, Some(&policy)).await;
    // The built-in rule "IAM policy changed".
    const IAM_POLICY_CHANGED: &str = "e6b86942-58a7-48ba-aa04-c20021920d03";
    let rule_policy = json!({"rule": [IAM_POLICY_CHANGED]});
    let (rule_queue, _) = add_queue(&config, &subscribed.topic_arn, Some(&rule_policy)).await;

    let events = corpus_events();
    let all = expected(&events, Report::Findings).await;
    let urgent = sorted_ids(
        all.iter()
            .filter(|m| matches!(m.severity.as_str(), "high" | "critical"))
            .map(|m| m.id.as_str()),
    );
    let policy_changes = sorted_ids(
        all.iter()
            .filter(|m| m.findings.iter().any(|f| f.rule_id == IAM_POLICY_CHANGED))
            .map(|m| m.id.as_str()),
    );
    assert!(!policy_changes.is_empty());
    assert!(
        !urgent.is_empty() && urgent.len() < all.len(),
        "{} of {}",
        urgent.len(),
        all.len()
    );

    publish(&config, &subscribed.topic_arn, &events, Report::Findings).await;

    let schema = jsonschema::validator_for(&message_schema()).unwrap();
    let received: Vec<Message> = drain(&config, &subscribed.queue_url)
        .await
        .iter()
        .map(|envelope| message_in(envelope, &schema))
        .collect();
    assert_eq!(sorted_ids(received.iter().map(|m| m.id.as_str())), urgent);

    let by_rule: Vec<Message> = drain(&config, &rule_queue)
        .await
        .iter()
        .map(|envelope| message_in(envelope, &schema))
        .collect();
    assert_eq!(
        sorted_ids(by_rule.iter().map(|m| m.id.as_str())),
        policy_changes
    );
}

#[tokio::test]
async fn more_than_ten_messages_go_out_in_requests_of_ten_each_once() {
    let moto = shared_moto();
    let config = sdk_config(&moto.endpoint()).await;
    let subscribed = topic_with_queue(&config, None).await;
    let messages = denial_messages(23);

    let publisher = SnsPublisher::new(aws_sdk_sns::Client::new(&config), &subscribed.topic_arn);
    let stats = publisher.publish_all(&messages).await.unwrap();

    assert_eq!(stats.published, 23);
    assert_eq!(stats.requests, 3);
    assert_eq!(stats.retried, 0);
    let envelopes = drain(&config, &subscribed.queue_url).await;
    let schema = jsonschema::validator_for(&message_schema()).unwrap();
    let received = sorted_ids(
        envelopes
            .iter()
            .map(|envelope| message_in(envelope, &schema).id)
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    );
    assert_eq!(received, sorted_ids(messages.iter().map(|m| m.id.as_str())));
}

#[tokio::test]
async fn an_event_of_250_kb_is_published_trimmed_and_valid() {
    let moto = shared_moto();
    let config = sdk_config(&moto.endpoint()).await;
    let subscribed = topic_with_queue(&config, None).await;
    let resources: Vec<Value> = (0..1_500)
        .map(|index| {
            json!({"ARN": format!("arn:aws:s3:::bucket/{index:05}/{}", "k".repeat(120)),
                "type": "AWS::S3::Object"})
        })
        .collect();
    let record = json!({
        "eventVersion": "1.09",
        "eventID": "11111111-2222-4333-8444-555555555555",
        "eventTime": "2024-03-01T10:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "DeleteObjects",
        "awsRegion": "us-east-1",
        "recipientAccountId": "111122223333",
        "errorCode": "AccessDenied",
        "errorMessage": "x".repeat(20_000),
        "userIdentity": {"type": "IAMUser", "userName": "alice"},
        "resources": resources,
    });
    assert!(record.to_string().len() > 250_000);
    let event = subscription_event(LOG_GROUP, &[record]);

    let summary = publish(&config, &subscribed.topic_arn, &[event], Report::All).await;

    assert_eq!(summary.published, 1);
    let envelopes = drain(&config, &subscribed.queue_url).await;
    assert_eq!(envelopes.len(), 1);
    let schema = jsonschema::validator_for(&message_schema()).unwrap();
    let message = message_in(&envelopes[0], &schema);
    assert!(message.resources.len() < 1_500);
    let note = message.details.last().unwrap();
    assert_eq!(
        note.value,
        format!(
            "{} resources left out{CUT_MARKER}",
            1_500 - message.resources.len()
        )
    );
    let published = envelopes[0]["Message"].as_str().unwrap().len();
    assert!(published < MESSAGE_MAX_BYTES, "{published}");
    assert_eq!(envelope_attributes(&envelopes[0]), attributes_of(&message));
}
