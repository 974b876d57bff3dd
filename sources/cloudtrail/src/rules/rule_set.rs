/*!
The loaded rules and their evaluation against one event.

Rules are parsed and compiled once, at cold start. Evaluation borrows the
event's JSON value as it is (no copy, no conversion) and asks the engine,
whose index skips rules that cannot match, which rules fire; each match
becomes the [`Finding`] prepared for that rule at load time.

A rule is known by its Sigma `id`, or by its title when it has none; two
rules with the same id cannot both load.
*/

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

use activity_aware::cloudtrail::Event;
use activity_aware::message::{Finding, Severity};
use std::borrow::Cow;

use rsigma_eval::{Engine, Event as SigmaEvent, EventValue, JsonEvent};
use rsigma_parser::{FilterRule, FilterRuleTarget, Level, LogSource, SigmaRule, parse_sigma_yaml};
use serde_json::Value;

use super::builtin;

/// The rule files' name endings that are loaded from a rules directory.
const RULE_FILE_EXTENSIONS: [&str; 2] = ["yml", "yaml"];

/// The Sigma log source these rules are written for.
const PRODUCT: &str = "aws";
const SERVICE: &str = "cloudtrail";

/// The severity of a rule that names no `level`.
const DEFAULT_SEVERITY: Severity = Severity::Medium;

/// Every loaded rule, ready to evaluate events.
pub struct RuleSet {
    engine: Engine,

    /// The finding each rule yields, by the rule's key (id, else title).
    findings: HashMap<String, Finding>,
}

/// A rule file, or one document in it, that did not load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleLoadError {
    /// The file: `builtin/<name>` for a built-in rule, else its path.
    pub file: String,

    /// The rule's id or title, when the file got far enough to name it.
    pub rule: Option<String>,

    /// What was wrong.
    pub reason: String,
}

impl fmt::Display for RuleLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some(rule) => write!(f, "rule `{rule}` in `{}`: {}", self.file, self.reason),
            None => write!(f, "rule file `{}`: {}", self.file, self.reason),
        }
    }
}

impl std::error::Error for RuleLoadError {}

impl fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.findings.len())
            .finish_non_exhaustive()
    }
}

impl RuleSet {
    /// The built-in rules, plus every `*.yml` / `*.yaml` file in `extra_dir`.
    ///
    /// Rules that do not load are returned as errors, one per problem, and
    /// every other rule still loads; logging them is the caller's choice.
    pub fn load(extra_dir: Option<&Path>) -> (RuleSet, Vec<RuleLoadError>) {
        let mut loader = Loader::default();

        for (name, text) in builtin::RULES {
            loader.add_text(&format!("builtin/{name}"), text);
        }

        if let Some(dir) = extra_dir {
            loader.add_dir(dir);
        }

        loader.finish()
    }

    /// Rules from the given files only, without the built-in ones: `(file
    /// name, YAML text)` pairs.
    pub fn from_texts<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (RuleSet, Vec<RuleLoadError>) {
        let mut loader = Loader::default();

        for (file, text) in files {
            loader.add_text(file, text);
        }

        loader.finish()
    }

    /// How many rules are loaded.
    pub fn len(&self) -> usize {
        self.findings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// The finding each loaded rule yields, in no particular order.
    pub fn rules(&self) -> impl Iterator<Item = &Finding> {
        self.findings.values()
    }

    /// Whether a rule with this id (or, for a rule without one, this title)
    /// is loaded.
    pub fn contains(&self, rule: &str) -> bool {
        self.findings.contains_key(rule)
    }

    /// Whether `name` is the id or the title of a loaded rule, the two ways
    /// suppressions and filters name rules.
    pub fn knows(&self, name: &str) -> bool {
        self.findings.contains_key(name) || self.findings.values().any(|rule| rule.title == name)
    }

    /// Every rule that matches the event, as findings, in load order.
    pub fn evaluate(&self, event: &Event) -> Vec<Finding> {
        let event = Probe::new(event.as_value());

        self.engine
            .evaluate(&event)
            .iter()
            .filter_map(|result| {
                let header = &result.header;
                let key = header.rule_id.as_deref().unwrap_or(&header.rule_title);
                self.findings.get(key).cloned()
            })
            .collect()
    }
}

/// The event as the rule engine reads it: the engine's own JSON view, with
/// a quicker path for the field names CloudTrail rules use.
///
/// Rules name fields as dotted paths (`userIdentity.type`); the engine's
/// view parses such a path into steps on every lookup. A path of plain
/// object keys is walked here directly instead, and every other case (a key
/// that itself holds a dot, an array on the way, brackets or escapes) goes
/// to the engine's view, so both give the same answer.
struct Probe<'a> {
    value: &'a Value,
    json: JsonEvent<'a>,
}

impl<'a> Probe<'a> {
    fn new(value: &'a Value) -> Probe<'a> {
        Probe {
            value,
            json: JsonEvent::borrow(value),
        }
    }

    /// The value at a path of plain object keys, or `Err(())` when the
    /// path needs the engine's own walk.
    fn walk(&self, path: &str) -> Result<Option<&'a Value>, ()> {
        let Value::Object(top) = self.value else {
            return Err(());
        };
        if let Some(value) = top.get(path) {
            return Ok(Some(value));
        }
        if path.contains(['[', '\\']) {
            return Err(());
        }

        let mut current = self.value;
        for key in path.split('.') {
            current = match current {
                Value::Object(fields) => match fields.get(key) {
                    Some(value) => value,
                    None => return Ok(None),
                },
                Value::Array(_) => return Err(()),
                _ => return Ok(None),
            };
        }
        Ok(Some(current))
    }
}

impl SigmaEvent for Probe<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        match self.walk(path) {
            Ok(found) => found.map(EventValue::from),
            Err(()) => self.json.get_field(path),
        }
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        self.json.any_string_value(pred)
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        self.json.all_string_values()
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        self.json.visit_string_values(visit)
    }

    fn to_json(&self) -> Value {
        self.json.to_json()
    }

    fn field_keys(&self) -> Vec<Cow<'_, str>> {
        self.json.field_keys()
    }

    // Not naming the event's keys makes the engine's candidate index look
    // up each field the rules use (a few dozen, each quick here) instead of
    // visiting every top-level key of every event; the answers are the same.
    fn top_level_keys(&self) -> Option<Vec<Cow<'_, str>>> {
        None
    }

    fn visit_top_level_keys(&self, _visit: &mut dyn FnMut(&str)) -> bool {
        false
    }
}

/// Collects rules from files, then compiles them all at once.
#[derive(Default)]
struct Loader {
    rules: Vec<(String, SigmaRule)>,
    filters: Vec<(String, FilterRule)>,
    errors: Vec<RuleLoadError>,
}

impl Loader {
    fn error(&mut self, file: &str, rule: Option<String>, reason: impl Into<String>) {
        self.errors.push(RuleLoadError {
            file: file.to_owned(),
            rule,
            reason: reason.into(),
        });
    }

    /// Reads the directory's rule files in name order, so that which of two
    /// clashing rules wins does not depend on the file system.
    fn add_dir(&mut self, dir: &Path) {
        let shown = dir.display().to_string();

        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(error) => {
                self.error(
                    &shown,
                    None,
                    format!("cannot read the rules directory: {error}"),
                );
                return;
            }
        };

        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_file() && is_rule_file(path))
            .collect();
        paths.sort();

        for path in paths {
            let file = path.display().to_string();

            match std::fs::read_to_string(&path) {
                Ok(text) => self.add_text(&file, &text),
                Err(error) => self.error(&file, None, format!("cannot read the file: {error}")),
            }
        }
    }

    /// Parses one file, which may hold several YAML documents.
    fn add_text(&mut self, file: &str, text: &str) {
        let collection = match parse_sigma_yaml(text) {
            Ok(collection) => collection,
            Err(error) => {
                self.error(file, None, parse_failure(&error.to_string(), text));
                return;
            }
        };

        // A problem the parser could read past (an unknown `level` or
        // `status`, say) still means the file is not what its author meant:
        // a rule running at a severity nobody chose would mislead. None of
        // the file's rules load, and each problem is reported.
        if !collection.errors.is_empty() {
            let rules: Vec<String> = collection.rules.iter().map(rule_key).collect();
            let not_loaded = if rules.is_empty() {
                String::new()
            } else {
                format!("; not loaded: {}", rules.join(", "))
            };
            for reason in collection.errors {
                let reason = parse_failure(&reason, text);
                self.error(file, None, format!("{reason}{not_loaded}"));
            }
            return;
        }

        for correlation in collection.correlations {
            self.error(
                file,
                Some(correlation.title),
                "correlation rules are not supported; only detection rules and filters are",
            );
        }

        for rule in collection.rules {
            match logsource_conflict(&rule.logsource) {
                Some(reason) => self.error(file, Some(rule_key(&rule)), reason),
                None => self.rules.push((file.to_owned(), rule)),
            }
        }

        for filter in collection.filters {
            self.filters.push((file.to_owned(), filter));
        }
    }

    fn finish(mut self) -> (RuleSet, Vec<RuleLoadError>) {
        let rules = std::mem::take(&mut self.rules);
        let mut accepted: Vec<(String, SigmaRule)> = Vec::with_capacity(rules.len());
        let mut first_file: HashMap<String, String> = HashMap::new();

        for (file, rule) in rules {
            let key = rule_key(&rule);

            if let Some(earlier) = first_file.get(&key) {
                let reason = format!("duplicate rule id, already loaded from `{earlier}`");
                self.error(&file, Some(key), reason);
                continue;
            }

            first_file.insert(key, file.clone());
            accepted.push((file, rule));
        }

        let mut engine = Engine::new();
        let failed: HashSet<usize> = engine
            .add_rules(accepted.iter().map(|(_, rule)| rule))
            .into_iter()
            .map(|(index, error)| {
                let (file, rule) = &accepted[index];
                self.error(file, Some(rule_key(rule)), error.to_string());
                index
            })
            .collect();

        let findings: HashMap<String, Finding> = accepted
            .iter()
            .enumerate()
            .filter(|(index, _)| !failed.contains(index))
            .map(|(_, (_, rule))| (rule_key(rule), finding_for(rule)))
            .collect();

        for (file, filter) in std::mem::take(&mut self.filters) {
            if let FilterRuleTarget::Specific(targets) = &filter.rules
                && !targets
                    .iter()
                    .any(|target| targets_a_rule(target, &findings))
            {
                self.error(&file, Some(filter.title), "the filter names no loaded rule");
                continue;
            }

            if let Err(error) = engine.apply_filter(&filter) {
                self.error(&file, Some(filter.title.clone()), error.to_string());
            }
        }

        (RuleSet { engine, findings }, self.errors)
    }
}

/// Whether a filter's `rules` entry names a loaded rule, by id or title as
/// the engine matches them.
fn targets_a_rule(target: &str, findings: &HashMap<String, Finding>) -> bool {
    findings.contains_key(target) || findings.values().any(|finding| finding.title == target)
}

fn is_rule_file(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            RULE_FILE_EXTENSIONS
                .iter()
                .any(|known| extension.eq_ignore_ascii_case(known))
        })
}

/// Why a rule is not for CloudTrail events, if it is not. A rule that names
/// no product or service is taken as it is.
fn logsource_conflict(logsource: &LogSource) -> Option<String> {
    if let Some(product) = &logsource.product
        && !product.eq_ignore_ascii_case(PRODUCT)
    {
        return Some(format!("logsource `product: {product}` is not `{PRODUCT}`"));
    }

    if let Some(service) = &logsource.service
        && !service.eq_ignore_ascii_case(SERVICE)
    {
        return Some(format!("logsource `service: {service}` is not `{SERVICE}`"));
    }

    None
}

/// The name a rule is known by: its id, else its title.
/// The parser's reason on one line, and for the old aggregation syntax,
/// what is wrong in words rather than the grammar's expectations.
fn parse_failure(reason: &str, text: &str) -> String {
    let aggregates = text.lines().any(|line| {
        line.trim_start()
            .strip_prefix("condition:")
            .is_some_and(|condition| condition.contains('|'))
    });
    if reason.starts_with("Condition parse error") && aggregates {
        return "aggregation conditions (`selection | count() by ... > N`) are not supported"
            .to_owned();
    }
    reason.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn rule_key(rule: &SigmaRule) -> String {
    rule.id.clone().unwrap_or_else(|| rule.title.clone())
}

fn finding_for(rule: &SigmaRule) -> Finding {
    Finding {
        rule_id: rule_key(rule),
        title: rule.title.clone(),
        severity: rule.level.map(severity_of).unwrap_or(DEFAULT_SEVERITY),
        description: rule.description.clone(),
        references: rule.references.clone(),
    }
}

fn severity_of(level: Level) -> Severity {
    match level {
        Level::Informational => Severity::Info,
        Level::Low => Severity::Low,
        Level::Medium => Severity::Medium,
        Level::High => Severity::High,
        Level::Critical => Severity::Critical,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(value: serde_json::Value) -> Event {
        Event::from_value(value).unwrap()
    }

    const RULE: &str = r#"
title: Bucket deleted
id: 00000000-0000-4000-8000-000000000001
description: A bucket went away.
references: [https://example.com/doc]
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: DeleteBucket
  condition: selection
level: high
"#;

    #[test]
    fn a_match_becomes_the_rule_finding() {
        let (rules, errors) = RuleSet::from_texts([("bucket.yml", RULE)]);
        assert_eq!(errors, vec![]);

        let findings = rules.evaluate(&event(json!({
            "eventID": "e1", "eventTime": "2024-01-01T00:00:00Z", "eventName": "DeleteBucket"
        })));

        assert_eq!(
            findings,
            vec![Finding {
                rule_id: "00000000-0000-4000-8000-000000000001".into(),
                title: "Bucket deleted".into(),
                severity: Severity::High,
                description: Some("A bucket went away.".into()),
                references: vec!["https://example.com/doc".into()],
            }]
        );
    }

    #[test]
    fn refuses_a_second_rule_with_the_same_id() {
        let (rules, errors) = RuleSet::from_texts([("a.yml", RULE), ("b.yml", RULE)]);

        assert_eq!(rules.len(), 1);
        assert_eq!(
            errors,
            vec![RuleLoadError {
                file: "b.yml".into(),
                rule: Some("00000000-0000-4000-8000-000000000001".into()),
                reason: "duplicate rule id, already loaded from `a.yml`".into(),
            }]
        );
    }

    #[test]
    fn skips_rules_for_other_log_sources() {
        let windows = RULE.replace("{product: aws, service: cloudtrail}", "{product: windows}");
        let (rules, errors) = RuleSet::from_texts([("windows.yml", windows.as_str())]);

        assert_eq!(rules.len(), 0);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "rule `00000000-0000-4000-8000-000000000001` in `windows.yml`: \
             logsource `product: windows` is not `aws`"
        );
    }

    #[test]
    fn a_rule_without_level_is_medium_and_known_by_title() {
        let text = RULE
            .replace("level: high", "")
            .replace("id: 00000000-0000-4000-8000-000000000001", "");
        let (rules, errors) = RuleSet::from_texts([("bucket.yml", text.as_str())]);
        assert_eq!(errors, vec![]);

        let findings = rules.evaluate(&event(json!({
            "eventID": "e1", "eventTime": "t", "eventName": "DeleteBucket"
        })));
        assert_eq!(findings[0].rule_id, "Bucket deleted");
        assert_eq!(findings[0].severity, Severity::Medium);
        assert!(rules.contains("Bucket deleted"));
    }

    #[test]
    fn a_rule_set_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<RuleSet>();
    }

    #[test]
    fn the_probe_finds_every_field_as_the_engine_view_does() {
        let value = json!({
            "eventSource": "s3.amazonaws.com",
            "userIdentity": {"type": "AssumedRole", "sessionContext": {"sessionIssuer": {"userName": "deploy"}}},
            "resources": [{"ARN": "arn:1", "type": "AWS::S3::Bucket"}, {"ARN": "arn:2"}],
            "requestParameters": {"policy": {"Statement": [{"Effect": "Allow"}]}, "n": 3, "empty": {}},
            "dotted.key": "flat wins",
            "dotted": {"key": "nested loses"},
            "list": ["a", "b"],
            "odd[0]": "bracketed key",
            "": {"": "empty keys"}
        });
        let paths = [
            "eventSource",
            "userIdentity.type",
            "userIdentity.sessionContext.sessionIssuer.userName",
            "userIdentity.missing",
            "userIdentity.type.deeper",
            "resources.ARN",
            "resources.type",
            "resources[1].ARN",
            "requestParameters.policy.Statement.Effect",
            "requestParameters.n",
            "requestParameters.empty",
            "dotted.key",
            "list",
            "list[0]",
            "odd\\[0\\]",
            ".",
            "..",
            "absent",
        ];

        let probe = Probe::new(&value);
        let engine = JsonEvent::borrow(&value);
        for path in paths {
            assert_eq!(probe.get_field(path), engine.get_field(path), "{path}");
        }
    }
}
