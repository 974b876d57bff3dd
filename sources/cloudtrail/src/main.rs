//! The CloudTrail source's binary: the Lambda function when the Lambda
//! runtime starts it, a command-line tool when a person runs it with
//! arguments. Both run the same handler.

use std::process::ExitCode;

use activity_aware::telemetry::{self, LogFormat};
use activity_aware_source_cloudtrail::cli::{self, Cli};
use activity_aware_source_cloudtrail::lambda;
use clap::Parser;
use tracing::error;

// A batch makes and drops many small strings and maps; mimalloc serves
// them faster than the system allocator. The benchmarks run with it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let under_lambda =
        std::env::args_os().len() == 1 && std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();

    if under_lambda {
        telemetry::init(LogFormat::Json, "info");
        return match lambda::run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                error!(error_code = failure.code(), error = %failure, "source stopped");
                ExitCode::FAILURE
            }
        };
    }

    telemetry::init(LogFormat::Text, "warn");
    cli::run(Cli::parse()).await
}
