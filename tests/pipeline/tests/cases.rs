//! Inputs that broke other CloudTrail pipelines (`../shared/cases/`), each
//! held to what a correct pipeline does with it.

mod common;

use activity_aware::message::Outcome;
use activity_aware_source_cloudtrail::decode::DecodeError;
use activity_aware_source_cloudtrail::handler::{HandlerError, Report, Summary};
use common::{all_text, case, new_source, render_checked};

#[tokio::test]
async fn case_01_an_insights_event_is_described_from_its_details() {
    let source = new_source(Report::All);
    let summary = source
        .handle_subscription(&case("01-insight-event-no-useridentity.json"))
        .await
        .unwrap();

    assert_eq!(summary.skipped, 0);
    let messages = source.publisher.messages();
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].title.starts_with("CloudTrail Insights: "),
        "{}",
        messages[0].title
    );
    assert_eq!(messages[0].actor.name, "CloudTrail Insights");
    render_checked(&messages[0]);
}

#[tokio::test]
async fn case_02_an_assumed_role_without_user_name_is_named_from_its_arn() {
    let source = new_source(Report::All);
    source
        .handle_subscription(&case("02-assumedrole-no-username.json"))
        .await
        .unwrap();

    let messages = source.publisher.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].actor.name,
        "stratus-red-team-leave-org-role/aws-go-sdk-1688990515440126480"
    );
    assert_eq!(messages[0].actor.identity_type, "AssumedRole");
}

#[tokio::test]
async fn case_03_a_control_message_is_acknowledged_silently() {
    let source = new_source(Report::All);
    let summary = source
        .handle_subscription(&case("03-cwl-control-message.json"))
        .await
        .unwrap();

    assert_eq!(summary, Summary::default());
    assert!(source.publisher.messages().is_empty());
}

#[tokio::test]
async fn case_04_each_broken_payload_gets_a_typed_error_and_nothing_is_published() {
    let source = new_source(Report::All);
    let payloads = case("04-awslogs-data-not-gzip-or-not-base64.json");
    let payloads = payloads.as_array().expect("case 04 is a list of payloads");

    let mut errors = Vec::new();
    for payload in payloads {
        match source.handle_subscription(payload).await {
            Err(HandlerError::Decode(error)) => errors.push(error),
            other => panic!("{payload}: expected a decode error, got {other:?}"),
        }
    }

    assert!(
        matches!(errors[0], DecodeError::Gzip { .. }),
        "raw JSON in base64"
    );
    assert!(
        matches!(errors[1], DecodeError::Gzip { .. }),
        "double base64"
    );
    assert!(matches!(errors[2], DecodeError::Base64 { .. }), "raw JSON");
    assert!(
        matches!(errors[3], DecodeError::Base64 { .. }),
        "missing padding"
    );
    assert!(
        matches!(errors[4], DecodeError::MissingData),
        "empty awslogs"
    );
    assert!(
        matches!(errors[5], DecodeError::MissingData),
        "empty object"
    );
    assert_eq!(errors.len(), 6);
    assert!(source.publisher.messages().is_empty());
}

#[tokio::test]
async fn case_07_long_details_stay_inside_slack_limits() {
    let source = new_source(Report::All);
    source
        .handle_subscription(&case("07-slack-section-over-3000-chars.json"))
        .await
        .unwrap();

    let messages = source.publisher.messages();
    assert!(!messages.is_empty());
    for message in &messages {
        let payload = render_checked(message);
        assert!(
            all_text(&payload).contains("[truncated]"),
            "{}: a cut must be visible",
            message.title
        );
    }
}

#[tokio::test]
async fn case_09_event_text_cannot_mention_people_or_plant_links() {
    let source = new_source(Report::All);
    source
        .handle_subscription(&case("09-slack-mrkdwn-injection.json"))
        .await
        .unwrap();

    let messages = source.publisher.messages();
    let hostile = messages
        .iter()
        .find(|message| {
            message
                .actor
                .user_agent
                .as_deref()
                .is_some_and(|agent| agent.contains("<!channel>"))
        })
        .expect("the hostile event is reported");

    let text = all_text(&render_checked(hostile));
    assert!(!text.contains("<!channel>"));
    assert!(!text.contains("<https://evil.example/"));
    assert!(
        text.contains("&lt;!channel&gt;"),
        "the text is shown, escaped"
    );
}

#[tokio::test]
async fn case_11_only_denial_codes_are_denials() {
    let source = new_source(Report::All);
    source
        .handle_subscription(&case("11-errorcode-variants.json"))
        .await
        .unwrap();

    let messages = source.publisher.messages();
    let outcome = |code: Option<&str>| {
        messages
            .iter()
            .find(|message| message.action.error_code.as_deref() == code)
            .unwrap_or_else(|| panic!("a message for error code {code:?}"))
            .action
            .outcome
    };

    for code in [
        "AccessDenied",
        "Client.UnauthorizedOperation",
        "UnauthorizedOperation",
        "AccessDeniedException",
        "VpceAccessDenied",
    ] {
        assert_eq!(outcome(Some(code)), Outcome::Denied, "{code}");
    }
    assert_eq!(
        outcome(None),
        Outcome::Success,
        "an empty error code is no error"
    );
    assert_eq!(outcome(Some("Client.DryRunOperation")), Outcome::Failure);
    assert_eq!(outcome(Some("TrailNotFoundException")), Outcome::Failure);

    let findings = new_source(Report::Findings);
    findings
        .handle_subscription(&case("11-errorcode-variants.json"))
        .await
        .unwrap();
    let denied: usize = findings
        .publisher
        .messages()
        .iter()
        .map(|message| message.occurrences.as_ref().map_or(1, |o| o.count as usize))
        .sum();
    assert_eq!(
        denied, 5,
        "the access-denied rule raises exactly the five denials"
    );
}

#[tokio::test]
async fn case_12_an_event_without_address_or_agent_is_reported() {
    let source = new_source(Report::All);
    source
        .handle_subscription(&case("12-no-sourceip-no-useragent.json"))
        .await
        .unwrap();

    let messages = source.publisher.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].actor.source_address, None);
    assert_eq!(messages[0].actor.user_agent, None);
    render_checked(&messages[0]);
}

#[tokio::test]
async fn case_14_resources_named_by_prefix_are_kept() {
    let source = new_source(Report::All);
    source
        .handle_subscription(&case("14-resources-arnprefix-no-arn.json"))
        .await
        .unwrap();

    let messages = source.publisher.messages();
    assert_eq!(messages.len(), 1);
    let ids: Vec<&str> = messages[0]
        .resources
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["arn:aws:s3:::some-bucket/env:/", "arn:aws:s3:::some-bucket"]
    );
}

#[tokio::test]
async fn case_17_truncated_events_are_reported_and_skipped() {
    let source = new_source(Report::All);
    let summary = source
        .handle_subscription(&case("17-cwl-inner-message-invalid-json.json"))
        .await
        .unwrap();

    assert_eq!(summary.log_events, 3);
    assert_eq!(summary.skipped, 3);
    assert!(source.publisher.messages().is_empty());
}
