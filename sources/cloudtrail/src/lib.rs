/*!
The CloudTrail source: CloudWatch Logs subscription events in, standardized
messages out.

The same handler runs under the Lambda runtime and from the command line.
*/

pub mod filter_pattern;
