/*!
Detection rules: which events deserve a message, and how loud it is.

Rules are Sigma rules (`logsource: product: aws, service: cloudtrail`),
evaluated by the `rsigma` engine against the CloudTrail event as it is, with
the dotted field names Sigma's CloudTrail rules use (`userIdentity.type`,
`responseElements.ConsoleLogin`). Built-in rules ship inside the binary;
a directory of extra rules can be added at cold start.

After evaluation, [`suppress`] drops findings a team has accepted, each with
an owner, a reason and an expiry, and [`group`] collapses repeats inside one
batch so a burst of identical denials arrives as one message.
*/

mod builtin;
pub mod group;
mod rule_set;
pub mod suppress;

pub use group::group;
pub use rule_set::{RuleLoadError, RuleSet};
pub use suppress::{SuppressionError, Suppressions};
