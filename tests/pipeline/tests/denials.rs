//! What counts as an access denial is decided in three places: the
//! standardizer's outcome, the built-in access-denied rule, and the default
//! subscription filter pattern. They must agree, or a denial is either never
//! delivered, or delivered and not reported.

mod common;

use activity_aware::cloudtrail::Event;
use activity_aware::message::Outcome;
use activity_aware::standardize::{is_access_denied, standardize};
use activity_aware_source_cloudtrail::filter_pattern::{DEFAULT_FILTER_PATTERN, FilterPattern};
use activity_aware_source_cloudtrail::rules::RuleSet;
use serde_json::json;

const ACCESS_DENIED_RULE: &str = "5177f808-af2e-4a7d-a1b5-f864ca982c78";

const DENIALS: [&str; 14] = [
    "AccessDenied",
    "AccessDeniedException",
    "Client.UnauthorizedOperation",
    "UnauthorizedOperation",
    "VpceAccessDenied",
    "Server.AccessDenied",
    "KMS.AccessDeniedException",
    "UnauthorizedAccess",
    "UnauthorizedAccessException",
    "UnauthorizedException",
    "AuthorizationError",
    "AuthorizationErrorException",
    "AccessDeniedForDependencyException",
    "Client.VpceAccessDenied",
];

const OTHERS: [&str; 9] = [
    "",
    "Client.DryRunOperation",
    "TrailNotFoundException",
    "ThrottlingException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "NoSuchEntity",
    "Client.InvalidParameterValue",
    "ValidationException",
];

fn event(code: &str) -> serde_json::Value {
    json!({
        "eventVersion": "1.09",
        "eventID": "6f1e0c2a-8d4b-4b7e-9a51-3f1d2c4b5a69",
        "eventTime": "2026-11-24T10:00:00Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": "RunInstances",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.23",
        "userIdentity": {"type": "IAMUser", "userName": "alice",
            "arn": "arn:aws:iam::111122223333:user/alice"},
        "errorCode": code,
        "readOnly": false,
        "recipientAccountId": "111122223333"
    })
}

#[test]
fn the_outcome_the_rule_and_the_filter_pattern_agree_on_every_code() {
    let (rules, errors) = RuleSet::load(None);
    assert!(errors.is_empty(), "{errors:?}");
    let pattern = FilterPattern::parse(DEFAULT_FILTER_PATTERN).unwrap();

    for (code, denied) in DENIALS
        .iter()
        .map(|c| (*c, true))
        .chain(OTHERS.iter().map(|c| (*c, false)))
    {
        let value = event(code);
        let text = value.to_string();
        let event = Event::from_value(value).unwrap();

        let fired = rules
            .evaluate(&event)
            .iter()
            .any(|finding| finding.rule_id == ACCESS_DENIED_RULE);
        let outcome = standardize(&event, Vec::new()).action.outcome;

        assert_eq!(is_access_denied(code), denied, "{code:?}: standardizer");
        assert_eq!(fired, denied, "{code:?}: access-denied rule");
        assert_eq!(outcome == Outcome::Denied, denied, "{code:?}: outcome");
        assert_eq!(
            pattern.matches(&text, Some(event.as_value())),
            denied,
            "{code:?}: pattern"
        );
    }
}
