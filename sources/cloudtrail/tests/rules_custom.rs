//! Rules from a directory, next to the built-in ones: SigmaHQ-style rules
//! with modifiers, a rule collection, a Sigma filter, and broken files that
//! are reported while the rest still load.

use std::path::PathBuf;

use activity_aware::cloudtrail::Event;
use activity_aware_source_cloudtrail::filter_pattern::{DEFAULT_FILTER_PATTERN, FilterPattern};
use activity_aware_source_cloudtrail::rules::{RuleLoadError, RuleSet};
use serde_json::{Value, json};

const ACCESS_DENIED: &str = "5177f808-af2e-4a7d-a1b5-f864ca982c78";
const SECRET_READ: &str = "5710eb63-61a0-4ca3-9670-d5e14264f7e8";
const KEY_FOR_OTHER: &str = "1942e5e7-381e-4357-91dd-c617c4106ca8";
const PASSWORD_SET: &str = "c056710b-a4ae-444e-9337-e0357dcb0eab";

fn data(dir: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules_data")).join(dir)
}

fn custom() -> RuleSet {
    let (rules, errors) = RuleSet::load(Some(&data("custom")));
    assert_eq!(errors, vec![]);
    rules
}

/// The rules that fire, after checking that the product's default filter
/// pattern delivers the event whenever one does: the packaged rules must be
/// able to fire in AWS.
fn fired_and_delivered(rules: &RuleSet, value: Value) -> Vec<String> {
    let text = value.to_string();
    let json = value.clone();
    let ids = fired(rules, value);
    let pattern = FilterPattern::parse(DEFAULT_FILTER_PATTERN).unwrap();
    assert!(
        ids.is_empty() || pattern.matches(&text, Some(&json)),
        "rules {ids:?} fire on an event the default filter pattern would not deliver: {text}"
    );
    ids
}

fn fired(rules: &RuleSet, value: Value) -> Vec<String> {
    let event = Event::from_value(value).expect("test events are CloudTrail events");
    let mut ids: Vec<String> = rules
        .evaluate(&event)
        .into_iter()
        .map(|f| f.rule_id)
        .collect();
    ids.sort();
    ids
}

fn iam_user_call(source: &str, name: &str, user_agent: &str, parameters: Value) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEUSERID001",
            "arn": "arn:aws:iam::111122223333:user/example-admin",
            "accountId": "111122223333",
            "accessKeyId": "AKIAEXAMPLEKEYID0001",
            "userName": "example-admin"
        },
        "eventTime": "2026-03-01T10:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "198.51.100.23",
        "userAgent": user_agent,
        "requestParameters": parameters,
        "responseElements": null,
        "requestID": "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
        "eventID": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d",
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management"
    })
}

const CLI: &str = "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64 prompt/off command/secretsmanager.get-secret-value";

#[test]
fn loads_the_directory_next_to_the_built_in_rules() {
    let (builtin, _) = RuleSet::load(None);
    let rules = custom();

    // Three rules in two files; the filter adds none.
    assert_eq!(rules.len(), builtin.len() + 3);
    assert!(rules.contains(SECRET_READ));
    assert!(rules.contains(PASSWORD_SET));
}

#[test]
fn contains_startswith_and_one_of_selections_match() {
    let rules = custom();

    let secret = iam_user_call(
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        CLI,
        json!({"secretId": "prod/db"}),
    );
    assert_eq!(fired(&rules, secret), [SECRET_READ]);

    let parameter = iam_user_call(
        "ssm.amazonaws.com",
        "GetParametersByPath",
        "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 lang/python#3.12",
        json!({"path": "/prod/", "withDecryption": true, "recursive": true}),
    );
    assert_eq!(fired(&rules, parameter), [SECRET_READ]);
}

#[test]
fn near_misses_of_the_secret_rule_do_not_match() {
    let rules = custom();

    let console = iam_user_call(
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
        json!({"secretId": "prod/db"}),
    );
    assert_eq!(fired(&rules, console), Vec::<String>::new());

    let encrypted = iam_user_call(
        "ssm.amazonaws.com",
        "GetParameter",
        CLI,
        json!({"name": "/prod/db", "withDecryption": false}),
    );
    assert_eq!(fired(&rules, encrypted), Vec::<String>::new());

    let mut by_service = iam_user_call(
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        CLI,
        json!({"secretId": "prod/db"}),
    );
    by_service["userIdentity"]["invokedBy"] = json!("cloudformation.amazonaws.com");
    assert_eq!(fired(&rules, by_service), Vec::<String>::new());
}

#[test]
fn fieldref_tells_a_key_for_oneself_from_one_for_another_user() {
    let rules = custom();

    let other = iam_user_call(
        "iam.amazonaws.com",
        "CreateAccessKey",
        CLI,
        json!({"userName": "backup-operator"}),
    );
    assert_eq!(fired(&rules, other), [KEY_FOR_OTHER]);

    let own = iam_user_call(
        "iam.amazonaws.com",
        "CreateAccessKey",
        CLI,
        json!({"userName": "example-admin"}),
    );
    assert_eq!(fired(&rules, own), Vec::<String>::new());
}

#[test]
fn every_document_of_a_collection_loads() {
    let rules = custom();
    let password = iam_user_call(
        "iam.amazonaws.com",
        "UpdateLoginProfile",
        CLI,
        json!({"userName": "backup-operator", "passwordResetRequired": false}),
    );
    assert_eq!(fired(&rules, password), [PASSWORD_SET]);
}

#[test]
fn a_sigma_filter_narrows_a_built_in_rule() {
    let rules = custom();
    let denied = |arn: &str| {
        let mut event = iam_user_call(
            "s3.amazonaws.com",
            "GetObject",
            CLI,
            json!({"bucketName": "b"}),
        );
        event["userIdentity"]["arn"] = json!(arn);
        event["errorCode"] = json!("AccessDenied");
        event
    };

    assert_eq!(
        fired(
            &rules,
            denied("arn:aws:sts::111122223333:assumed-role/permission-scanner/run-1")
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        fired(
            &rules,
            denied("arn:aws:sts::111122223333:assumed-role/deployer/ci")
        ),
        [ACCESS_DENIED]
    );
}

#[test]
fn broken_files_are_reported_and_the_others_load() {
    let dir = data("broken");
    let (builtin, _) = RuleSet::load(None);
    let (rules, errors) = RuleSet::load(Some(&dir));

    // good.yaml holds two rules; notes.txt is not a rule file.
    assert_eq!(rules.len(), builtin.len() + 2);

    let files: Vec<(String, Option<String>)> = errors
        .iter()
        .map(|error| (error.file.clone(), error.rule.clone()))
        .collect();
    assert_eq!(
        files,
        [
            (dir.join("bad-yaml.yml").display().to_string(), None),
            (dir.join("unknown-modifier.yml").display().to_string(), None),
        ]
    );

    assert!(
        errors[0]
            .reason
            .starts_with("YAML parse error: did not find expected ',' or '}' at line 4"),
        "{}",
        errors[0]
    );
    assert_eq!(errors[1].reason, "Unknown modifier 'sometimes'");
}

#[test]
fn a_missing_directory_is_one_error_and_the_built_in_rules_still_load() {
    let (builtin, _) = RuleSet::load(None);
    let (rules, errors) = RuleSet::load(Some(&data("absent")));

    assert_eq!(rules.len(), builtin.len());
    assert_eq!(errors.len(), 1);
    let RuleLoadError { file, rule, reason } = &errors[0];
    assert_eq!(file, &data("absent").display().to_string());
    assert_eq!(rule, &None);
    assert!(
        reason.starts_with("cannot read the rules directory: "),
        "{reason}"
    );
}

#[test]
fn a_filter_naming_no_loaded_rule_is_reported() {
    let filter = r#"
title: Filter For Nothing
logsource: {product: aws, service: cloudtrail}
filter:
  rules: [00000000-0000-4000-8000-00000000dead]
  selection:
    eventName: GetObject
  condition: not selection
"#;
    let (_, errors) = RuleSet::from_texts([("filter.yml", filter)]);

    assert_eq!(
        errors,
        [RuleLoadError {
            file: "filter.yml".into(),
            rule: Some("Filter For Nothing".into()),
            reason: "the filter names no loaded rule".into(),
        }]
    );
}

#[test]
fn the_packaged_example_rule_loads_and_catches_detectors_switched_off() {
    const EXAMPLE: &str = "ebff4b83-1391-48f4-826b-ddb4d40355cd";
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/custom"));
    let (rules, errors) = RuleSet::load(Some(&dir));
    assert_eq!(errors, vec![]);

    let guardduty = |name: &str, parameters: Value| {
        iam_user_call("guardduty.amazonaws.com", name, CLI, parameters)
    };
    let detector = "12abc34d567e8fa901bc2d34e56789f0";

    assert_eq!(
        fired_and_delivered(
            &rules,
            guardduty("DeleteDetector", json!({"detectorId": detector}))
        ),
        [EXAMPLE]
    );
    assert_eq!(
        fired_and_delivered(
            &rules,
            guardduty(
                "UpdateDetector",
                json!({"detectorId": detector, "enable": false})
            )
        ),
        [EXAMPLE]
    );
    assert_eq!(
        fired_and_delivered(
            &rules,
            guardduty(
                "UpdateDetector",
                json!({"detectorId": detector, "enable": true})
            )
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        fired_and_delivered(
            &rules,
            guardduty("GetDetector", json!({"detectorId": detector}))
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        fired_and_delivered(
            &rules,
            iam_user_call(
                "securityhub.amazonaws.com",
                "DisableSecurityHub",
                CLI,
                json!({})
            )
        ),
        [EXAMPLE]
    );
}

#[test]
fn a_file_with_an_unknown_level_loads_none_of_its_rules() {
    let bad_level = r#"
title: Bad level
id: 11111111-1111-4111-8111-000000000005
logsource: {product: aws, service: cloudtrail}
level: apocalyptic
detection:
  selection:
    eventName: CreateUser
  condition: selection
"#;
    let (rules, errors) = RuleSet::from_texts([("bad-level.yml", bad_level)]);

    assert!(rules.is_empty(), "{rules:?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, "bad-level.yml");
    assert!(
        errors[0].reason.contains("invalid level")
            && errors[0].reason.contains("apocalyptic")
            && errors[0]
                .reason
                .ends_with("not loaded: 11111111-1111-4111-8111-000000000005"),
        "{}",
        errors[0]
    );
    let event = Event::from_value(json!({
        "eventID": "e", "eventTime": "2024-03-01T10:00:00Z", "eventName": "CreateUser"
    }))
    .unwrap();
    assert_eq!(rules.evaluate(&event), vec![]);
}

#[test]
fn a_rules_directory_that_cannot_be_read_stops_the_start() {
    use activity_aware_source_cloudtrail::detect::Rules;

    let missing = data("absent");
    let error = Rules::load(Some(&missing), None).unwrap_err();
    assert!(
        error.to_string().starts_with(&format!(
            "the rules directory `{}` cannot be read: ",
            missing.display()
        )),
        "{error}"
    );

    // A file where a directory belongs.
    let a_file = data("broken").join("notes.txt");
    assert!(Rules::load(Some(&a_file), None).is_err());
}

#[test]
fn an_aggregation_condition_is_refused_in_plain_words() {
    let aggregation = r#"
title: Many denials
id: 11111111-1111-4111-8111-000000000009
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    errorCode: AccessDenied
  condition: selection | count() by userIdentity.arn > 20
"#;
    let (rules, errors) = RuleSet::from_texts([("aggregation.yml", aggregation)]);

    assert!(rules.is_empty());
    assert_eq!(
        errors,
        [RuleLoadError {
            file: "aggregation.yml".into(),
            rule: None,
            reason: "aggregation conditions (`selection | count() by ... > N`) are not supported"
                .into(),
        }]
    );
}
