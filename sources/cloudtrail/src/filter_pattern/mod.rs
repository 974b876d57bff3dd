/*!
The CloudWatch Logs filter pattern language, evaluated locally so that the
source run on raw CloudTrail events delivers exactly the events a
subscription filter with the same pattern would.

[`FilterPattern::parse`] reads a pattern once; [`FilterPattern::matches`]
then decides per event without allocating. The three documented forms are
supported: term patterns (`ERROR -Exiting`, `?ERROR ?WARN`), JSON patterns
(`{ $.errorCode = "AccessDenied*" }`) and space-delimited patterns
(`[ip, user, ..., status = 4*, bytes]`); each module states its rules.

Where the documentation leaves a choice open, the reading closest to its
examples is taken (a comparison needs its field present, `!=` included;
string conditions see numbers by their text and number conditions see
strings holding plain numbers), and anything outside the documented syntax
is refused with a [`PatternError`] naming the
position, never read as "match everything": regular expressions (`%...%`),
`[*]` selectors, escapes other than `\"` and `\\`, unquoted terms holding
punctuation, and patterns over 1,024 characters.
*/

mod cursor;
mod delimited;
mod error;
mod json;
mod pattern;
mod terms;
mod value;

pub use error::PatternError;
pub use pattern::{DEFAULT_FILTER_PATTERN, FilterPattern, MAX_PATTERN_CHARS};
