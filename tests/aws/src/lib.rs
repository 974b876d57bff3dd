/*!
Helpers for the tests that run the source and the Slack destination against
a local AWS API emulator: moto in server mode, reached by the real AWS SDK
over HTTP.

[`Moto`] starts `moto_server` on a free loopback port and stops it when it is
dropped (and when the test process ends, however it ends). The server is
found through `MOTO_SERVER`, else at `.venv/bin/moto_server` in the
repository; `make venv` installs it. [`lambda_runtime`] stands in for the
Lambda runtime API, for tests that run a built function binary;
[`sns_query`] speaks SNS's `PublishBatch` for stand-ins that fail on purpose.
*/

pub mod lambda_runtime;
pub mod sns_query;

use std::io::Write;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_config::{Region, SdkConfig};
use aws_sdk_sns::config::Credentials;
use base64::Engine;
use serde_json::{Value, json};

/// The region every client uses.
pub const REGION: &str = "us-east-1";

/// The account moto uses by default.
pub const ACCOUNT: &str = "123456789012";

/// How long moto may take to start answering.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `moto_server`.
pub struct Moto {
    child: Option<Child>,
    port: u16,
}

impl Moto {
    /// Starts a server on a free loopback port and waits until it answers.
    ///
    /// Panics, failing the test, when the server is not installed.
    pub fn start() -> Moto {
        let server = moto_server();
        let port = free_port();

        // A small shell stays between the test and the server: it stops the
        // server as soon as its stdin closes, which happens when the test
        // drops the handle or the test process ends for any reason.
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#""$0" "$@" </dev/null >/dev/null 2>&1 & server=$!; cat >/dev/null; kill "$server"; wait "$server""#)
            .arg(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", server.display()));

        let mut moto = Moto {
            child: Some(child),
            port,
        };
        moto.wait_until_up();
        moto
    }

    /// The endpoint URL clients use.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the server and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }

    fn wait_until_up(&mut self) {
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("moto_server exited at start with {status}");
            }
            if answers(self.port) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "moto_server did not answer on port {} within {START_TIMEOUT:?}",
            self.port
        );
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One server shared by every test of a test binary. Tests keep apart by
/// naming their own topics and queues.
pub fn shared_moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(Moto::start)
}

/// Where `moto_server` is, failing the test with what to do when it is not.
pub fn moto_server() -> PathBuf {
    let path = match std::env::var_os("MOTO_SERVER") {
        Some(path) => PathBuf::from(path),
        None => repo_root().join(".venv/bin/moto_server"),
    };
    assert!(
        path.is_file(),
        "moto_server not found at {}: run `make venv` to install the AWS API emulator \
         (or set MOTO_SERVER)",
        path.display()
    );
    path
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|error| panic!("no free local port: {error}"))
}

/// Whether an HTTP server answers on the port.
fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /moto-api/data.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut first = [0u8; 12];
    std::io::Read::read_exact(&mut stream, &mut first).is_ok() && first.starts_with(b"HTTP/1.")
}

/// AWS SDK settings pointing at the emulator, with dummy credentials.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    activity_aware::aws::config_loader()
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await
}

/// A unique name for a topic or queue, so tests sharing a server keep apart.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The shared directory beside the repository, failing plainly when absent.
pub fn shared(part: &str) -> PathBuf {
    let dir = repo_root().join("../shared").join(part);
    assert!(
        dir.exists(),
        "`{}` is absent: these tests read the shared CloudTrail corpus beside the repository",
        dir.display()
    );
    dir
}

/// The corpus's CloudTrail log files, sorted.
pub fn trail_logs() -> Vec<PathBuf> {
    let dir = shared("corpus/trail-logs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.to_string_lossy().ends_with(".json.gz"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no trail logs in {}", dir.display());
    files
}

/// The `Records` of a gzip-compressed CloudTrail log file.
pub fn records(path: &Path) -> Vec<Value> {
    let file = std::fs::File::open(path)
        .unwrap_or_else(|error| panic!("cannot open {}: {error}", path.display()));
    let log: Value = serde_json::from_reader(flate2::read::GzDecoder::new(file))
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    match log.get("Records") {
        Some(Value::Array(records)) => records.clone(),
        _ => panic!("{} has no Records list", path.display()),
    }
}

/// A CloudWatch Logs subscription event carrying `records` as log events,
/// exactly as Lambda delivers it: gzip, then padded base64.
pub fn subscription_event(log_group: &str, records: &[Value]) -> Value {
    let log_events: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            json!({
                "id": format!("{index:056}"),
                "timestamp": 1_688_990_000_000_i64 + index as i64,
                "message": record.to_string(),
            })
        })
        .collect();
    let batch = json!({
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT,
        "logGroup": log_group,
        "logStream": format!("{ACCOUNT}_CloudTrail_{REGION}"),
        "subscriptionFilters": ["activity-aware"],
        "logEvents": log_events,
    });

    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(batch.to_string().as_bytes())
        .and_then(|()| gzip.flush())
        .unwrap_or_else(|error| panic!("gzip failed: {error}"));
    let compressed = gzip
        .finish()
        .unwrap_or_else(|error| panic!("gzip failed: {error}"));
    let data = base64::engine::general_purpose::STANDARD.encode(compressed);
    json!({"awslogs": {"data": data}})
}

/// A topic with an SQS queue subscribed to it, without raw delivery, so the
/// queue receives SNS's envelope with its message attributes.
pub struct Subscribed {
    pub topic_arn: String,
    pub queue_url: String,
    pub subscription_arn: String,
}

/// Creates a topic and a queue subscribed to it, optionally with a filter
/// policy on the message attributes.
pub async fn topic_with_queue(config: &SdkConfig, filter_policy: Option<&Value>) -> Subscribed {
    let topic_arn = create_topic(config).await;
    let (queue_url, subscription_arn) = add_queue(config, &topic_arn, filter_policy).await;

    Subscribed {
        topic_arn,
        queue_url,
        subscription_arn,
    }
}

/// Creates a topic with a unique name; answers its ARN.
pub async fn create_topic(config: &SdkConfig) -> String {
    aws_sdk_sns::Client::new(config)
        .create_topic()
        .name(unique("activity"))
        .send()
        .await
        .unwrap_or_else(|error| panic!("CreateTopic: {error:?}"))
        .topic_arn
        .unwrap_or_else(|| panic!("CreateTopic answered no ARN"))
}

/// Creates a queue and subscribes it to the topic; answers its URL and the
/// subscription ARN.
pub async fn add_queue(
    config: &SdkConfig,
    topic_arn: &str,
    filter_policy: Option<&Value>,
) -> (String, String) {
    let sns = aws_sdk_sns::Client::new(config);
    let sqs = aws_sdk_sqs::Client::new(config);
    let name = unique("queue");

    let queue_url = sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .unwrap_or_else(|error| panic!("CreateQueue: {error:?}"))
        .queue_url
        .unwrap_or_else(|| panic!("CreateQueue answered no URL"));
    let queue_arn = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}");

    let mut subscribe = sns
        .subscribe()
        .topic_arn(topic_arn)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .return_subscription_arn(true);
    if let Some(policy) = filter_policy {
        subscribe = subscribe.attributes("FilterPolicy", policy.to_string());
    }
    let subscription_arn = subscribe
        .send()
        .await
        .unwrap_or_else(|error| panic!("Subscribe: {error:?}"))
        .subscription_arn
        .unwrap_or_default();

    (queue_url, subscription_arn)
}

/// Every message waiting in the queue, as the SNS envelopes SQS holds,
/// deleting them as they are read.
pub async fn drain(config: &SdkConfig, queue_url: &str) -> Vec<Value> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let mut envelopes = Vec::new();
    let mut empty_polls = 0;

    while empty_polls < 2 {
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .unwrap_or_else(|error| panic!("ReceiveMessage: {error:?}"));
        let messages = received.messages();
        if messages.is_empty() {
            empty_polls += 1;
            continue;
        }

        for message in messages {
            let body = message.body().unwrap_or_default();
            let envelope: Value = serde_json::from_str(body)
                .unwrap_or_else(|error| panic!("an SQS body is not JSON ({error}): {body:.200}"));
            envelopes.push(envelope);
            if let Some(receipt) = message.receipt_handle() {
                sqs.delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(receipt)
                    .send()
                    .await
                    .unwrap_or_else(|error| panic!("DeleteMessage: {error:?}"));
            }
        }
    }

    envelopes
}

/// The attributes of an SNS envelope as `name -> (type, value)`.
pub fn envelope_attributes(
    envelope: &Value,
) -> std::collections::BTreeMap<String, (String, String)> {
    envelope
        .get("MessageAttributes")
        .and_then(Value::as_object)
        .map(|attributes| {
            attributes
                .iter()
                .map(|(name, attribute)| {
                    let text = |key: &str| {
                        attribute
                            .get(key)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    (name.clone(), (text("Type"), text("Value")))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The contract message schema, compiled.
pub fn message_schema() -> Value {
    let path = repo_root().join("shared/schema/message-v1.schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("the schema is not JSON: {error}"))
}

/// `count` standardized messages, each for its own S3 access denial of the
/// same user (distinct event ids), without findings.
pub fn denial_messages(count: usize) -> Vec<activity_aware::Message> {
    (0..count)
        .map(|index| {
            let event = activity_aware::cloudtrail::Event::from_value(json!({
                "eventID": format!("00000000-0000-4000-8000-{index:012}"),
                "eventTime": "2024-03-01T10:00:00Z",
                "eventSource": "s3.amazonaws.com",
                "eventName": "GetObject",
                "awsRegion": "us-east-1",
                "recipientAccountId": "111122223333",
                "errorCode": "AccessDenied",
                "userIdentity": {"type": "IAMUser", "userName": "alice"}
            }))
            .expect("a complete CloudTrail event");
            activity_aware::standardize::standardize(&event, vec![])
        })
        .collect()
}

/// The encryption context the Slack webhook's ciphertext is made under.
pub const WEBHOOK_CONTEXT: (&str, &str) = (
    activity_aware::config::WEBHOOK_ENCRYPTION_CONTEXT_KEY,
    activity_aware::config::WEBHOOK_ENCRYPTION_CONTEXT_VALUE,
);

/// A new KMS key in the emulator.
pub async fn create_key(config: &SdkConfig) -> String {
    aws_sdk_kms::Client::new(config)
        .create_key()
        .description("Slack webhook")
        .send()
        .await
        .unwrap_or_else(|error| panic!("CreateKey: {error:?}"))
        .key_metadata
        .map(|metadata| metadata.key_id)
        .unwrap_or_else(|| panic!("CreateKey answered no key"))
}

/// Base64 ciphertext of `plaintext` under `key_id` and the given encryption
/// context, as an operator makes it with `aws kms encrypt`.
pub async fn encrypt(
    config: &SdkConfig,
    key_id: &str,
    plaintext: &str,
    context: (&str, &str),
) -> String {
    let blob = aws_sdk_kms::Client::new(config)
        .encrypt()
        .key_id(key_id)
        .plaintext(aws_sdk_kms::primitives::Blob::new(plaintext.as_bytes()))
        .encryption_context(context.0, context.1)
        .send()
        .await
        .unwrap_or_else(|error| panic!("Encrypt: {error:?}"))
        .ciphertext_blob
        .unwrap_or_else(|| panic!("Encrypt answered no ciphertext"));
    base64::engine::general_purpose::STANDARD.encode(blob.into_inner())
}
