//! Publishing when SNS fails: the emulator gone, and a stand-in SNS that
//! lists entries of a batch as failed.

use std::sync::Mutex;
use std::time::Duration;

use activity_aware_aws_tests::sns_query::{BatchAnswer, publish_batch_entries};
use activity_aware_aws_tests::{
    Moto, create_topic, denial_messages, records, sdk_config, subscription_event, trail_logs,
};
use activity_aware_source_cloudtrail::detect::Rules;
use activity_aware_source_cloudtrail::handler::{HandlerError, Report, Source};
use activity_aware_source_cloudtrail::publish::{Collect, PublishError};
use activity_aware_source_cloudtrail::sns::{SnsPublisher, SnsRetry};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[tokio::test]
async fn a_stopped_emulator_fails_the_invocation_with_a_clear_error() {
    let mut moto = Moto::start();
    let config = sdk_config(&moto.endpoint()).await;
    let topic_arn = create_topic(&config).await;
    let event = subscription_event("CloudTrail/DefaultLogGroup", &records(&trail_logs()[0]));
    let expected = {
        let source = Source {
            detector: Rules::load(None, None).unwrap(),
            publisher: Collect::default(),
            report: Report::All,
        };
        source.handle_subscription(&event).await.unwrap();
        source.publisher.messages().len()
    };
    assert!(expected > 0);

    moto.stop();
    let source = Source {
        detector: Rules::load(None, None).unwrap(),
        publisher: SnsPublisher::new(aws_sdk_sns::Client::new(&config), &topic_arn),
        report: Report::All,
    };
    let error = source.handle_subscription(&event).await.unwrap_err();

    let HandlerError::Publish(PublishError::Sns {
        failed,
        total,
        reason,
    }) = &error
    else {
        panic!("unexpected error: {error}");
    };
    assert_eq!((*failed, *total), (expected, expected));
    assert!(
        reason.starts_with("the PublishBatch request failed: dispatch failure"),
        "{reason}"
    );
    assert!(
        error.to_string().starts_with(&format!(
            "{expected} of {expected} messages could not be published to SNS"
        )),
        "{error}"
    );
}

/// Answers `PublishBatch` requests: entries named in `fail_once` fail on
/// their first attempt only, those in `fail_always` every time, those in
/// `refuse` with a sender fault. Keeps every request body.
struct FakeSns {
    fail_once: Vec<&'static str>,
    fail_always: Vec<&'static str>,
    refuse: Vec<&'static str>,
    bodies: Mutex<Vec<String>>,
}

impl FakeSns {
    fn new(
        fail_once: &[&'static str],
        fail_always: &[&'static str],
        refuse: &[&'static str],
    ) -> FakeSns {
        FakeSns {
            fail_once: fail_once.to_vec(),
            fail_always: fail_always.to_vec(),
            refuse: refuse.to_vec(),
            bodies: Mutex::new(Vec::new()),
        }
    }
}

/// The entry ids of a `PublishBatch` request, in order.
fn entry_ids(body: &str) -> Vec<String> {
    publish_batch_entries(body)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

impl Respond for &'static FakeSns {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&request.body).into_owned();
        let first_attempt = {
            let mut bodies = self.bodies.lock().unwrap();
            bodies.push(body.clone());
            bodies.len() == 1
        };

        let mut answer = BatchAnswer::default();
        for id in entry_ids(&body) {
            let id = id.as_str();
            if self.refuse.contains(&id) {
                answer.fail(id, "InvalidParameter", "Invalid parameter: Message", true);
            } else if self.fail_always.contains(&id)
                || (first_attempt && self.fail_once.contains(&id))
            {
                answer.fail(id, "InternalError", "try again", false);
            } else {
                answer.accept(id, &format!("sns-{id}"));
            }
        }
        answer.response()
    }
}

async fn publisher(fake: &'static FakeSns) -> (MockServer, SnsPublisher) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(fake)
        .mount(&server)
        .await;
    let config = sdk_config(&server.uri()).await;
    let publisher = SnsPublisher::new(
        aws_sdk_sns::Client::new(&config),
        "arn:aws:sns:us-east-1:123456789012:activity",
    )
    .with_retry(SnsRetry {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
    });
    (server, publisher)
}

#[tokio::test]
async fn only_entries_listed_as_failed_are_sent_again() {
    let fake: &'static FakeSns = Box::leak(Box::new(FakeSns::new(&["m1"], &[], &["m2"])));
    let (_server, publisher) = publisher(fake).await;

    let error = publisher
        .publish_all(&denial_messages(4))
        .await
        .unwrap_err();

    let PublishError::Sns {
        failed,
        total,
        reason,
    } = &error
    else {
        panic!("unexpected error: {error}");
    };
    assert_eq!((*failed, *total), (1, 4));
    assert_eq!(
        reason,
        "SNS refused them: `InvalidParameter` for 1 (Invalid parameter: Message)"
    );
    let bodies = fake.bodies.lock().unwrap();
    let sent: Vec<Vec<String>> = bodies.iter().map(|body| entry_ids(body)).collect();
    assert_eq!(sent, vec![vec!["m0", "m1", "m2", "m3"], vec!["m1"]]);
}

#[tokio::test]
async fn an_entry_that_keeps_failing_fails_the_publish_naming_the_code() {
    let fake: &'static FakeSns = Box::leak(Box::new(FakeSns::new(&[], &["m0"], &[])));
    let (_server, publisher) = publisher(fake).await;

    let error = publisher
        .publish_all(&denial_messages(12))
        .await
        .unwrap_err();

    assert_eq!(
        error.to_string(),
        "1 of 12 messages could not be published to SNS: \
         SNS refused them: `InternalError` for 1 (try again)"
    );
    let bodies = fake.bodies.lock().unwrap();
    let sent: Vec<usize> = bodies.iter().map(|body| entry_ids(body).len()).collect();
    // Ten, then the first entry twice more, then the last two.
    assert_eq!(sent, vec![10, 1, 1, 2]);
}
