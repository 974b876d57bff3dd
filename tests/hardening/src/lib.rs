/*!
Every bad input and every failing neighbour the pipeline must survive, as
cases that really run: hostile subscription payloads through the source,
SNS gone, slow or failing part of a batch, KMS refusing the webhook
ciphertext, Slack rate limiting, failing, hanging or refusing connections.

Each case ends in one [`Outcome`]: delivered, a failed invocation with the
error Lambda reports (so that AWS retries and in the end dead-letters the
input), or skipped with the reason. [`run_all`] runs them all; the tests
check each outcome and `failure-table` prints them as a markdown table.

The real parts are used wherever they exist: the source's and the
destination's own handlers, the AWS SDK against moto for SNS, SQS and KMS,
and HTTP servers on loopback standing in for Slack and for an SNS that fails
single entries, which moto cannot do.
*/

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use activity_aware::Message;
use activity_aware::cloudtrail::Event;
use activity_aware_aws_tests::sns_query::{BatchAnswer, publish_batch_entries, xml};
use activity_aware_aws_tests::{ACCOUNT, Moto, REGION, create_key, encrypt, sdk_config};
use activity_aware_source_cloudtrail::detect::Rules;
use activity_aware_source_cloudtrail::handler::{Report, Source};
use activity_aware_source_cloudtrail::lambda;
use activity_aware_source_cloudtrail::publish::Collect;
use activity_aware_source_cloudtrail::sns::{SnsPublisher, SnsRetry};
use aws_config::SdkConfig;
use aws_lambda_events::event::sns::SnsEvent;
use base64::Engine;
use destination_slack::config::{RetryConfig, WebhookUrl};
use destination_slack::handler::handle;
use destination_slack::kms::{Kms, Schemes, decrypt_webhook};
use destination_slack::webhook::SlackWebhook;
use lambda_runtime::Diagnostic;
use serde_json::{Value, json};
use tokio::time::Instant;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The secret part of the webhook URLs the stand-ins are reached by.
pub const HOOK_PATH: &str = "/services/T0HARDEN/B0HARDEN/hardeningSECRETtoken";

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Everything reached the next stage; what was delivered.
    Delivered(String),
    /// The invocation (or the function's start) failed: Lambda's error type
    /// and message.
    Failed(String),
    /// Nothing to deliver, by design; why.
    Skipped(String),
}

impl Outcome {
    /// `delivered`, `failed` or `skipped`.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Delivered(_) => "delivered",
            Outcome::Failed(_) => "failed",
            Outcome::Skipped(_) => "skipped",
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Outcome::Delivered(text) | Outcome::Failed(text) | Outcome::Skipped(text) => text,
        }
    }
}

/// One case and how it ended.
#[derive(Debug, Clone)]
pub struct Row {
    pub case: &'static str,
    pub outcome: Outcome,
}

/// The table rows, in markdown.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::from("| input or failure | observed outcome |\n|---|---|\n");
    for row in rows {
        let text = row.outcome.text().replace('|', "\\|").replace('\n', " ");
        out.push_str(&format!(
            "| {} | **{}**: {} |\n",
            row.case,
            row.outcome.kind(),
            text
        ));
    }
    out
}

// ---------------------------------------------------------------------------
// Inputs.

/// gzip of `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(bytes)
        .unwrap_or_else(|error| panic!("gzip: {error}"));
    encoder
        .finish()
        .unwrap_or_else(|error| panic!("gzip: {error}"))
}

/// `{"awslogs": {"data": ...}}` around raw bytes.
pub fn wrap_bytes(bytes: &[u8]) -> Value {
    json!({"awslogs": {"data": base64::engine::general_purpose::STANDARD.encode(bytes)}})
}

/// A data-message batch whose log events carry `messages` verbatim.
pub fn batch_of(messages: &[String]) -> Value {
    let log_events: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(index, message)| {
            json!({"id": format!("{index:056}"), "timestamp": 1_700_000_000_000_i64,
                   "message": message})
        })
        .collect();
    json!({
        "messageType": "DATA_MESSAGE", "owner": ACCOUNT,
        "logGroup": "CloudTrail/DefaultLogGroup",
        "logStream": format!("{ACCOUNT}_CloudTrail_{REGION}"),
        "subscriptionFilters": ["activity-aware"], "logEvents": log_events
    })
}

/// A subscription event carrying `messages` as log events.
pub fn payload_of(messages: &[String]) -> Value {
    wrap_bytes(&gzip(batch_of(messages).to_string().as_bytes()))
}

/// An access denial by `user`, which the built-in rules report.
pub fn denial(index: usize, user: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "eventID": format!("00000000-0000-4000-8000-{index:012}"),
        "eventTime": "2026-03-01T10:00:00Z",
        "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
        "awsRegion": REGION, "recipientAccountId": "111122223333",
        "sourceIPAddress": "203.0.113.9", "userAgent": "aws-cli/2.17",
        "errorCode": "AccessDenied",
        "errorMessage": "User: arn:aws:iam::111122223333:user/alice is not authorized",
        "eventType": "AwsApiCall",
        "userIdentity": {"type": "IAMUser", "userName": user,
            "arn": format!("arn:aws:iam::111122223333:user/{user}"),
            "accountId": "111122223333"}
    })
}

/// The messages the source makes of a payload, without publishing.
pub async fn expected_messages(payload: &Value) -> Vec<Message> {
    let source = Source {
        detector: rules(),
        publisher: Collect::default(),
        report: Report::Findings,
    };
    source
        .handle_subscription(payload)
        .await
        .unwrap_or_else(|error| panic!("the payload does not decode: {error}"));
    source.publisher.messages()
}

/// The built-in rules.
pub fn rules() -> Rules {
    Rules::load(None, None).unwrap_or_else(|error| panic!("the built-in rules: {error}"))
}

// ---------------------------------------------------------------------------
// Running the source.

/// Runs the source's Lambda handler on `payload`, publishing with
/// `publisher`, and says how it ended.
pub async fn run_source<P>(payload: &Value, publisher: P) -> Outcome
where
    P: activity_aware_source_cloudtrail::publish::Publish,
{
    let source = Source {
        detector: rules(),
        publisher,
        report: Report::Findings,
    };
    match lambda::handle(&source, payload).await {
        Ok(answer) => {
            let number = |key: &str| answer[key].as_u64().unwrap_or(u64::MAX);
            let (events, skipped, unmatched, published) = (
                number("logEvents"),
                number("skipped"),
                number("unmatched"),
                number("published"),
            );
            let totals = format!(
                "{events} log events, {published} messages published, {unmatched} without \
                 findings, {skipped} skipped"
            );
            if published > 0 {
                Outcome::Delivered(totals)
            } else {
                Outcome::Skipped(totals)
            }
        }
        Err(error) => {
            let diagnostic = Diagnostic::from(error);
            Outcome::Failed(format!(
                "`{}`: {}",
                diagnostic.error_type, diagnostic.error_message
            ))
        }
    }
}

/// Skipped log events with why each was skipped, as the source logs it.
pub fn skip_reasons(messages: &[String]) -> String {
    messages
        .iter()
        .filter_map(|message| Event::parse(message).err())
        .map(|error| error.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A publisher to `topic_arn` at `config`, retrying failed entries quickly.
pub fn publisher(config: &SdkConfig, topic_arn: &str) -> SnsPublisher {
    SnsPublisher::new(aws_sdk_sns::Client::new(config), topic_arn).with_retry(SnsRetry {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
    })
}

/// How many messages are waiting in an SQS queue.
pub async fn queue_depth(config: &SdkConfig, queue_url: &str) -> usize {
    let answer = aws_sdk_sqs::Client::new(config)
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .unwrap_or_else(|error| panic!("GetQueueAttributes: {error:?}"));
    answer
        .attributes()
        .and_then(|attributes| {
            attributes.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        })
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no ApproximateNumberOfMessages"))
}

/// A loopback address where nothing listens.
pub fn closed_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap_or_else(|error| panic!("no free local port: {error}"));
    let address = listener
        .local_addr()
        .unwrap_or_else(|error| panic!("no local address: {error}"));
    drop(listener);
    format!("http://{address}")
}

// ---------------------------------------------------------------------------
// An SNS that fails entries.

/// How the stand-in SNS answers `PublishBatch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnsFault {
    /// Every entry is accepted.
    None,
    /// Every other entry is listed as failed with `InternalError` on the
    /// first attempt and accepted on the next.
    EveryOtherOnce,
    /// The first entry of every request is always listed as failed.
    FirstAlways,
    /// Every request fails as a whole with HTTP 500.
    Http500,
    /// Every request is throttled with HTTP 400 `Throttling`.
    Throttled,
}

/// A stand-in for SNS speaking the query protocol's `PublishBatch`.
pub struct FakeSns {
    fault: SnsFault,
    requests: AtomicUsize,
    accepted: Mutex<Vec<String>>,
}

impl FakeSns {
    pub fn new(fault: SnsFault) -> FakeSns {
        FakeSns {
            fault,
            requests: AtomicUsize::new(0),
            accepted: Mutex::new(Vec::new()),
        }
    }

    /// Requests received.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Message bodies accepted, in order.
    pub fn accepted(&self) -> Vec<String> {
        self.accepted
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl Respond for &'static FakeSns {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let attempt = self.requests.fetch_add(1, Ordering::SeqCst);
        match self.fault {
            SnsFault::Http500 => {
                return xml(
                    500,
                    "<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code>\
                     <Message>internal failure</Message></Error><RequestId>r</RequestId>\
                     </ErrorResponse>"
                        .to_owned(),
                );
            }
            SnsFault::Throttled => {
                return xml(
                    400,
                    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>\
                     <Message>Rate exceeded</Message></Error><RequestId>r</RequestId>\
                     </ErrorResponse>"
                        .to_owned(),
                );
            }
            SnsFault::None | SnsFault::EveryOtherOnce | SnsFault::FirstAlways => {}
        }

        let body = String::from_utf8_lossy(&request.body).into_owned();
        let mut answer = BatchAnswer::default();
        for (position, (id, message)) in publish_batch_entries(&body).into_iter().enumerate() {
            let fails = match self.fault {
                SnsFault::EveryOtherOnce => attempt == 0 && position % 2 == 1,
                SnsFault::FirstAlways => position == 0,
                _ => false,
            };
            if fails {
                answer.fail(&id, "InternalError", "try again", false);
            } else {
                self.accepted
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(message);
                answer.accept(&id, &format!("sns-{attempt}-{id}"));
            }
        }
        answer.response()
    }
}

/// Starts a stand-in SNS with `fault`; answers it with its server.
pub async fn fake_sns(fault: SnsFault) -> (&'static FakeSns, MockServer) {
    let fake: &'static FakeSns = Box::leak(Box::new(FakeSns::new(fault)));
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(fake)
        .mount(&server)
        .await;
    (fake, server)
}

// ---------------------------------------------------------------------------
// Running the destination.

/// Quick retries, so that failing cases end within a second or two.
pub fn quick_retry() -> RetryConfig {
    RetryConfig {
        request_timeout: Duration::from_millis(400),
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(1),
    }
}

/// A Slack stand-in answering with `responses` in turn, the last one for
/// every request after.
pub async fn slack_stand_in(responses: Vec<ResponseTemplate>) -> MockServer {
    struct InTurn {
        responses: Vec<ResponseTemplate>,
        next: AtomicUsize,
    }
    impl Respond for InTurn {
        fn respond(&self, _request: &Request) -> ResponseTemplate {
            let at = self.next.fetch_add(1, Ordering::SeqCst);
            self.responses
                .get(at)
                .or(self.responses.last())
                .cloned()
                .unwrap_or_else(|| ResponseTemplate::new(500))
        }
    }

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(InTurn {
            responses,
            next: AtomicUsize::new(0),
        })
        .mount(&server)
        .await;
    server
}

/// Slack's answer for a delivered message.
pub fn slack_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string("ok")
}

/// The webhook URL of a stand-in, with the secret path.
pub fn hook_url(base: &str) -> WebhookUrl {
    WebhookUrl::parse("SLACK_WEBHOOK_URL", &format!("{base}{HOOK_PATH}"))
        .unwrap_or_else(|error| panic!("the stand-in's URL: {error}"))
}

/// An SNS event as Lambda delivers it, one record per message text.
pub fn sns_event(messages: &[String]) -> SnsEvent {
    let records: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(index, message)| {
            json!({
                "EventSource": "aws:sns", "EventVersion": "1.0",
                "EventSubscriptionArn": format!("arn:aws:sns:{REGION}:{ACCOUNT}:activity:s"),
                "Sns": {"Type": "Notification", "MessageId": format!("record-{index}"),
                    "TopicArn": format!("arn:aws:sns:{REGION}:{ACCOUNT}:activity"),
                    "Subject": null, "Message": message,
                    "Timestamp": "2026-01-01T00:00:00.000Z", "SignatureVersion": "1",
                    "Signature": "", "SigningCertUrl": "", "UnsubscribeUrl": "",
                    "MessageAttributes": {}}
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records }))
        .unwrap_or_else(|error| panic!("not an SNS event: {error}"))
}

/// Runs the destination's handler on `messages` against the stand-in
/// `slack` within `budget`, and says how it ended and how many requests the
/// stand-in received.
pub async fn run_destination(slack: &MockServer, messages: &[String], budget: Duration) -> Outcome {
    let webhook = SlackWebhook::new(hook_url(&slack.uri()), quick_retry())
        .unwrap_or_else(|error| panic!("the webhook client: {error}"));
    let started = std::time::Instant::now();
    let result = handle(&webhook, sns_event(messages), Instant::now() + budget).await;
    let took = started.elapsed().as_millis();
    let requests = posts(slack).await;
    match result {
        Ok(()) => Outcome::Delivered(format!(
            "{} of {} records posted, {requests} requests, {took} ms",
            messages.len(),
            messages.len()
        )),
        Err(error) => Outcome::Failed(format!(
            "`{}`: {error} ({requests} requests, {took} ms)",
            error.code()
        )),
    }
}

/// A valid message as JSON text: a denial the source made.
pub fn message_text(index: usize) -> String {
    let event = Event::from_value(denial(index, "alice"))
        .unwrap_or_else(|error| panic!("the denial is not an event: {error}"));
    activity_aware::standardize::standardize(&event, Vec::new()).to_json()
}

/// Posts received by a stand-in.
pub async fn posts(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .map(|requests| requests.len())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------
// KMS.

/// A key in the emulator and `plaintext` encrypted under it with `context`,
/// as base64.
pub async fn kms_ciphertext(config: &SdkConfig, plaintext: &str, context: (&str, &str)) -> String {
    let key_id = create_key(config).await;
    encrypt(config, &key_id, plaintext, context).await
}

pub use activity_aware_aws_tests::WEBHOOK_CONTEXT;

/// Starts the destination the way its Lambda cold start does, decrypting
/// `ciphertext` with KMS at `config`.
pub async fn start_destination(config: &SdkConfig, ciphertext: &str) -> Outcome {
    let kms = Kms::new(aws_sdk_kms::Client::new(config));
    match decrypt_webhook(&kms, ciphertext, Schemes::HttpsOrLoopbackHttp).await {
        Ok(_) => Outcome::Delivered("webhook decrypted, function started".to_owned()),
        Err(error) => Outcome::Failed(format!(
            "start failed, `{}`: {error} (every invocation fails until fixed)",
            error.code()
        )),
    }
}

// ---------------------------------------------------------------------------
// The cases.

/// How far to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// The 10,000-event batch goes to the SNS stand-in only, which counts
    /// every entry, and the decompression bomb is left to `decode.rs`'s own
    /// test; fast enough for every test run.
    Quick,
    /// The batch also goes to moto, which takes a minute or more, and the
    /// bomb is tried.
    Full,
}

/// Runs every case against `moto` and answers the rows in order.
pub async fn run_all(moto: &Moto, scale: Scale) -> Vec<Row> {
    let mut rows = Vec::new();
    let config = sdk_config(&moto.endpoint()).await;
    cases::source_input(&mut rows, scale).await;
    cases::source_sns(&mut rows, &config, scale).await;
    cases::destination(&mut rows).await;
    cases::kms(&mut rows, &config).await;
    rows
}

pub mod cases;
