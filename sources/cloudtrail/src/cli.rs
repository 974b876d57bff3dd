/*!
The source's command-line mode: the same handler as in Lambda, reading
sample files and writing messages as JSON lines to standard output, or, with
a topic, publishing them to SNS as the Lambda function does.
*/

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Parser;

use activity_aware::Message;
use activity_aware::cloudtrail::Event;
use activity_aware::message::Finding;

use crate::config::{self, SourceConfig};
use crate::detect::Rules;
use crate::filter_pattern::FilterPattern;
use crate::handler::{Detect, HandlerError, Source, Summary};
use crate::input::{self, Input};
use crate::publish::{Collect, Publish, PublishError, Stdout};
use crate::sns::SnsPublisher;

/// Runs CloudTrail input through the source and prints the messages it
/// publishes, one JSON document per line.
#[derive(Debug, Parser)]
#[command(name = "source-cloudtrail", version)]
pub struct Cli {
    /// Files to read: CloudWatch Logs subscription events, single CloudTrail
    /// events or CloudTrail log files (`{"Records": [...]}`, plain or .gz).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,

    /// CloudWatch Logs filter pattern applied to raw events; overrides
    /// FILTER_PATTERN. An empty pattern matches every event.
    #[arg(long)]
    pub filter_pattern: Option<String>,

    /// A directory of extra Sigma rules; overrides RULES_DIR.
    #[arg(long)]
    pub rules: Option<PathBuf>,

    /// A suppressions file; overrides SUPPRESSIONS_FILE.
    #[arg(long)]
    pub suppressions: Option<PathBuf>,

    /// `findings` reports events that matched a rule; `all` reports every
    /// event that passes the filter pattern. Overrides REPORT.
    #[arg(long)]
    pub report: Option<String>,

    /// Publish to this SNS topic instead of printing; overrides TOPIC_ARN.
    /// The AWS SDK's usual settings apply (AWS_PROFILE, AWS_REGION, and
    /// AWS_ENDPOINT_URL for an emulator).
    #[arg(long)]
    pub topic_arn: Option<String>,

    /// Print how many events each rule matched and how many messages
    /// resulted, instead of the messages.
    #[arg(long)]
    pub stats: bool,
}

/// Runs the command line and tells how it ended.
pub async fn run(cli: Cli) -> ExitCode {
    let config = match settings(&cli) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };

    let pattern = match config.pattern() {
        Ok(pattern) => pattern,
        Err(error) => {
            eprintln!("error: invalid filter pattern: {error}");
            return ExitCode::from(2);
        }
    };

    let rules = match Rules::load(
        config.rules_dir.as_deref(),
        config.suppressions_file.as_deref(),
    ) {
        Ok(rules) => rules,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };

    if cli.stats {
        let source = Source {
            detector: Counting::new(rules),
            publisher: Collect::default(),
            report: config.report,
        };
        let (total, filtered, failed) = run_files(&source, &cli.files, &pattern).await;
        print_stats(&source, &total, filtered);
        return exit_code(failed);
    }

    let (total, filtered, failed) = match config.topic_arn.clone() {
        Some(topic_arn) => {
            let sdk_config = activity_aware::aws::load_config().await;
            let publisher = SnsPublisher::new(aws_sdk_sns::Client::new(&sdk_config), topic_arn);
            let source = Source {
                detector: rules,
                publisher: ToTopic(publisher),
                report: config.report,
            };
            run_files(&source, &cli.files, &pattern).await
        }
        None => {
            let source = Source {
                detector: rules,
                publisher: Stdout,
                report: config.report,
            };
            run_files(&source, &cli.files, &pattern).await
        }
    };
    eprintln!(
        "source: {} file(s); {} raw event(s), {} passed the filter pattern; {} log event(s) \
         handled: {} skipped as not CloudTrail events, {} repeated, {} without findings; \
         {} message(s) published",
        cli.files.len(),
        filtered.raw,
        filtered.passed,
        total.log_events,
        total.skipped,
        total.duplicates,
        total.unmatched,
        total.published
    );
    exit_code(failed)
}

fn settings(cli: &Cli) -> Result<SourceConfig, config::ConfigError> {
    let mut settings = SourceConfig::from_env()?;
    if let Some(pattern) = &cli.filter_pattern {
        settings.filter_pattern = Some(pattern.clone());
    }
    if let Some(dir) = &cli.rules {
        settings.rules_dir = Some(dir.clone());
    }
    if let Some(file) = &cli.suppressions {
        settings.suppressions_file = Some(file.clone());
    }
    if let Some(report) = &cli.report {
        settings.report = config::parse_report(report)?;
    }
    if let Some(arn) = cli
        .topic_arn
        .as_deref()
        .filter(|arn| !arn.trim().is_empty())
    {
        settings.topic_arn = Some(arn.to_owned());
    }
    if let Some(arn) = &settings.topic_arn {
        config::check_topic_arn(arn)?;
    }
    Ok(settings)
}

/// Publishes to the topic and says on stderr what each publish took.
struct ToTopic(SnsPublisher);

impl Publish for ToTopic {
    async fn publish(&self, messages: &[Message]) -> Result<(), PublishError> {
        if messages.is_empty() {
            return Ok(());
        }
        let stats = self.0.publish_all(messages).await?;
        eprintln!(
            "source: {} message(s) published to {} in {} request(s), {} trimmed to fit, \
             {} entry retries",
            stats.published,
            self.0.topic_arn(),
            stats.requests,
            stats.trimmed,
            stats.retried
        );
        Ok(())
    }
}

/// Runs every file through the source; reports unreadable inputs and goes on.
async fn run_files<D: Detect, P: Publish>(
    source: &Source<D, P>,
    files: &[PathBuf],
    pattern: &FilterPattern,
) -> (Summary, Filtered, bool) {
    let mut total = Summary::default();
    let mut filtered = Filtered::default();
    let mut failed = false;

    for file in files {
        let shown = file.display().to_string();
        let inputs = match input::read_file(file) {
            Ok(inputs) => inputs,
            Err(error) => {
                eprintln!("error: {error}");
                failed = true;
                continue;
            }
        };

        for input in inputs {
            let outcome: Result<Summary, HandlerError> = match input {
                Input::Subscription(payload) => source.handle_subscription(&payload).await,
                Input::Batch(batch) => source.handle_batch(&batch).await,
                Input::Events(events) => {
                    let batch = input::filtered_batch(&events, pattern, &shown);
                    filtered.raw += events.len();
                    filtered.passed += batch.log_events.len();
                    source.handle_batch(&batch).await
                }
            };

            match outcome {
                Ok(summary) => total.add(&summary),
                Err(error) if reader_gone(&error) => {
                    // Whatever reads the messages stopped (and says why);
                    // writing on would fail the same way for every file.
                    eprintln!(
                        "error: standard output was closed by its reader; stopped at {shown}"
                    );
                    return (total, filtered, true);
                }
                Err(error) => {
                    eprintln!("error: {shown}: {error}");
                    failed = true;
                }
            }
        }
    }

    (total, filtered, failed)
}

/// Whether publishing failed because standard output's reader went away.
fn reader_gone(error: &HandlerError) -> bool {
    matches!(
        error,
        HandlerError::Publish(PublishError::Stdout { source })
            if source.kind() == std::io::ErrorKind::BrokenPipe
    )
}

/// Raw events read from files, and how many the filter pattern passed.
#[derive(Debug, Default, Clone, Copy)]
struct Filtered {
    raw: usize,
    passed: usize,
}

fn exit_code(failed: bool) -> ExitCode {
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A detector that counts, per rule, the events it matched.
struct Counting<D> {
    inner: D,
    matched: Mutex<BTreeMap<String, (Finding, usize)>>,
    before_grouping: Mutex<usize>,
}

impl<D> Counting<D> {
    fn new(inner: D) -> Counting<D> {
        Counting {
            inner,
            matched: Mutex::new(BTreeMap::new()),
            before_grouping: Mutex::new(0),
        }
    }
}

impl<D: Detect> Detect for Counting<D> {
    fn detect(&self, event: &Event) -> Vec<Finding> {
        let findings = self.inner.detect(event);
        if let Ok(mut matched) = self.matched.lock() {
            for finding in &findings {
                matched
                    .entry(finding.rule_id.clone())
                    .or_insert_with(|| (finding.clone(), 0))
                    .1 += 1;
            }
        }
        findings
    }

    fn group(&self, messages: Vec<Message>) -> Vec<Message> {
        if let Ok(mut count) = self.before_grouping.lock() {
            *count += messages.len();
        }
        self.inner.group(messages)
    }
}

fn print_stats(source: &Source<Counting<Rules>, Collect>, total: &Summary, filtered: Filtered) {
    let matched = source
        .detector
        .matched
        .lock()
        .map(|matched| matched.clone())
        .unwrap_or_default();
    let before = source
        .detector
        .before_grouping
        .lock()
        .map(|count| *count)
        .unwrap_or_default();

    let mut rows: Vec<_> = matched.values().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.title.cmp(&b.0.title)));

    println!("| rule | level | events matched |");
    println!("|---|---|---:|");
    for (finding, count) in &rows {
        println!("| {} | {} | {count} |", finding.title, finding.severity);
    }
    let silent = source.detector.inner.rules.len().saturating_sub(rows.len());
    println!();
    println!("raw events read: {}", filtered.raw);
    println!("raw events the filter pattern passed: {}", filtered.passed);
    println!("log events handled: {}", total.log_events);
    println!("skipped as not CloudTrail events: {}", total.skipped);
    println!("events without findings: {}", total.unmatched);
    println!("rules that matched nothing: {silent}");
    println!("messages before grouping: {before}");
    println!("messages after grouping: {}", total.published);
}
