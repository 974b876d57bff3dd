/*!
The source's command-line mode: the same handler as in Lambda, reading
sample files and writing messages as JSON lines to standard output.
*/

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::config::SourceConfig;
use crate::handler::{Detect, NoRules, Report, Source, Summary};
use crate::input::{self, Input};
use crate::publish::{Publish, Stdout};

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
}

/// Runs the command line and tells how it ended.
pub async fn run(cli: Cli) -> ExitCode {
    let mut config = SourceConfig::from_env();
    if let Some(pattern) = cli.filter_pattern {
        config.filter_pattern = Some(pattern);
    }

    let pattern = match config.pattern() {
        Ok(pattern) => pattern,
        Err(error) => {
            eprintln!("error: invalid filter pattern: {error}");
            return ExitCode::from(2);
        }
    };

    let source = Source {
        detector: NoRules,
        publisher: Stdout,
        report: Report::All,
    };

    let mut total = Summary::default();
    let mut failed = false;

    for file in &cli.files {
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
            let outcome = match input {
                Input::Subscription(payload) => source.handle_subscription(&payload).await,
                Input::Events(events) => {
                    let batch = input::filtered_batch(&events, &pattern, &shown);
                    source.handle_batch(&batch).await
                }
            };

            match outcome {
                Ok(summary) => total.add(&summary),
                Err(error) => {
                    eprintln!("error: {shown}: {error}");
                    failed = true;
                }
            }
        }
    }

    report(&total, cli.files.len());
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn report(total: &Summary, files: usize) {
    eprintln!(
        "source: {files} file(s), {} log event(s) read, {} message(s) published, \
         {} skipped as not CloudTrail events",
        total.log_events, total.published, total.skipped
    );
}

#[allow(dead_code)]
fn assert_traits<D: Detect, P: Publish>(_: &Source<D, P>) {}
