/*!
The built-in rules, embedded in the binary from `rules/builtin/`.
*/

/// A built-in rule file: its name under `rules/builtin/` and its text.
macro_rules! builtin {
    ($name:literal) => {
        ($name, include_str!(concat!("../../rules/builtin/", $name)))
    };
}

/// Every built-in rule file, by name.
pub(crate) const RULES: &[(&str, &str)] = &[
    builtin!("access-denied.yml"),
    builtin!("cloudtrail-configuration-changed.yml"),
    builtin!("cloudtrail-insights-unusual-activity.yml"),
    builtin!("cloudtrail-logging-narrowed.yml"),
    builtin!("cloudtrail-logging-stopped.yml"),
    builtin!("cloudwatch-logs-delivery-changed.yml"),
    builtin!("config-changed.yml"),
    builtin!("console-sign-in-failed.yml"),
    builtin!("console-sign-in-without-mfa.yml"),
    builtin!("iam-policy-changed.yml"),
    builtin!("kms-key-disabled-or-scheduled-for-deletion.yml"),
    builtin!("lambda-function-changed.yml"),
    builtin!("lambda-function-throttled-to-zero.yml"),
    builtin!("network-acl-changed.yml"),
    builtin!("network-gateway-changed.yml"),
    builtin!("organizations-changed.yml"),
    builtin!("root-user-activity.yml"),
    builtin!("route-table-changed.yml"),
    builtin!("s3-bucket-policy-changed.yml"),
    builtin!("security-group-changed.yml"),
    builtin!("sns-delivery-changed.yml"),
    builtin!("vpc-changed.yml"),
];
