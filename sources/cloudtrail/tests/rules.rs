//! The built-in rules, each against an event it must catch and a near miss
//! it must let pass, plus the real corpus.

use std::collections::BTreeMap;
use std::path::PathBuf;

use activity_aware::cloudtrail::Event;
use activity_aware::message::Severity;
use activity_aware_source_cloudtrail::filter_pattern::{DEFAULT_FILTER_PATTERN, FilterPattern};
use activity_aware_source_cloudtrail::rules::RuleSet;
use serde_json::{Value, json};

const ACCESS_DENIED: &str = "5177f808-af2e-4a7d-a1b5-f864ca982c78";
const SIGN_IN_FAILED: &str = "1f289ea0-cbc8-4a0a-928f-31b9772186a6";
const SIGN_IN_WITHOUT_MFA: &str = "b4c6b811-9407-443f-a8b1-b9d9ce181ed2";
const ROOT: &str = "ce08e883-c350-4b15-bb8f-5b97e3d829f2";
const IAM_POLICY: &str = "e6b86942-58a7-48ba-aa04-c20021920d03";
const CLOUDTRAIL_CONFIG: &str = "1c20847f-ede7-4803-8d6a-1326315d5193";
const KMS_KEY: &str = "ded1f902-8104-40a9-8837-836564905597";
const S3_BUCKET_POLICY: &str = "cf086f8b-f659-4f82-88fb-7c3363e86e4a";
const CONFIG: &str = "05643328-2560-4e1f-8640-ddb593380b04";
const SECURITY_GROUP: &str = "a418fffb-95b8-416b-a6a8-01d5e5a53cc4";
const NETWORK_ACL: &str = "98a08def-1494-4daa-99b0-d5c2f0a50485";
const NETWORK_GATEWAY: &str = "d20ca842-82eb-4083-a68c-0e481a73adab";
const ROUTE_TABLE: &str = "fa30e823-16ec-4c02-b50a-a3bb1ec398be";
const VPC: &str = "0236a9cc-5b7f-4272-a070-54214e449d97";
const ORGANIZATIONS: &str = "131e723c-3335-4f6b-a3f4-6c77773a807d";
const LOGGING_STOPPED: &str = "1d6d5e4f-ce88-450a-8d3d-7aae3d75d5ce";
const LOGGING_NARROWED: &str = "867108e0-f1e4-4f0c-87dd-4cffde91719f";
const LOGS_DELIVERY: &str = "222d94b2-4d52-4072-b6c0-3b9c5b088441";
const SNS_DELIVERY: &str = "ca3153c5-4560-49fb-bb67-f00d1faf3012";
const LAMBDA_CHANGED: &str = "e6c49095-cbd9-42ab-a043-c72181db779f";
const LAMBDA_THROTTLED: &str = "b31baf63-cffb-4ff4-82e1-ed6fc92b5e91";
const INSIGHTS: &str = "8f4c1d2e-6b7a-4e39-9c05-3a1f2b7d6e48";

fn builtin() -> RuleSet {
    let (rules, errors) = RuleSet::load(None);
    assert_eq!(errors, vec![], "every built-in rule loads");
    rules
}

/// The ids of the rules that fire, sorted. Whenever a rule fires, the
/// product's default subscription filter pattern must deliver the event, or
/// the rule could never fire in AWS.
fn fired(rules: &RuleSet, value: Value) -> Vec<String> {
    let text = value.to_string();
    let event = Event::from_value(value).expect("test events are CloudTrail events");
    let mut ids: Vec<String> = rules
        .evaluate(&event)
        .into_iter()
        .map(|f| f.rule_id)
        .collect();
    ids.sort();

    let pattern = FilterPattern::parse(DEFAULT_FILTER_PATTERN).expect("the default pattern parses");
    assert!(
        ids.is_empty() || pattern.matches(&text, Some(event.as_value())),
        "rules {ids:?} fire on an event the default filter pattern would not deliver: {text}"
    );
    ids
}

fn ids(list: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = list.iter().map(|id| id.to_string()).collect();
    ids.sort();
    ids
}

/// A management API call by an assumed role, as CloudTrail records one.
fn call(source: &str, name: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLEROLEID:deployer-session",
            "arn": "arn:aws:sts::111122223333:assumed-role/deployer/deployer-session",
            "accountId": "111122223333",
            "accessKeyId": "ASIAEXAMPLEKEYID0001",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAEXAMPLEROLEID",
                    "arn": "arn:aws:iam::111122223333:role/deployer",
                    "accountId": "111122223333",
                    "userName": "deployer"
                },
                "attributes": {
                    "creationDate": "2026-03-01T09:58:00Z",
                    "mfaAuthenticated": "false"
                }
            }
        },
        "eventTime": "2026-03-01T10:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "198.51.100.23",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
        "requestParameters": {},
        "responseElements": null,
        "requestID": "3b2c8f0e-1d4a-4c5e-9f7a-0a1b2c3d4e5f",
        "eventID": "9f8e7d6c-5b4a-4321-8765-0fedcba98765",
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management"
    })
}

/// `call` with some fields replaced or added.
fn call_with(source: &str, name: &str, fields: Value) -> Value {
    let mut event = call(source, name);
    if let (Some(event), Some(fields)) = (event.as_object_mut(), fields.as_object()) {
        for (key, value) in fields {
            event.insert(key.clone(), value.clone());
        }
    }
    event
}

fn console_login(identity_type: &str, result: &str, mfa: &str) -> Value {
    let mut event = json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": identity_type,
            "principalId": "AIDAEXAMPLEUSERID001",
            "arn": "arn:aws:iam::111122223333:user/example-user",
            "accountId": "111122223333",
            "userName": "example-user"
        },
        "eventTime": "2026-03-01T08:12:40Z",
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.77",
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
        "requestParameters": null,
        "responseElements": {"ConsoleLogin": result},
        "additionalEventData": {
            "LoginTo": "https://console.aws.amazon.com/console/home",
            "MobileVersion": "No",
            "MFAUsed": mfa
        },
        "eventID": "1a2b3c4d-0000-4000-8000-00000000c0de",
        "readOnly": false,
        "eventType": "AwsConsoleSignIn",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management"
    });
    if result == "Failure" {
        event["errorMessage"] = json!("Failed authentication");
    }
    event
}

fn root_call(name: &str) -> Value {
    call_with(
        "s3.amazonaws.com",
        name,
        json!({
            "userIdentity": {
                "type": "Root",
                "principalId": "111122223333",
                "arn": "arn:aws:iam::111122223333:root",
                "accountId": "111122223333",
                "accessKeyId": "ASIAEXAMPLEROOTKEY01"
            },
            "readOnly": true
        }),
    )
}

#[test]
fn every_rule_file_is_built_in_and_loads() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/builtin"));
    let files = std::fs::read_dir(&dir)
        .expect("rules/builtin exists")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "yml"))
        .count();

    let rules = builtin();
    assert_eq!(files, 22);
    assert_eq!(rules.len(), files);
}

#[test]
fn each_built_in_rule_has_a_uuid_title_description_and_references() {
    let rules = builtin();
    for rule in rules.rules() {
        let id = &rule.rule_id;
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(id.matches('-').count(), 4, "{id}");
        assert!(!rule.title.is_empty(), "{id}");
        assert!(
            rule.description.as_ref().is_some_and(|d| d.len() > 40),
            "{id}"
        );
        assert!(!rule.references.is_empty(), "{id}");
    }
}

#[test]
fn the_rules_readme_lists_every_built_in_rule_with_its_level() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/README.md"))
        .expect("rules/README.md exists");

    for rule in builtin().rules() {
        let row = readme
            .lines()
            .find(|line| line.contains(&rule.rule_id))
            .unwrap_or_else(|| panic!("README has no row for {}", rule.rule_id));
        assert!(row.contains(&rule.title), "{row}");
        assert!(row.contains(&format!("| {} |", rule.severity)), "{row}");
    }
}

#[test]
fn access_denied_catches_each_denial_code_family() {
    let rules = builtin();
    for code in [
        "AccessDenied",
        "AccessDeniedException",
        "Client.UnauthorizedOperation",
        "UnauthorizedOperation",
        "VpceAccessDenied",
        "AuthorizationError",
    ] {
        let event = call_with(
            "s3.amazonaws.com",
            "GetObject",
            json!({"errorCode": code, "errorMessage": "User is not authorized to perform this action"}),
        );
        assert_eq!(fired(&rules, event), ids(&[ACCESS_DENIED]), "{code}");
    }
}

#[test]
fn access_denied_lets_other_errors_and_log_delivery_pass() {
    let rules = builtin();
    for code in [
        "Client.DryRunOperation",
        "",
        "TrailNotFoundException",
        "ThrottlingException",
        "NoSuchBucketPolicy",
    ] {
        let event = call_with("s3.amazonaws.com", "GetObject", json!({"errorCode": code}));
        assert_eq!(fired(&rules, event), ids(&[]), "{code}");
    }

    let delivery = call_with(
        "s3.amazonaws.com",
        "PutObject",
        json!({"errorCode": "AccessDenied", "sourceIPAddress": "delivery.logs.amazonaws.com"}),
    );
    assert_eq!(fired(&rules, delivery), ids(&[]));
}

#[test]
fn console_sign_in_failure_is_caught_without_an_error_code() {
    let rules = builtin();
    assert_eq!(
        fired(&rules, console_login("IAMUser", "Failure", "Yes")),
        ids(&[SIGN_IN_FAILED])
    );
    assert_eq!(
        fired(&rules, console_login("IAMUser", "Success", "Yes")),
        ids(&[])
    );
}

#[test]
fn console_sign_in_without_mfa_is_caught_for_iam_users_only() {
    let rules = builtin();
    assert_eq!(
        fired(&rules, console_login("IAMUser", "Success", "No")),
        ids(&[SIGN_IN_WITHOUT_MFA])
    );
    assert_eq!(
        fired(&rules, console_login("AssumedRole", "Success", "No")),
        ids(&[])
    );
    assert_eq!(
        fired(&rules, console_login("IAMUser", "Failure", "No")),
        ids(&[SIGN_IN_FAILED])
    );
}

#[test]
fn root_user_activity_is_caught_unless_a_service_acted() {
    let rules = builtin();
    assert_eq!(fired(&rules, root_call("ListBuckets")), ids(&[ROOT]));

    let mut invoked = root_call("ListBuckets");
    invoked["userIdentity"]["invokedBy"] = json!("cloudformation.amazonaws.com");
    assert_eq!(fired(&rules, invoked), ids(&[]));

    let mut service_event = root_call("ListBuckets");
    service_event["eventType"] = json!("AwsServiceEvent");
    assert_eq!(fired(&rules, service_event), ids(&[]));
}

#[test]
fn root_console_sign_in_is_root_activity() {
    let mut sign_in = console_login("Root", "Success", "Yes");
    sign_in["userIdentity"]["arn"] = json!("arn:aws:iam::111122223333:root");
    assert_eq!(fired(&builtin(), sign_in), ids(&[ROOT]));
}

/// `(event source, caught event name, near miss, rules the caught one fires)`.
const CHANGES: &[(&str, &str, &str, &[&str])] = &[
    (
        "iam.amazonaws.com",
        "PutRolePolicy",
        "GetRolePolicy",
        &[IAM_POLICY],
    ),
    (
        "iam.amazonaws.com",
        "AttachUserPolicy",
        "ListAttachedUserPolicies",
        &[IAM_POLICY],
    ),
    (
        "iam.amazonaws.com",
        "CreatePolicyVersion",
        "GetPolicyVersion",
        &[IAM_POLICY],
    ),
    (
        "cloudtrail.amazonaws.com",
        "CreateTrail",
        "DescribeTrails",
        &[CLOUDTRAIL_CONFIG],
    ),
    (
        "cloudtrail.amazonaws.com",
        "StartLogging",
        "GetTrailStatus",
        &[CLOUDTRAIL_CONFIG],
    ),
    (
        "kms.amazonaws.com",
        "ScheduleKeyDeletion",
        "CancelKeyDeletion",
        &[KMS_KEY],
    ),
    ("kms.amazonaws.com", "DisableKey", "EnableKey", &[KMS_KEY]),
    (
        "s3.amazonaws.com",
        "PutBucketPolicy",
        "GetBucketPolicy",
        &[S3_BUCKET_POLICY],
    ),
    (
        "s3.amazonaws.com",
        "DeleteBucketReplication",
        "GetBucketReplication",
        &[S3_BUCKET_POLICY],
    ),
    (
        "s3.amazonaws.com",
        "PutBucketAcl",
        "GetBucketAcl",
        &[S3_BUCKET_POLICY],
    ),
    (
        "config.amazonaws.com",
        "StopConfigurationRecorder",
        "StartConfigurationRecorder",
        &[CONFIG],
    ),
    (
        "config.amazonaws.com",
        "DeleteDeliveryChannel",
        "DescribeDeliveryChannels",
        &[CONFIG],
    ),
    (
        "ec2.amazonaws.com",
        "AuthorizeSecurityGroupIngress",
        "DescribeSecurityGroups",
        &[SECURITY_GROUP],
    ),
    (
        "ec2.amazonaws.com",
        "ModifySecurityGroupRules",
        "DescribeSecurityGroupRules",
        &[SECURITY_GROUP],
    ),
    (
        "ec2.amazonaws.com",
        "ReplaceNetworkAclEntry",
        "DescribeNetworkAcls",
        &[NETWORK_ACL],
    ),
    (
        "ec2.amazonaws.com",
        "AttachInternetGateway",
        "DescribeInternetGateways",
        &[NETWORK_GATEWAY],
    ),
    (
        "ec2.amazonaws.com",
        "CreateCustomerGateway",
        "DescribeCustomerGateways",
        &[NETWORK_GATEWAY],
    ),
    (
        "ec2.amazonaws.com",
        "ReplaceRoute",
        "DescribeRouteTables",
        &[ROUTE_TABLE],
    ),
    (
        "ec2.amazonaws.com",
        "DisassociateRouteTable",
        "AssociateAddress",
        &[ROUTE_TABLE],
    ),
    (
        "ec2.amazonaws.com",
        "CreateVpcPeeringConnection",
        "DescribeVpcPeeringConnections",
        &[VPC],
    ),
    (
        "ec2.amazonaws.com",
        "ModifyVpcAttribute",
        "DescribeVpcAttribute",
        &[VPC],
    ),
    (
        "organizations.amazonaws.com",
        "LeaveOrganization",
        "DescribeOrganization",
        &[ORGANIZATIONS],
    ),
    (
        "organizations.amazonaws.com",
        "DetachPolicy",
        "ListPolicies",
        &[ORGANIZATIONS],
    ),
    (
        "cloudtrail.amazonaws.com",
        "StopLogging",
        "LookupEvents",
        &[CLOUDTRAIL_CONFIG, LOGGING_STOPPED],
    ),
    (
        "cloudtrail.amazonaws.com",
        "DeleteTrail",
        "GetTrail",
        &[CLOUDTRAIL_CONFIG, LOGGING_STOPPED],
    ),
    (
        "cloudtrail.amazonaws.com",
        "UpdateTrail",
        "GetTrail",
        &[CLOUDTRAIL_CONFIG, LOGGING_NARROWED],
    ),
    (
        "cloudtrail.amazonaws.com",
        "PutEventSelectors",
        "GetEventSelectors",
        &[LOGGING_NARROWED],
    ),
    (
        "cloudtrail.amazonaws.com",
        "PutInsightSelectors",
        "GetInsightSelectors",
        &[LOGGING_NARROWED],
    ),
    (
        "logs.amazonaws.com",
        "DeleteSubscriptionFilter",
        "DescribeSubscriptionFilters",
        &[LOGS_DELIVERY],
    ),
    (
        "logs.amazonaws.com",
        "PutSubscriptionFilter",
        "DescribeSubscriptionFilters",
        &[LOGS_DELIVERY],
    ),
    (
        "logs.amazonaws.com",
        "DeleteLogGroup",
        "CreateLogGroup",
        &[LOGS_DELIVERY],
    ),
    (
        "logs.amazonaws.com",
        "DeleteLogStream",
        "CreateLogStream",
        &[LOGS_DELIVERY],
    ),
    (
        "sns.amazonaws.com",
        "DeleteTopic",
        "CreateTopic",
        &[SNS_DELIVERY],
    ),
    (
        "sns.amazonaws.com",
        "SetTopicAttributes",
        "GetTopicAttributes",
        &[SNS_DELIVERY],
    ),
    (
        "sns.amazonaws.com",
        "Unsubscribe",
        "Subscribe",
        &[SNS_DELIVERY],
    ),
    (
        "sns.amazonaws.com",
        "RemovePermission",
        "AddPermission",
        &[SNS_DELIVERY],
    ),
    (
        "sns.amazonaws.com",
        "SetSubscriptionAttributes",
        "GetSubscriptionAttributes",
        &[SNS_DELIVERY],
    ),
    (
        "sns.amazonaws.com",
        "PutDataProtectionPolicy",
        "GetDataProtectionPolicy",
        &[SNS_DELIVERY],
    ),
    (
        "lambda.amazonaws.com",
        "UpdateFunctionCode20150331v2",
        "GetFunction20150331v2",
        &[LAMBDA_CHANGED],
    ),
    (
        "lambda.amazonaws.com",
        "UpdateFunctionConfiguration20150331v2",
        "GetFunctionConfiguration20150331v2",
        &[LAMBDA_CHANGED],
    ),
    (
        "lambda.amazonaws.com",
        "DeleteFunction20150331",
        "DeleteFunctionConcurrency20171031",
        &[LAMBDA_CHANGED],
    ),
    (
        "lambda.amazonaws.com",
        "RemovePermission20150331v2",
        "AddPermission20150331v2",
        &[LAMBDA_CHANGED],
    ),
    (
        "lambda.amazonaws.com",
        "DeleteEventSourceMapping20150331",
        "CreateEventSourceMapping20150331",
        &[LAMBDA_CHANGED],
    ),
    (
        "lambda.amazonaws.com",
        "DeleteFunction",
        "DeleteFunctionUrlConfig",
        &[LAMBDA_CHANGED],
    ),
];

#[test]
fn each_change_rule_catches_its_calls_and_not_their_read_only_neighbours() {
    let rules = builtin();
    for (source, caught, near_miss, expected) in CHANGES {
        assert_eq!(
            fired(&rules, call(source, caught)),
            ids(expected),
            "{source} {caught}"
        );
        assert_eq!(
            fired(&rules, call(source, near_miss)),
            ids(&[]),
            "{source} {near_miss}"
        );
    }
}

#[test]
fn a_change_rule_needs_its_own_service() {
    let rules = builtin();
    // The same API names exist in other services.
    assert_eq!(
        fired(&rules, call("organizations.amazonaws.com", "CreatePolicy")),
        ids(&[ORGANIZATIONS])
    );
    assert_eq!(
        fired(&rules, call("iam.amazonaws.com", "CreatePolicy")),
        ids(&[IAM_POLICY])
    );
    assert_eq!(
        fired(&rules, call("iot.amazonaws.com", "AttachPolicy")),
        ids(&[])
    );
    assert_eq!(
        fired(&rules, call("lambda.amazonaws.com", "RemovePermission")),
        ids(&[LAMBDA_CHANGED])
    );
}

#[test]
fn a_denied_change_fires_both_the_change_and_the_denial() {
    let event = call_with(
        "cloudtrail.amazonaws.com",
        "StopLogging",
        json!({"errorCode": "AccessDenied"}),
    );
    assert_eq!(
        fired(&builtin(), event),
        ids(&[ACCESS_DENIED, CLOUDTRAIL_CONFIG, LOGGING_STOPPED])
    );
}

#[test]
fn lambda_throttled_to_zero_is_caught_but_other_limits_are_not() {
    let rules = builtin();
    let throttle = |limit: u32| {
        call_with(
            "lambda.amazonaws.com",
            "PutFunctionConcurrency20171031",
            json!({
                "requestParameters": {
                    "functionName": "activity-aware-source",
                    "reservedConcurrentExecutions": limit
                },
                "responseElements": {"reservedConcurrentExecutions": limit}
            }),
        )
    };

    assert_eq!(fired(&rules, throttle(0)), ids(&[LAMBDA_THROTTLED]));
    assert_eq!(fired(&rules, throttle(10)), ids(&[]));
}

#[test]
fn levels_follow_the_documented_choices() {
    let rules = builtin();
    let level = |id: &str| {
        rules
            .rules()
            .find(|rule| rule.rule_id == id)
            .map(|rule| rule.severity)
    };

    assert_eq!(level(ROOT), Some(Severity::High));
    assert_eq!(level(LOGGING_STOPPED), Some(Severity::Critical));
    assert_eq!(level(LAMBDA_THROTTLED), Some(Severity::Critical));
    assert_eq!(level(LOGS_DELIVERY), Some(Severity::High));
    assert_eq!(level(ACCESS_DENIED), Some(Severity::Medium));
    assert_eq!(level(SIGN_IN_FAILED), Some(Severity::Medium));
    assert_eq!(level(SIGN_IN_WITHOUT_MFA), Some(Severity::Medium));
    assert_eq!(level(VPC), Some(Severity::Low));
}

fn corpus() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    assert!(
        dir.is_dir(),
        "the real CloudTrail corpus is absent: expected it at {}",
        dir.display()
    );
    dir
}

fn record(name: &str) -> Value {
    let path = corpus().join("records").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("corpus record {} is absent: {error}", path.display()));
    serde_json::from_str(&text).expect("corpus records are JSON")
}

#[test]
fn real_records_fire_the_expected_rules() {
    let rules = builtin();
    let expected: &[(&str, &[&str])] = &[
        (
            "01-iamuser-console-login-success-no-mfa.json",
            &[SIGN_IN_WITHOUT_MFA],
        ),
        ("02-iamuser-console-login-success-mfa.json", &[]),
        (
            "04-iamuser-console-login-failure-no-arn-no-errorcode.json",
            &[SIGN_IN_FAILED],
        ),
        (
            "05-console-login-failure-hidden-username.json",
            &[SIGN_IN_FAILED],
        ),
        (
            "07-assumedrole-accessdenied-leaveorganization.json",
            &[ACCESS_DENIED, ORGANIZATIONS],
        ),
        ("08-iamuser-accessdenied-assumerole.json", &[ACCESS_DENIED]),
        (
            "09-assumedrole-client-unauthorizedoperation-encoded-message.json",
            &[ACCESS_DENIED],
        ),
        ("11-awsservice-assumerole-no-accountid.json", &[]),
        ("12-awsserviceevent-identity-without-type.json", &[]),
        ("14-federateduser-getcalleridentity.json", &[]),
        ("16-iam-createuser.json", &[]),
        (
            "17-iam-attachuserpolicy-administratoraccess.json",
            &[IAM_POLICY],
        ),
        (
            "18-s3-putbucketpolicy-cross-account-principal.json",
            &[S3_BUCKET_POLICY],
        ),
        (
            "19-cloudtrail-stoplogging.json",
            &[CLOUDTRAIL_CONFIG, LOGGING_STOPPED],
        ),
        (
            "22-ec2-authorizesecuritygroupingress-port22.json",
            &[SECURITY_GROUP],
        ),
        ("23-kms-decrypt-vpc-endpoint-invokedby-service.json", &[]),
        ("24-insight-event-start-no-useridentity.json", &[INSIGHTS]),
    ];

    for (name, rule_ids) in expected {
        assert_eq!(fired(&rules, record(name)), ids(rule_ids), "{name}");
    }
}

#[test]
fn the_real_trail_logs_yield_the_expected_counts() {
    use std::io::Read;

    let rules = builtin();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut events = 0;

    let dir = corpus().join("trail-logs");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| {
            panic!("corpus trail logs are absent at {}: {error}", dir.display())
        })
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    paths.sort();

    for path in paths {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).expect("readable"))
            .read_to_string(&mut text)
            .expect("gzip JSON");
        let log: Value = serde_json::from_str(&text).expect("a CloudTrail log file");

        for record in log["Records"].as_array().expect("Records").iter() {
            events += 1;
            for id in fired(&rules, record.clone()) {
                *counts.entry(id).or_default() += 1;
            }
        }
    }

    assert_eq!(events, 2900);

    // Counted independently from the same files by event source and name
    // (and, for denials, 44 Client.UnauthorizedOperation plus 16
    // AccessDenied).
    let expected: BTreeMap<String, usize> = [
        (ACCESS_DENIED, 60),
        (SIGN_IN_WITHOUT_MFA, 1),
        (IAM_POLICY, 26),
        (CLOUDTRAIL_CONFIG, 13),
        (S3_BUCKET_POLICY, 6),
        (SECURITY_GROUP, 8),
        (NETWORK_GATEWAY, 15),
        (ROUTE_TABLE, 40),
        (VPC, 16),
        (ORGANIZATIONS, 1),
        (LOGGING_STOPPED, 6),
        (LOGGING_NARROWED, 2),
        (LOGS_DELIVERY, 1),
        (LAMBDA_CHANGED, 5),
    ]
    .into_iter()
    .map(|(id, count)| (id.to_string(), count))
    .collect();
    assert_eq!(counts, expected);
}

#[test]
fn the_error_code_variants_case_has_five_denials() {
    let path = corpus().join("../cases/11-errorcode-variants.decoded.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("case 11 is absent at {}: {error}", path.display()));
    let payload: Value = serde_json::from_str(&text).expect("case 11 is JSON");

    let rules = builtin();
    let denied: Vec<bool> = payload["logEvents"]
        .as_array()
        .expect("logEvents")
        .iter()
        .map(|log_event| {
            let message = log_event["message"].as_str().expect("message text");
            let event = serde_json::from_str(message).expect("an event");
            fired(&rules, event).contains(&ACCESS_DENIED.to_string())
        })
        .collect();

    assert_eq!(denied, [true, true, true, true, true, false, false, false]);
}

#[test]
fn the_suppression_example_in_the_readme_loads_and_applies() {
    use activity_aware_source_cloudtrail::rules::Suppressions;

    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/README.md"))
        .expect("rules/README.md exists");
    let tuning = readme.split("## Tuning").nth(1).expect("a Tuning section");
    let example = tuning
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a YAML example");

    let suppressions = Suppressions::from_yaml(example, "README.md").expect("the example loads");
    assert_eq!(suppressions.len(), 1);

    let mut denied = call_with(
        "ec2.amazonaws.com",
        "DescribeInstances",
        json!({"errorCode": "Client.UnauthorizedOperation"}),
    );
    denied["userIdentity"]["arn"] = json!("arn:aws:sts::111122223333:assumed-role/scanner/run-7");
    let event = Event::from_value(denied).expect("an event");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date");

    let findings = builtin().evaluate(&event);
    assert_eq!(findings.len(), 1);
    assert_eq!(suppressions.apply(findings, &event, today), vec![]);
}
