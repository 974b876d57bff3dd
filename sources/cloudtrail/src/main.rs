//! The CloudTrail source's binary: the Lambda function when the Lambda
//! runtime starts it, a command-line tool when a person runs it with
//! arguments. Both run the same handler.

use std::process::ExitCode;

use activity_aware::telemetry::{self, LogFormat};
use activity_aware_source_cloudtrail::cli::{self, Cli};
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init(LogFormat::Text, "warn");
    cli::run(Cli::parse()).await
}
