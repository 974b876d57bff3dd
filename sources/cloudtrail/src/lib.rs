/*!
The CloudTrail source: CloudWatch Logs subscription events in, standardized
messages out.

The same handler runs under the Lambda runtime and from the command line.
*/

pub mod decode;
pub mod filter_pattern;
pub mod handler;
pub mod publish;
