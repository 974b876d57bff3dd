/*!
What Activity Aware's sources and destinations share: the message contract,
the CloudTrail event model and the standardizer that turns one into the
other, configuration and logging helpers, and (feature `aws`) how the
product reaches AWS.

Sources and destinations depend on this crate and never on each other.
*/

#[cfg(feature = "aws")]
pub mod aws;
pub mod cloudtrail;
pub mod config;
pub mod fit;
pub mod message;
pub mod standardize;
pub mod telemetry;

pub use message::{Message, Severity};
