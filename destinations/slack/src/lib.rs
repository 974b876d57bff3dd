/*!
Activity Aware's Slack destination: reads standardized messages from the
topic and posts each to a Slack incoming webhook as a Block Kit message.

[`render`] turns a message into a payload, [`webhook`] delivers it,
[`handler`] does both for the records of one SNS event, and [`cli`] does both
for messages piped in on stdin.
*/

pub mod cli;
pub mod config;
pub mod error;
pub mod handler;
pub mod kms;
pub mod lambda;
pub mod limits;
pub mod mrkdwn;
pub mod preview;
pub mod render;
pub mod webhook;

pub use error::Error;
