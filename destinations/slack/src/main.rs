/*!
The `destination-slack` binary: under the Lambda runtime it serves SNS
events; run by a person it reads messages from stdin.
*/

use std::process::ExitCode;

use activity_aware::telemetry::{self, LogFormat};
use clap::Parser;
use destination_slack::cli::{self, Args};
use destination_slack::config::SlackConfig;
use destination_slack::lambda;
use tracing::error;

#[tokio::main]
async fn main() -> ExitCode {
    let under_lambda =
        std::env::args_os().len() == 1 && std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();

    if under_lambda {
        telemetry::init(LogFormat::Json, "info");
        let result = match SlackConfig::from_env() {
            Ok(config) => lambda::run(config).await,
            Err(error) => Err(error),
        };
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                error!(error_code = failure.code(), error = %failure, "destination stopped");
                ExitCode::FAILURE
            }
        };
    }

    let args = Args::parse();
    telemetry::init(LogFormat::Text, "warn");
    let result = match SlackConfig::from_env() {
        Ok(config) => cli::run(args, config).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("destination-slack: {failure}");
            ExitCode::FAILURE
        }
    }
}
