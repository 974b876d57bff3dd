/*!
The command-line mode: contract messages as JSON lines on stdin.

Blank lines are skipped. A line that is not a message is reported on stderr
with its line number and skipped; the exit status says so at the end. With
a webhook configured each payload is posted, exactly as the Lambda function
posts it; without one each payload is printed, as compact JSON or as a
plain-text preview.
*/

use std::io::Write;

use activity_aware::Message;
use clap::{Parser, ValueEnum};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::Instant;

use crate::config::SlackConfig;
use crate::error::Error;
use crate::handler::describe_invalid;
use crate::preview::preview;
use crate::render::render;
use crate::webhook::{PostPayload, SlackWebhook};

/// Renders Activity Aware messages (JSON lines on stdin) for Slack, and
/// posts them when `SLACK_WEBHOOK_URL` is set.
#[derive(Debug, Parser)]
#[command(name = "destination-slack", version)]
pub struct Args {
    /// How to print payloads when no webhook is set.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// How payloads are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One compact JSON payload per line, as it would be posted.
    Json,
    /// A readable preview of what the team would see.
    Text,
}

/// Reads messages from stdin until it ends.
pub async fn run(args: Args, config: SlackConfig) -> Result<(), Error> {
    let webhook = match config.webhook {
        Some(source) => Some(SlackWebhook::new(source.resolve().await?, config.retry)?),
        None => None,
    };

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdout = std::io::stdout().lock();
    let mut total = 0;
    let mut failed = 0;
    let mut number = 0;

    while let Some(line) = lines
        .next_line()
        .await
        .map_err(|source| Error::Stdin { source })?
    {
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        total += 1;

        let message = match Message::from_json(&line) {
            Ok(message) => message,
            Err(reason) => {
                eprintln!(
                    "line {number}: not a message: {}",
                    describe_invalid(&reason)
                );
                failed += 1;
                continue;
            }
        };
        let payload = render(&message);

        let Some(webhook) = &webhook else {
            let printed = match args.format {
                Format::Json => writeln!(stdout, "{payload}"),
                Format::Text => writeln!(stdout, "{}", preview(&payload)),
            };
            printed.map_err(|source| Error::Stdout { source })?;
            continue;
        };

        let deadline = Instant::now() + config.cli_deadline;
        match webhook.post(&payload, deadline).await {
            Ok(delivery) => eprintln!(
                "line {number}: message {:?} delivered ({} attempts)",
                message.id, delivery.attempts
            ),
            Err(error) => {
                eprintln!(
                    "line {number}: message {:?} not delivered: {error}",
                    message.id
                );
                failed += 1;
            }
        }
    }

    stdout.flush().map_err(|source| Error::Stdout { source })?;
    if failed > 0 {
        return Err(Error::LinesFailed { failed, total });
    }
    Ok(())
}
