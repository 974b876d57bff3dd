//! The CloudWatch Logs filter pattern language, evaluated locally so that
//! the source delivers exactly the events a subscription filter would.

mod cursor;
mod delimited;
mod error;
mod json;
mod pattern;
mod terms;
mod value;

pub use error::PatternError;
pub use pattern::{DEFAULT_FILTER_PATTERN, FilterPattern, MAX_PATTERN_CHARS};
