/*!
The webhook URL is a secret: it must not appear in any error or log line,
whatever Slack answers and however the connection fails. Every log event of
every crate is captured at `trace` while deliveries fail in each way.
*/

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use destination_slack::render::render;
use destination_slack::webhook::PostPayload;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{SECRET_PATH, deadline_in, hook_url, typical, webhook};

/// Log output, shared with the subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_webhook_url_never_appears_in_errors_or_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let mut errors = Vec::new();
    for (status, body) in [
        (404, "channel_not_found"),
        (503, "down"),
        (200, "not ok"),
        (429, ""),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .mount(&server)
            .await;

        let hook = webhook(&hook_url(&server));
        errors.push(format!("{hook:?}"));
        let result = hook
            .post(&render(&typical()), deadline_in(Duration::from_millis(400)))
            .await;
        errors.push(result.unwrap_err().to_string());
    }

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}{SECRET_PATH}", listener.local_addr().unwrap());
    drop(listener);
    let result = webhook(&closed)
        .post(&render(&typical()), deadline_in(Duration::from_millis(300)))
        .await;
    errors.push(result.unwrap_err().to_string());

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let secret = "xoxSECRETtoken42";
    assert!(
        logs.contains("slack post retrying"),
        "nothing was captured:\n{logs}"
    );
    assert!(!logs.contains(secret), "logs hold the URL:\n{logs}");
    for error in &errors {
        assert!(!error.contains(secret), "{error}");
        assert!(!error.contains("T0SECRET"), "{error}");
    }
    assert!(
        errors.last().unwrap().contains("connection failed"),
        "{errors:?}"
    );
}
