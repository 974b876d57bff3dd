//! The real CloudTrail corpus (`../shared/corpus/`) through the whole
//! pipeline: source with the built-in rules, then the Slack renderer.

mod common;

use std::collections::HashSet;
use std::io::Read;

use activity_aware::Message;
use activity_aware::message::{ActionFrom, Outcome, Severity};
use activity_aware_source_cloudtrail::filter_pattern::{DEFAULT_FILTER_PATTERN, FilterPattern};
use activity_aware_source_cloudtrail::handler::Report;
use activity_aware_source_cloudtrail::input::filtered_batch;
use common::{new_source, read_json, render_checked, shared};
use serde_json::Value;

fn trail_log_events() -> Vec<Value> {
    let mut files: Vec<_> = std::fs::read_dir(shared("corpus/trail-logs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 55, "the corpus holds 55 log files");

    let mut events = Vec::new();
    for file in files {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&file).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let log: Value = serde_json::from_str(&text).unwrap();
        events.extend(log["Records"].as_array().unwrap().iter().cloned());
    }
    events
}

/// How many events a message stands for.
fn weight(message: &Message) -> usize {
    message.occurrences.as_ref().map_or(1, |o| o.count as usize)
}

#[tokio::test]
async fn the_default_pattern_reports_every_denial_once() {
    let events = trail_log_events();
    let expected: HashSet<&str> = events
        .iter()
        .filter(|event| {
            event["errorCode"].as_str().is_some_and(|code| {
                code.ends_with("UnauthorizedOperation") || code.starts_with("AccessDenied")
            })
        })
        .map(|event| event["eventID"].as_str().unwrap())
        .collect();
    assert_eq!(
        expected.len(),
        60,
        "44 Client.UnauthorizedOperation and 16 AccessDenied"
    );

    let pattern = FilterPattern::parse(DEFAULT_FILTER_PATTERN).unwrap();
    let source = new_source(Report::Findings);
    let summary = source
        .handle_batch(&filtered_batch(&events, &pattern, "corpus"))
        .await
        .unwrap();

    assert_eq!(
        summary.log_events, 838,
        "what the subscription filter would deliver"
    );
    assert_eq!(summary.skipped, 0);
    assert_eq!(summary.unmatched, 645, "delivered events no rule fires on");

    let messages = source.publisher.messages();
    let denials: Vec<&Message> = messages
        .iter()
        .filter(|message| message.action.outcome == Outcome::Denied)
        .collect();
    assert_eq!(denials.iter().map(|m| weight(m)).sum::<usize>(), 60);

    for message in &denials {
        assert!(message.title.contains(" was denied "), "{}", message.title);
        let denial = message.action.denial.as_ref().unwrap();
        assert!(denial.action.contains(':'), "{}", denial.action);

        let ids: Vec<&str> = match &message.occurrences {
            Some(occurrences) => occurrences.event_ids.iter().map(String::as_str).collect(),
            None => vec![message.event.id.as_str()],
        };
        for id in ids {
            assert!(expected.contains(id), "{id} is not a denial");
        }
    }

    for message in &messages {
        assert!(!message.findings.is_empty(), "{}", message.title);
        render_checked(message);
    }
}

#[tokio::test]
async fn an_empty_pattern_reports_all_2900_events() {
    let events = trail_log_events();
    let pattern = FilterPattern::parse("").unwrap();
    let source = new_source(Report::All);
    let summary = source
        .handle_batch(&filtered_batch(&events, &pattern, "corpus"))
        .await
        .unwrap();

    assert_eq!(summary.log_events, 2_900);
    assert_eq!(summary.skipped, 0);

    let messages = source.publisher.messages();
    assert_eq!(messages.iter().map(weight).sum::<usize>(), 2_900);
    for message in &messages {
        assert!(!message.actor.name.trim().is_empty());
        assert!(!message.title.trim().is_empty());
        render_checked(message);
    }
}

fn record(name: &str) -> Value {
    read_json(&shared("corpus/records").join(name))
}

/// The one message a single record yields, with every event reported.
async fn message_for(name: &str) -> Message {
    let source = new_source(Report::All);
    let pattern = FilterPattern::parse("").unwrap();
    source
        .handle_batch(&filtered_batch(&[record(name)], &pattern, name))
        .await
        .unwrap();
    let mut messages = source.publisher.messages();
    assert_eq!(messages.len(), 1, "{name}");
    let message = messages.remove(0);
    render_checked(&message);
    message
}

fn rule_titles(message: &Message) -> Vec<&str> {
    message.findings.iter().map(|f| f.title.as_str()).collect()
}

#[tokio::test]
async fn records_of_console_sign_ins() {
    let no_mfa = message_for("01-iamuser-console-login-success-no-mfa.json").await;
    assert_eq!(no_mfa.actor.mfa, Some(false));
    assert_eq!(rule_titles(&no_mfa), ["Console sign-in without MFA"]);

    let mfa = message_for("02-iamuser-console-login-success-mfa.json").await;
    assert_eq!(mfa.actor.mfa, Some(true));
    assert!(mfa.findings.is_empty());
    assert_eq!(
        mfa.details
            .iter()
            .find(|d| d.label == "Sign-in to")
            .unwrap()
            .value,
        "https://us-east-1.console.aws.amazon.com/vpc/home?region=us-east-1\
         &state=hashArgs%23vpcs%3A&isauthcode=true"
    );

    let no_arn = message_for("03-signin-checkmfa-identity-without-arn.json").await;
    assert_eq!(no_arn.actor.name, "example-user");
    assert_eq!(no_arn.actor.arn, None);

    let failed = message_for("04-iamuser-console-login-failure-no-arn-no-errorcode.json").await;
    assert_eq!(failed.action.outcome, Outcome::Denied);
    assert_eq!(failed.action.error_code, None);
    assert_eq!(rule_titles(&failed), ["Console sign-in failed"]);

    let hidden = message_for("05-console-login-failure-hidden-username.json").await;
    assert_eq!(hidden.actor.name, "unknown user (name hidden by AWS)");
    assert_eq!(rule_titles(&hidden), ["Console sign-in failed"]);
}

#[tokio::test]
async fn records_of_denials() {
    let leave = message_for("07-assumedrole-accessdenied-leaveorganization.json").await;
    let denial = leave.action.denial.as_ref().unwrap();
    assert_eq!(denial.action, "organizations:LeaveOrganization");
    assert_eq!(denial.resource.as_deref(), Some("*"));
    assert!(leave.resources.is_empty(), "`*` is not a resource");
    assert!(rule_titles(&leave).contains(&"Access denied or unauthorized operation"));

    let assume = message_for("08-iamuser-accessdenied-assumerole.json").await;
    assert_eq!(
        assume.title,
        "example-user was denied sts:AssumeRole in 111122220000 / us-east-1"
    );
    assert_eq!(
        assume.action.denial.as_ref().unwrap().resource.as_deref(),
        Some("arn:aws:iam::111122220000:role/stratus-red-team-ec2-get-password-data-role")
    );

    let encoded =
        message_for("09-assumedrole-client-unauthorizedoperation-encoded-message.json").await;
    let denial = encoded.action.denial.as_ref().unwrap();
    assert_eq!(denial.action, "ec2:GetPasswordData");
    assert_eq!(denial.action_from, ActionFrom::Event);
    let blob = denial.encoded_message.as_ref().unwrap();
    assert!(blob.value.starts_with("1Qju1r-MUd3Ls"));
    assert!(
        blob.how_to_decode
            .contains("aws sts decode-authorization-message")
    );
}

#[tokio::test]
async fn records_of_unusual_identities() {
    let service = message_for("11-awsservice-assumerole-no-accountid.json").await;
    assert_eq!(service.actor.identity_type, "AWSService");
    assert_eq!(service.actor.name, "ec2.amazonaws.com");
    let json = service.to_json();
    assert!(!json.contains("sessionToken") && !json.contains("IQoJb3JpZ2lu"));

    let untyped = message_for("12-awsserviceevent-identity-without-type.json").await;
    assert_eq!(untyped.actor.identity_type, "Unknown");
    assert_eq!(untyped.actor.name, "ec2.amazonaws.com");

    let account = message_for("13-awsaccount-cross-account-assumerole.json").await;
    assert_eq!(account.actor.name, "account 777788889999");
    assert_eq!(account.account.as_deref(), Some("777788889999"));

    let federated = message_for("14-federateduser-getcalleridentity.json").await;
    assert_eq!(federated.actor.name, "stratus_red_team");
    assert_eq!(
        federated.actor.session_issuer.as_deref(),
        Some("stratus-red-team-user-federation-user")
    );

    let via_service = message_for("23-kms-decrypt-vpc-endpoint-invokedby-service.json").await;
    assert_eq!(via_service.actor.name, "example-user");
    assert_eq!(
        via_service.actor.invoked_by.as_deref(),
        Some("secretsmanager.amazonaws.com")
    );
}

#[tokio::test]
async fn records_of_changes_raise_their_rules() {
    let cases = [
        (
            "17-iam-attachuserpolicy-administratoraccess.json",
            "IAM policy changed",
        ),
        (
            "18-s3-putbucketpolicy-cross-account-principal.json",
            "S3 bucket policy changed",
        ),
        (
            "19-cloudtrail-stoplogging.json",
            "CloudTrail logging stopped or trail deleted",
        ),
        (
            "22-ec2-authorizesecuritygroupingress-port22.json",
            "Security group changed",
        ),
    ];
    for (name, title) in cases {
        let message = message_for(name).await;
        assert!(
            rule_titles(&message).contains(&title),
            "{name}: {:?}",
            rule_titles(&message)
        );
    }

    let stop = message_for("19-cloudtrail-stoplogging.json").await;
    assert_eq!(stop.severity, Severity::Critical);
}

#[tokio::test]
async fn records_of_odd_shapes() {
    let insight = message_for("24-insight-event-start-no-useridentity.json").await;
    assert_eq!(insight.actor.name, "CloudTrail Insights");
    assert!(insight.title.contains("ApiCallRateInsight"));

    let largest =
        message_for("25-rolesanywhere-createtrustanchor-largest-requestparameters.json").await;
    let parameters = largest
        .details
        .iter()
        .find(|d| d.label == "Request parameters")
        .unwrap();
    assert!(parameters.value.chars().count() <= 2_000);
}
