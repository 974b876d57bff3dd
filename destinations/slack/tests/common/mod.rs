/*!
Messages and settings shared by the tests that start a local server in
Slack's place.
*/

// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::time::Duration;

use activity_aware::Message;
use activity_aware::message::{
    Action, ActionFrom, Actor, Denial, Detail, EncodedMessage, EventRef, Finding, Link, Outcome,
    Resource, Severity,
};
use destination_slack::config::{RetryConfig, WebhookUrl};
use destination_slack::webhook::SlackWebhook;
use tokio::time::Instant;
use wiremock::MockServer;

/// The part of a webhook URL that is secret.
pub const SECRET_PATH: &str = "/services/T0SECRET/B0SECRET/xoxSECRETtoken42";

/// A denial as the source writes one.
pub fn typical() -> Message {
    Message {
        version: 1,
        id: "0f1e2d3c".to_owned(),
        source: "cloudtrail".to_owned(),
        title: "alice was denied sts:AssumeRole in 111122223333 / us-east-1".to_owned(),
        severity: Severity::Medium,
        time: "2026-11-24T09:50:14Z".to_owned(),
        account: Some("111122223333".to_owned()),
        region: Some("us-east-1".to_owned()),
        event: EventRef {
            id: "a7cddc2b-1615-46da-a43a-302d7c74d981".to_owned(),
            event_type: Some("AwsApiCall".to_owned()),
            request_id: Some("a9ce9b1f".to_owned()),
        },
        actor: Actor {
            identity_type: "IAMUser".to_owned(),
            name: "alice".to_owned(),
            arn: Some("arn:aws:iam::111122223333:user/alice".to_owned()),
            account_id: Some("111122223333".to_owned()),
            principal_id: Some("AIDAEXAMPLE".to_owned()),
            access_key_id: Some("AKIAEXAMPLE".to_owned()),
            session_issuer: None,
            session_name: None,
            invoked_by: None,
            source_address: Some("203.0.113.9".to_owned()),
            user_agent: Some("aws-cli/2.17.42".to_owned()),
            mfa: Some(false),
        },
        action: Action {
            service: Some("sts.amazonaws.com".to_owned()),
            name: Some("AssumeRole".to_owned()),
            iam_action: Some("sts:AssumeRole".to_owned()),
            outcome: Outcome::Denied,
            error_code: Some("AccessDenied".to_owned()),
            error_message: Some("User: alice is not authorized to perform: sts:AssumeRole".to_owned()),
            denial: Some(Denial {
                action: "sts:AssumeRole".to_owned(),
                action_from: ActionFrom::ErrorMessage,
                resource: Some("arn:aws:iam::111122223333:role/admin".to_owned()),
                reason: None,
                encoded_message: None,
            }),
        },
        findings: vec![Finding {
            rule_id: "access-denied".to_owned(),
            title: "Access denied".to_owned(),
            severity: Severity::Medium,
            description: None,
            references: vec![],
        }],
        resources: vec![Resource {
            id: "arn:aws:iam::111122223333:role/admin".to_owned(),
            resource_type: Some("AWS::IAM::Role".to_owned()),
            account_id: None,
        }],
        details: vec![Detail::new("TLS", "TLSv1.3")],
        links: vec![Link {
            label: "Event in the CloudTrail console".to_owned(),
            url: "https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/a7cddc2b"
                .to_owned(),
        }],
        occurrences: None,
    }
}

/// A message whose event data tries every trick, at sizes no real event has.
pub fn hostile() -> Message {
    let nasty =
        "<!channel> <@U0ADMIN> <https://evil.example/|open console> & `code` *b* _i_ ~s~\n> q";
    let huge = nasty.repeat(400);

    let mut message = typical();
    message.title = format!("{nasty} {huge}");
    message.actor.name = huge.clone();
    message.actor.session_name = Some(nasty.to_owned());
    message.actor.user_agent = Some(huge.clone());
    message.action.error_message = Some(huge.clone());
    if let Some(denial) = message.action.denial.as_mut() {
        denial.reason = Some(nasty.to_owned());
        denial.encoded_message = Some(EncodedMessage {
            value: huge.clone(),
            truncated: true,
            how_to_decode: nasty.to_owned(),
        });
    }
    message.resources = (0..500)
        .map(|n| Resource {
            id: format!("{nasty}{n}"),
            resource_type: Some(nasty.to_owned()),
            account_id: None,
        })
        .collect();
    message.details = (0..500)
        .map(|n| Detail::new(nasty, format!("{huge}{n}")))
        .collect();
    message.links = vec![
        Link {
            label: nasty.to_owned(),
            url: "https://evil.example/|click".to_owned(),
        },
        Link {
            label: nasty.to_owned(),
            url: "https://console.aws.amazon.com/ok".to_owned(),
        },
    ];
    message
}

/// Retries short enough for tests.
pub fn fast_retry() -> RetryConfig {
    RetryConfig {
        request_timeout: Duration::from_secs(2),
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        max_retry_after: Duration::from_secs(2),
    }
}

/// The URL of `server` with the secret path.
pub fn hook_url(server: &MockServer) -> String {
    format!("{}{SECRET_PATH}", server.uri())
}

/// A webhook pointed at `url`, with short retries.
pub fn webhook(url: &str) -> SlackWebhook {
    let url = WebhookUrl::parse("SLACK_WEBHOOK_URL", url).expect("test URL is valid");
    SlackWebhook::new(url, fast_retry()).expect("client builds")
}

pub fn deadline_in(duration: Duration) -> Instant {
    Instant::now() + duration
}

/// An SNS event as Lambda delivers it, one record per message text.
pub fn sns_event(messages: &[String]) -> serde_json::Value {
    let records: Vec<serde_json::Value> = messages
        .iter()
        .enumerate()
        .map(|(n, message)| {
            serde_json::json!({
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:us-east-1:111122223333:aa:sub",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": format!("record-{n}"),
                    "TopicArn": "arn:aws:sns:us-east-1:111122223333:aa",
                    "Subject": null,
                    "Message": message,
                    "Timestamp": "2026-11-24T09:50:20.000Z",
                    "SignatureVersion": "1",
                    "Signature": "c2lnbmF0dXJl",
                    "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/cert.pem",
                    "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                    "MessageAttributes": {}
                }
            })
        })
        .collect();
    serde_json::json!({ "Records": records })
}
