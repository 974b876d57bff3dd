/*!
Suppressions: findings a team has looked at and accepted, kept as data.

A suppressions file is YAML:

```yaml
suppressions:
  - rule: 5177f808-af2e-4a7d-a1b5-f864ca982c78   # a rule id, or a rule title
    match:                                       # every field must match
      userIdentity.arn: arn:aws:sts::111122223333:assumed-role/scanner/i-*
      eventName: "Describe*"
    owner: platform-team
    reason: the scanner probes for permissions it may not have
    expires: 2026-12-31                          # last day it applies
```

`match` names event fields by their dotted path, with an exact value or a
pattern where `*` stands for any run of characters; a field the event lacks
never matches. Values are compared as written, case included. Every entry
needs a `rule`, a non-empty `match`, an `owner`, a `reason` and an
`expires` date: a suppression nobody owns or that never ends is how alerts
go quiet for good. An expired suppression stops applying, and its expiry is
logged once per cold start.
*/

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use activity_aware::cloudtrail::Event;
use activity_aware::message::Finding;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use tracing::{debug, warn};

use super::RuleSet;

/// The format of `expires`.
const DATE_FORMAT: &str = "%Y-%m-%d";

/// The loaded suppressions, in file order.
#[derive(Debug, Default)]
pub struct Suppressions {
    entries: Vec<Suppression>,
}

/// One accepted finding.
#[derive(Debug)]
struct Suppression {
    /// A rule id or title.
    rule: String,
    conditions: Vec<Condition>,
    owner: String,
    reason: String,
    /// The last day the suppression applies.
    expires: NaiveDate,
    /// Set once the expiry has been logged.
    expiry_logged: AtomicBool,
}

/// One field of the event and the value it must have.
#[derive(Debug)]
struct Condition {
    path: Vec<String>,
    pattern: String,
}

/// A suppressions file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SuppressionError {
    #[error("cannot read suppressions file `{path}`: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },

    #[error("suppressions file `{origin}` is not valid: {reason}")]
    Yaml { origin: String, reason: String },

    #[error("suppression {entry} has no `{field}`")]
    MissingField { entry: String, field: &'static str },

    #[error("suppression {entry} has an empty `match`; name at least one event field")]
    EmptyMatch { entry: String },

    #[error("suppression {entry}: `match.{field}` must be a quoted string, found {found}")]
    BadMatchValue {
        entry: String,
        field: String,
        found: &'static str,
    },

    #[error("suppression {entry}: `expires` must be a date as YYYY-MM-DD, found `{value}`")]
    BadDate { entry: String, value: String },
}

/// The file as written, before checking.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    #[serde(default)]
    suppressions: Vec<EntrySpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntrySpec {
    rule: Option<String>,
    #[serde(rename = "match")]
    conditions: Option<BTreeMap<String, yaml_serde::Value>>,
    owner: Option<String>,
    reason: Option<String>,
    expires: Option<yaml_serde::Value>,
}

/// Today's date in UTC, for [`Suppressions::apply`].
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

impl Suppressions {
    /// Reads and checks a suppressions file.
    pub fn load(path: &Path) -> Result<Suppressions, SuppressionError> {
        let text = std::fs::read_to_string(path).map_err(|source| SuppressionError::Read {
            path: path.display().to_string(),
            source,
        })?;

        Suppressions::from_yaml(&text, &path.display().to_string())
    }

    /// Checks suppressions given as YAML text; `origin` names it in errors.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Suppressions, SuppressionError> {
        let spec: FileSpec =
            yaml_serde::from_str(text).map_err(|error| SuppressionError::Yaml {
                origin: origin.to_owned(),
                reason: error.to_string(),
            })?;

        let entries = spec
            .suppressions
            .into_iter()
            .enumerate()
            .map(|(index, entry)| Suppression::check(index + 1, entry))
            .collect::<Result<_, _>>()?;

        Ok(Suppressions { entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The rules the suppressions name that are not loaded, in file order:
    /// a suppression for a rule that does not exist never applies, which is
    /// usually a typo worth a warning.
    pub fn unknown_rules<'a>(&'a self, rules: &RuleSet) -> Vec<&'a str> {
        self.entries
            .iter()
            .map(|entry| entry.rule.as_str())
            .filter(|rule| !rules.knows(rule))
            .collect()
    }

    /// The findings that no suppression in force on `today` covers.
    pub fn apply(&self, findings: Vec<Finding>, event: &Event, today: NaiveDate) -> Vec<Finding> {
        if self.entries.is_empty() {
            return findings;
        }

        findings
            .into_iter()
            .filter(|finding| {
                let Some(by) = self
                    .entries
                    .iter()
                    .find(|entry| entry.covers(finding, event, today))
                else {
                    return true;
                };

                debug!(
                    event_id = event.id(),
                    rule_id = %finding.rule_id,
                    owner = %by.owner,
                    reason = %by.reason,
                    "finding suppressed"
                );
                false
            })
            .collect()
    }
}

impl Suppression {
    fn check(index: usize, spec: EntrySpec) -> Result<Suppression, SuppressionError> {
        let entry = match &spec.rule {
            Some(rule) => format!("{index} (rule `{rule}`)"),
            None => index.to_string(),
        };
        let missing = |field| SuppressionError::MissingField {
            entry: entry.clone(),
            field,
        };

        let rule = present(spec.rule.clone()).ok_or_else(|| missing("rule"))?;
        let owner = present(spec.owner).ok_or_else(|| missing("owner"))?;
        let reason = present(spec.reason).ok_or_else(|| missing("reason"))?;
        let expires = spec.expires.ok_or_else(|| missing("expires"))?;
        let conditions = spec.conditions.ok_or_else(|| missing("match"))?;

        if conditions.is_empty() {
            return Err(SuppressionError::EmptyMatch { entry });
        }

        let conditions = conditions
            .into_iter()
            .map(|(field, value)| match value {
                yaml_serde::Value::String(pattern) => Ok(Condition {
                    path: field.split('.').map(str::to_owned).collect(),
                    pattern,
                }),
                other => Err(SuppressionError::BadMatchValue {
                    entry: entry.clone(),
                    field,
                    found: yaml_kind(&other),
                }),
            })
            .collect::<Result<_, _>>()?;

        let expires = match &expires {
            yaml_serde::Value::String(text) => {
                NaiveDate::parse_from_str(text.trim(), DATE_FORMAT).ok()
            }
            _ => None,
        }
        .ok_or_else(|| SuppressionError::BadDate {
            entry: entry.clone(),
            value: yaml_text(&expires),
        })?;

        Ok(Suppression {
            rule,
            conditions,
            owner,
            reason,
            expires,
            expiry_logged: AtomicBool::new(false),
        })
    }

    fn covers(&self, finding: &Finding, event: &Event, today: NaiveDate) -> bool {
        if self.rule != finding.rule_id && self.rule != finding.title {
            return false;
        }

        if today > self.expires {
            if !self.expiry_logged.swap(true, Ordering::Relaxed) {
                warn!(
                    rule = %self.rule,
                    owner = %self.owner,
                    expires = %self.expires,
                    "suppression expired"
                );
            }
            return false;
        }

        self.conditions
            .iter()
            .all(|condition| condition.matches(event.as_value()))
    }
}

impl Condition {
    fn matches(&self, event: &Value) -> bool {
        let mut value = event;
        for segment in &self.path {
            match value.get(segment) {
                Some(inner) => value = inner,
                None => return false,
            }
        }

        match value {
            Value::String(text) => wildcard_match(&self.pattern, text),
            Value::Number(number) => wildcard_match(&self.pattern, &number.to_string()),
            Value::Bool(flag) => {
                wildcard_match(&self.pattern, if *flag { "true" } else { "false" })
            }
            Value::Null | Value::Array(_) | Value::Object(_) => false,
        }
    }
}

/// Whether `text` matches `pattern`, where `*` stands for any run of
/// characters (none included) and everything else for itself.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');

    // `split` always yields at least one part.
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };

    let middle: Vec<&str> = parts.collect();
    let Some((last, middle)) = middle.split_last() else {
        // No `*` at all: the whole text must be the pattern.
        return rest.is_empty();
    };

    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }

    rest.len() >= last.len() && rest.ends_with(last)
}

fn present(text: Option<String>) -> Option<String> {
    text.filter(|text| !text.trim().is_empty())
}

fn yaml_kind(value: &yaml_serde::Value) -> &'static str {
    match value {
        yaml_serde::Value::Null => "nothing",
        yaml_serde::Value::Bool(_) => "a boolean",
        yaml_serde::Value::Number(_) => "a number",
        yaml_serde::Value::String(_) => "a string",
        yaml_serde::Value::Sequence(_) => "a list",
        yaml_serde::Value::Mapping(_) => "a mapping",
        yaml_serde::Value::Tagged(_) => "a tagged value",
    }
}

fn yaml_text(value: &yaml_serde::Value) -> String {
    match value {
        yaml_serde::Value::String(text) => text.clone(),
        yaml_serde::Value::Number(number) => number.to_string(),
        yaml_serde::Value::Bool(flag) => flag.to_string(),
        other => yaml_kind(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use activity_aware::message::Severity;
    use serde_json::json;

    const DENIED: &str = "5177f808-af2e-4a7d-a1b5-f864ca982c78";

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, DATE_FORMAT).unwrap()
    }

    fn finding(rule_id: &str, title: &str) -> Finding {
        Finding {
            rule_id: rule_id.into(),
            title: title.into(),
            severity: Severity::Medium,
            description: None,
            references: vec![],
        }
    }

    fn denial() -> Event {
        Event::from_value(json!({
            "eventID": "e1",
            "eventTime": "2026-03-01T10:00:00Z",
            "eventName": "DescribeInstances",
            "recipientAccountId": "012345678901",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": "arn:aws:sts::012345678901:assumed-role/scanner/i-0abc"
            },
            "errorCode": "Client.UnauthorizedOperation"
        }))
        .unwrap()
    }

    fn suppressions(text: &str) -> Suppressions {
        Suppressions::from_yaml(text, "test.yml").unwrap()
    }

    const SCANNER: &str = r#"
suppressions:
  - rule: 5177f808-af2e-4a7d-a1b5-f864ca982c78
    match:
      userIdentity.arn: "arn:aws:sts::012345678901:assumed-role/scanner/*"
      eventName: Describe*
      recipientAccountId: "012345678901"
    owner: platform-team
    reason: the scanner probes for permissions it may not have
    expires: 2026-12-31
"#;

    #[test]
    fn removes_a_finding_whose_rule_and_fields_match() {
        let kept = suppressions(SCANNER).apply(
            vec![finding(DENIED, "Access denied"), finding("other", "Other")],
            &denial(),
            date("2026-03-01"),
        );

        assert_eq!(kept, vec![finding("other", "Other")]);
    }

    #[test]
    fn keeps_a_finding_when_one_field_differs() {
        let text = SCANNER.replace("Describe*", "List*");
        let kept = suppressions(&text).apply(
            vec![finding(DENIED, "Access denied")],
            &denial(),
            date("2026-03-01"),
        );

        assert_eq!(kept, vec![finding(DENIED, "Access denied")]);
    }

    #[test]
    fn names_a_rule_by_title_too() {
        let text = SCANNER.replace(DENIED, "Access denied");
        let kept = suppressions(&text).apply(
            vec![finding(DENIED, "Access denied")],
            &denial(),
            date("2026-03-01"),
        );

        assert_eq!(kept, vec![]);
    }

    #[test]
    fn applies_through_its_expiry_day_and_stops_after() {
        let suppressions = suppressions(SCANNER);
        let findings = || vec![finding(DENIED, "Access denied")];

        assert_eq!(
            suppressions.apply(findings(), &denial(), date("2026-12-31")),
            vec![]
        );
        assert_eq!(
            suppressions.apply(findings(), &denial(), date("2027-01-01")),
            findings()
        );
        assert!(
            suppressions.entries[0]
                .expiry_logged
                .load(Ordering::Relaxed)
        );
    }

    #[test]
    fn a_field_the_event_lacks_never_matches() {
        let text = SCANNER.replace("eventName: Describe*", "sourceIPAddress: \"*\"");
        let kept = suppressions(&text).apply(
            vec![finding(DENIED, "Access denied")],
            &denial(),
            date("2026-03-01"),
        );

        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn names_the_entry_and_the_missing_field() {
        for field in ["owner", "reason", "expires", "match"] {
            let text: String = SCANNER
                .lines()
                .filter(|line| !line.trim_start().starts_with(&format!("{field}:")))
                .collect::<Vec<_>>()
                .join("\n");
            let text = if field == "match" {
                text.lines()
                    .filter(|line| !line.starts_with("      "))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                text
            };

            let error = Suppressions::from_yaml(&text, "test.yml").unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("suppression 1 (rule `{DENIED}`) has no `{field}`")
            );
        }
    }

    #[test]
    fn refuses_a_bad_date_an_unquoted_number_and_an_empty_match() {
        let error =
            Suppressions::from_yaml(&SCANNER.replace("2026-12-31", "31/12/2026"), "t").unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "suppression 1 (rule `{DENIED}`): `expires` must be a date as YYYY-MM-DD, \
                 found `31/12/2026`"
            )
        );

        let error =
            Suppressions::from_yaml(&SCANNER.replace("\"012345678901\"", "12345678901"), "t")
                .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "suppression 1 (rule `{DENIED}`): `match.recipientAccountId` must be a quoted \
                 string, found a number"
            )
        );

        let error = Suppressions::from_yaml(
            "suppressions:\n  - rule: r\n    match: {}\n    owner: o\n    reason: r\n    expires: 2026-01-01\n",
            "t",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "suppression 1 (rule `r`) has an empty `match`; name at least one event field"
        );
    }

    #[test]
    fn reports_an_unknown_key_and_a_missing_file() {
        let error = Suppressions::from_yaml("suppressions:\n  - rul: x\n", "s.yml").unwrap_err();
        assert!(
            error.to_string().starts_with(
                "suppressions file `s.yml` is not valid: suppressions[0]: unknown field `rul`"
            ),
            "{error}"
        );

        let error = Suppressions::load(Path::new("/nonexistent/suppressions.yml")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("cannot read suppressions file `/nonexistent/suppressions.yml`: "),
            "{error}"
        );
    }

    #[test]
    fn names_suppressions_for_rules_that_are_not_loaded() {
        let (rules, _) = RuleSet::load(None);
        let text = format!(
            "{SCANNER}{}",
            SCANNER
                .replace("suppressions:\n", "")
                .replace(DENIED, "Acces denied or unauthorized operation")
        );

        assert_eq!(
            suppressions(&text).unknown_rules(&rules),
            ["Acces denied or unauthorized operation"]
        );
        assert_eq!(
            suppressions(&SCANNER.replace(DENIED, "Access denied or unauthorized operation"))
                .unknown_rules(&rules),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn star_matches_any_run_of_characters() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("Describe*", "DescribeInstances"));
        assert!(wildcard_match("*Instances", "DescribeInstances"));
        assert!(wildcard_match("arn:*:role/*", "arn:aws:iam::1:role/ci"));
        assert!(wildcard_match("a*a", "aa"));
        assert!(!wildcard_match("a*a", "a"));
        assert!(!wildcard_match("Describe", "DescribeInstances"));
        assert!(!wildcard_match("describe*", "DescribeInstances"));
    }
}
