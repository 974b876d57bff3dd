/*!
Delivery against a local HTTP server standing in for Slack, which records
what it was sent and answers as Slack does: `ok`, rate limits, server
errors and refusals.
*/

mod common;

use std::time::Duration;

use destination_slack::Error;
use destination_slack::handler::handle;
use destination_slack::limits::{stray_markup, strings, violations};
use destination_slack::render::render;
use destination_slack::webhook::{Delivery, PostPayload};
use serde_json::{Value, json};
use tokio::time::Instant;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{SECRET_PATH, deadline_in, hook_url, hostile, sns_event, typical, webhook};

async fn slack() -> MockServer {
    MockServer::start().await
}

fn answer(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_string(body)
}

async fn mount(server: &MockServer, response: ResponseTemplate, times: Option<u64>) {
    let mock = Mock::given(method("POST")).and(path(SECRET_PATH));
    let mock = mock.respond_with(response);
    let mock = match times {
        Some(times) => mock.up_to_n_times(times),
        None => mock,
    };
    mock.mount(server).await;
}

async fn received(server: &MockServer) -> Vec<Value> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .map(|request| serde_json::from_slice(&request.body).expect("payload is JSON"))
        .collect()
}

#[tokio::test]
async fn delivers_on_200_ok() {
    let server = slack().await;
    Mock::given(method("POST"))
        .and(path(SECRET_PATH))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({ "unfurl_links": false })))
        .respond_with(answer(200, "ok"))
        .mount(&server)
        .await;

    let payload = render(&typical());
    let delivery = webhook(&hook_url(&server))
        .post(&payload, deadline_in(Duration::from_secs(5)))
        .await
        .unwrap();

    assert_eq!(delivery, Delivery { attempts: 1 });
    assert_eq!(received(&server).await, vec![payload]);
}

#[tokio::test]
async fn waits_for_retry_after_then_delivers_once() {
    let server = slack().await;
    let limited = answer(429, "rate_limited").insert_header("Retry-After", "1");
    mount(&server, limited, Some(1)).await;
    mount(&server, answer(200, "ok"), None).await;

    let started = Instant::now();
    let delivery = webhook(&hook_url(&server))
        .post(&render(&typical()), deadline_in(Duration::from_secs(5)))
        .await
        .unwrap();

    assert_eq!(delivery, Delivery { attempts: 2 });
    assert_eq!(received(&server).await.len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn fails_at_once_when_the_channel_is_gone() {
    let server = slack().await;
    mount(&server, answer(404, "channel_not_found"), None).await;

    let error = webhook(&hook_url(&server))
        .post(&render(&typical()), deadline_in(Duration::from_secs(5)))
        .await
        .unwrap_err();

    assert_eq!(
        error.to_string(),
        "Slack refused the message: HTTP 404 `channel_not_found`"
    );
    assert!(
        matches!(error, Error::Rejected { status: 404, ref code } if code == "channel_not_found")
    );
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn fails_at_once_on_invalid_blocks_and_bad_tokens() {
    for (status, code) in [(400, "invalid_blocks"), (403, "invalid_token")] {
        let server = slack().await;
        mount(&server, answer(status, code), None).await;

        let error = webhook(&hook_url(&server))
            .post(&render(&typical()), deadline_in(Duration::from_secs(5)))
            .await
            .unwrap_err();

        assert_eq!(
            error.to_string(),
            format!("Slack refused the message: HTTP {status} `{code}`")
        );
        assert_eq!(received(&server).await.len(), 1);
    }
}

#[tokio::test]
async fn retries_a_server_error() {
    let server = slack().await;
    mount(&server, answer(500, "internal_error"), Some(1)).await;
    mount(&server, answer(200, "ok"), None).await;

    let delivery = webhook(&hook_url(&server))
        .post(&render(&typical()), deadline_in(Duration::from_secs(5)))
        .await
        .unwrap();

    assert_eq!(delivery, Delivery { attempts: 2 });
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn gives_up_on_endless_server_errors_before_the_deadline() {
    let server = slack().await;
    mount(&server, answer(503, "service_unavailable"), None).await;

    let started = Instant::now();
    let deadline = deadline_in(Duration::from_millis(1500));
    let error = webhook(&hook_url(&server))
        .post(&render(&typical()), deadline)
        .await
        .unwrap_err();

    assert!(Instant::now() <= deadline, "ran {:?}", started.elapsed());
    let Error::DeadlineExceeded { attempts, last } = &error else {
        panic!("expected a deadline error, got {error}");
    };
    assert_eq!(last, "HTTP 503 `service_unavailable`");
    assert!(*attempts >= 4, "{attempts} attempts");
    assert_eq!(received(&server).await.len(), *attempts as usize);
    assert_eq!(
        error.to_string(),
        format!(
            "Slack did not take the message within the deadline after {attempts} attempts; \
             last outcome: HTTP 503 `service_unavailable`"
        )
    );
}

#[tokio::test]
async fn gives_up_when_retry_after_is_past_the_deadline() {
    let server = slack().await;
    mount(
        &server,
        answer(429, "rate_limited").insert_header("Retry-After", "30"),
        None,
    )
    .await;

    let started = Instant::now();
    let error = webhook(&hook_url(&server))
        .post(&render(&typical()), deadline_in(Duration::from_secs(1)))
        .await
        .unwrap_err();

    // The wait is capped at 2 s in the test settings, still past the deadline.
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        error.to_string(),
        "Slack did not take the message within the deadline after 1 attempts; \
         last outcome: HTTP 429 `rate_limited`"
    );
}

#[tokio::test]
async fn fails_clearly_when_nothing_listens() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);

    let error = webhook(&format!("http://{address}{SECRET_PATH}"))
        .post(&render(&typical()), deadline_in(Duration::from_millis(600)))
        .await
        .unwrap_err();

    let text = error.to_string();
    assert!(
        matches!(error, Error::DeadlineExceeded { attempts, .. } if attempts >= 2),
        "{text}"
    );
    assert!(text.contains("last outcome: connection failed"), "{text}");
    assert!(text.contains("refused"), "{text}");
}

#[tokio::test]
async fn does_not_count_200_without_ok_as_delivered() {
    let server = slack().await;
    mount(&server, answer(200, "no_text"), None).await;

    let error = webhook(&hook_url(&server))
        .post(&render(&typical()), deadline_in(Duration::from_secs(5)))
        .await
        .unwrap_err();

    assert_eq!(
        error.to_string(),
        "Slack refused the message: HTTP 200 `no_text`"
    );
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn sends_only_payloads_within_limits_and_free_of_markup() {
    let server = slack().await;
    mount(&server, answer(200, "ok"), None).await;
    let hook = webhook(&hook_url(&server));

    for message in [typical(), hostile()] {
        hook.post(&render(&message), deadline_in(Duration::from_secs(5)))
            .await
            .unwrap();
    }

    let payloads = received(&server).await;
    assert_eq!(payloads.len(), 2);
    for payload in &payloads {
        assert_eq!(violations(payload), Vec::<String>::new());
        for text in strings(payload) {
            assert_eq!(stray_markup(text), Vec::<String>::new(), "in {text:?}");
        }
    }
    let hostile_text = strings(&payloads[1]).join("\n");
    assert!(hostile_text.contains("&lt;!channel&gt;"));
    assert!(hostile_text.contains("<https://console.aws.amazon.com/ok|"));
}

#[tokio::test]
async fn handler_posts_each_record_of_an_sns_event() {
    let server = slack().await;
    mount(&server, answer(200, "ok"), None).await;

    let event = sns_event(&[typical().to_json(), hostile().to_json()]);
    let event = serde_json::from_value(event).unwrap();

    handle(
        &webhook(&hook_url(&server)),
        event,
        deadline_in(Duration::from_secs(5)),
    )
    .await
    .unwrap();

    let payloads = received(&server).await;
    assert_eq!(payloads, vec![render(&typical()), render(&hostile())]);
}
