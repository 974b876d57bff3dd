//! The Slack destination with its webhook URL encrypted in the emulator's KMS,
//! and the whole pipeline: source, SNS, an SQS subscription standing in for
//! Lambda's, the destination and a local Slack stand-in.

use std::collections::BTreeMap;
use std::time::Duration;

use activity_aware::Message;
use activity_aware::config::{WEBHOOK_ENCRYPTION_CONTEXT_KEY, WEBHOOK_ENCRYPTION_CONTEXT_VALUE};
use activity_aware_aws_tests::{
    WEBHOOK_CONTEXT, create_key, drain, encrypt, records, sdk_config, shared_moto,
    subscription_event, topic_with_queue, trail_logs,
};
use activity_aware_source_cloudtrail::detect::Rules;
use activity_aware_source_cloudtrail::handler::{Report, Source};
use activity_aware_source_cloudtrail::publish::Collect;
use activity_aware_source_cloudtrail::sns::SnsPublisher;
use aws_lambda_events::event::sns::SnsEvent;
use destination_slack::config::RetryConfig;
use destination_slack::error::Error;
use destination_slack::handler::handle;
use destination_slack::kms::{Kms, Schemes, decrypt_webhook};
use destination_slack::render::render;
use destination_slack::webhook::SlackWebhook;
use serde_json::{Value, json};
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const HOOK_PATH: &str = "/services/T0SECRET/B0SECRET/xoxSECRETtoken42";

/// A local server in Slack's place that answers `ok` on the webhook path.
async fn slack_stand_in() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(HOOK_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    server
}

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(20)
}

fn retry() -> RetryConfig {
    RetryConfig {
        request_timeout: Duration::from_secs(5),
        ..RetryConfig::default()
    }
}

/// An SNS event as Lambda delivers it, made from the envelope an SQS
/// subscription received for the same notification.
fn lambda_event(envelope: &Value, subscription_arn: &str) -> SnsEvent {
    let text = |key: &str| envelope[key].as_str().unwrap_or_default().to_owned();
    let record = json!({
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "Sns": {
            "Type": text("Type"),
            "MessageId": text("MessageId"),
            "TopicArn": text("TopicArn"),
            "Subject": envelope.get("Subject").cloned().unwrap_or(Value::Null),
            "Message": text("Message"),
            "Timestamp": text("Timestamp"),
            "SignatureVersion": text("SignatureVersion"),
            "Signature": text("Signature"),
            "SigningCertUrl": text("SigningCertURL"),
            "UnsubscribeUrl": text("UnsubscribeURL"),
            "MessageAttributes": envelope.get("MessageAttributes").cloned().unwrap_or(json!({})),
        }
    });
    serde_json::from_value(json!({"Records": [record]}))
        .unwrap_or_else(|error| panic!("not an SNS event ({error}): {record}"))
}

#[tokio::test]
async fn the_destination_decrypts_the_webhook_and_posts() {
    let config = sdk_config(&shared_moto().endpoint()).await;
    let key_id = create_key(&config).await;
    let slack = slack_stand_in().await;
    let url = format!("{}{HOOK_PATH}", slack.uri());
    let ciphertext = encrypt(&config, &key_id, &url, WEBHOOK_CONTEXT).await;
    assert!(!ciphertext.contains("SECRET"));

    let kms = Kms::new(aws_sdk_kms::Client::new(&config));
    let webhook_url = decrypt_webhook(&kms, &ciphertext, Schemes::HttpsOrLoopbackHttp)
        .await
        .unwrap();
    let webhook = SlackWebhook::new(webhook_url, retry()).unwrap();

    let message = sample_message().await;
    let event: SnsEvent = serde_json::from_value(json!({"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:activity:1",
        "Sns": {"Type": "Notification", "MessageId": "m-1",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:activity",
            "Message": message.to_json(), "Timestamp": "2026-01-01T00:00:00.000Z",
            "SignatureVersion": "1", "Signature": "", "SigningCertUrl": "",
            "UnsubscribeUrl": "", "MessageAttributes": {}}
    }]}))
    .unwrap();
    handle(&webhook, event, deadline()).await.unwrap();

    let posts = slack.received_requests().await.unwrap();
    assert_eq!(posts.len(), 1);
    let posted: Value = serde_json::from_slice(&posts[0].body).unwrap();
    assert_eq!(posted, render(&message));
}

#[tokio::test]
async fn a_deployed_function_refuses_a_decrypted_plain_http_url() {
    let config = sdk_config(&shared_moto().endpoint()).await;
    let key_id = create_key(&config).await;
    let url = format!("http://127.0.0.1:9{HOOK_PATH}");
    let ciphertext = encrypt(&config, &key_id, &url, WEBHOOK_CONTEXT).await;
    let kms = Kms::new(aws_sdk_kms::Client::new(&config));

    let error = decrypt_webhook(&kms, &ciphertext, Schemes::HttpsOnly)
        .await
        .unwrap_err();

    assert_eq!(
        error.to_string(),
        "the URL decrypted from `SLACK_WEBHOOK_CIPHERTEXT` must be https, not `http`"
    );

    let https = "https://hooks.slack.com/services/T0SECRET/B0SECRET/xoxSECRETtoken42";
    let ciphertext = encrypt(&config, &key_id, https, WEBHOOK_CONTEXT).await;
    let accepted = decrypt_webhook(&kms, &ciphertext, Schemes::HttpsOnly).await;
    assert_eq!(
        format!("{accepted:?}"),
        "Ok(WebhookUrl(<redacted>))",
        "an https URL is taken"
    );
}

#[tokio::test]
async fn a_ciphertext_made_for_another_context_is_refused() {
    let config = sdk_config(&shared_moto().endpoint()).await;
    let key_id = create_key(&config).await;
    let url = "https://hooks.slack.com/services/T0SECRET/B0SECRET/xoxSECRETtoken42";
    let kms = Kms::new(aws_sdk_kms::Client::new(&config));

    for context in [
        (WEBHOOK_ENCRYPTION_CONTEXT_KEY, "pagerduty-key"),
        ("purpose", WEBHOOK_ENCRYPTION_CONTEXT_VALUE),
    ] {
        let ciphertext = encrypt(&config, &key_id, url, context).await;

        let error = decrypt_webhook(&kms, &ciphertext, Schemes::HttpsOnly)
            .await
            .unwrap_err();

        let Error::DecryptFailed { code, .. } = &error else {
            panic!("unexpected error: {error}");
        };
        assert_eq!(code, "InvalidCiphertextException");
        let text = error.to_string();
        assert!(
            text.starts_with(
                "KMS could not decrypt `SLACK_WEBHOOK_CIPHERTEXT` (`InvalidCiphertextException`): \
                 the ciphertext does not decrypt under the encryption context \
                 `activity-aware:purpose=slack-webhook`"
            ),
            "{text}"
        );
        assert!(!text.contains("SECRET"), "{text}");
    }
}

/// A message the source makes from the corpus.
async fn sample_message() -> Message {
    let source = Source {
        detector: Rules::load(None, None).unwrap(),
        publisher: Collect::default(),
        report: Report::All,
    };
    let event = subscription_event("CloudTrail/DefaultLogGroup", &records(&trail_logs()[0]));
    source.handle_subscription(&event).await.unwrap();
    source.publisher.messages().remove(0)
}

#[tokio::test]
async fn source_to_slack_through_sns() {
    let config = sdk_config(&shared_moto().endpoint()).await;
    let subscribed = topic_with_queue(&config, None).await;
    let key_id = create_key(&config).await;
    let slack = slack_stand_in().await;
    let ciphertext = encrypt(
        &config,
        &key_id,
        &format!("{}{HOOK_PATH}", slack.uri()),
        WEBHOOK_CONTEXT,
    )
    .await;

    // The source, as its Lambda function runs it.
    let events: Vec<Value> = trail_logs()
        .iter()
        .map(|path| subscription_event("CloudTrail/DefaultLogGroup", &records(path)))
        .collect();
    let source = Source {
        detector: Rules::load(None, None).unwrap(),
        publisher: SnsPublisher::new(aws_sdk_sns::Client::new(&config), &subscribed.topic_arn),
        report: Report::Findings,
    };
    let expected = Source {
        detector: Rules::load(None, None).unwrap(),
        publisher: Collect::default(),
        report: Report::Findings,
    };
    for event in &events {
        source.handle_subscription(event).await.unwrap();
        expected.handle_subscription(event).await.unwrap();
    }
    let expected: BTreeMap<String, Message> = expected
        .publisher
        .messages()
        .into_iter()
        .map(|message| (message.id.clone(), message))
        .collect();

    // The destination, as its Lambda function runs it: one SNS record per
    // invocation.
    let kms = Kms::new(aws_sdk_kms::Client::new(&config));
    let url = decrypt_webhook(&kms, &ciphertext, Schemes::HttpsOrLoopbackHttp)
        .await
        .unwrap();
    let webhook = SlackWebhook::new(url, retry()).unwrap();
    let envelopes = drain(&config, &subscribed.queue_url).await;
    assert_eq!(envelopes.len(), expected.len());
    for envelope in &envelopes {
        let event = lambda_event(envelope, &subscribed.subscription_arn);
        handle(&webhook, event, deadline()).await.unwrap();
    }

    let mut posted: Vec<String> = slack
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|post| {
            serde_json::from_slice::<Value>(&post.body)
                .unwrap()
                .to_string()
        })
        .collect();
    let mut rendered: Vec<String> = expected
        .values()
        .map(|message| render(message).to_string())
        .collect();
    posted.sort();
    rendered.sort();
    assert_eq!(posted.len(), rendered.len());
    assert!(
        posted == rendered,
        "the posts differ from the rendered messages"
    );
}
