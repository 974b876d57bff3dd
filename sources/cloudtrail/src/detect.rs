/*!
The source's detector: Sigma rules, then suppressions, then grouping.

Built once per cold start from the configuration; the Lambda runtime and
the command line share it.
*/

use std::path::Path;

use tracing::{info, warn};

use activity_aware::Message;
use activity_aware::cloudtrail::Event;
use activity_aware::message::Finding;

use crate::handler::Detect;
use crate::rules::{self, RuleSet, SuppressionError, Suppressions};

/// Why the rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the rules directory `{dir}` cannot be read: {source}")]
    RulesDir { dir: String, source: std::io::Error },

    #[error(transparent)]
    Suppressions(#[from] SuppressionError),
}

/// Rules with their suppressions.
#[derive(Debug)]
pub struct Rules {
    pub rules: RuleSet,
    pub suppressions: Suppressions,
}

impl Rules {
    /// Loads the built-in rules, the extra rules in `rules_dir` and the
    /// suppressions file. A rule that does not load is reported and the
    /// others still run; a rules directory that cannot be read, or a
    /// suppressions file that does not load, stops the start.
    pub fn load(
        rules_dir: Option<&Path>,
        suppressions_file: Option<&Path>,
    ) -> Result<Rules, LoadError> {
        // A rules directory that cannot be read at all is a mistake in the
        // configuration, not a broken rule: running without every rule the
        // team wrote would hide what they asked to see.
        if let Some(dir) = rules_dir
            && let Err(source) = std::fs::read_dir(dir)
        {
            return Err(LoadError::RulesDir {
                dir: dir.display().to_string(),
                source,
            });
        }

        let (rules, errors) = RuleSet::load(rules_dir);
        for error in &errors {
            warn!(
                file = %error.file,
                rule = error.rule.as_deref().unwrap_or("-"),
                reason = %error.reason,
                "rule skipped, it did not load"
            );
        }

        let suppressions = match suppressions_file {
            Some(path) => Suppressions::load(path)?,
            None => Suppressions::default(),
        };
        for rule in suppressions.unknown_rules(&rules) {
            warn!(
                rule,
                "suppression names no loaded rule, it silences nothing"
            );
        }

        info!(
            rules = rules.len(),
            rules_skipped = errors.len(),
            suppressions = suppressions.len(),
            "rules loaded"
        );

        Ok(Rules {
            rules,
            suppressions,
        })
    }
}

impl Detect for Rules {
    fn detect(&self, event: &Event) -> Vec<Finding> {
        let findings = self.rules.evaluate(event);
        if findings.is_empty() || self.suppressions.is_empty() {
            return findings;
        }

        self.suppressions
            .apply(findings, event, rules::suppress::today())
    }

    fn group(&self, messages: Vec<Message>) -> Vec<Message> {
        rules::group(messages)
    }
}
