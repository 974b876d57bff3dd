/*!
The CloudTrail source: CloudWatch Logs subscription events in, standardized
messages out.

The same handler runs under the Lambda runtime and from the command line.
*/

pub mod cli;
pub mod config;
pub mod decode;
pub mod detect;
pub mod email;
pub mod filter_pattern;
pub mod handler;
pub mod input;
pub mod lambda;
pub mod publish;
pub mod rules;
pub mod sns;
