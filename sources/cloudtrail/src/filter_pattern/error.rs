//! Why a filter pattern was refused.
//!
//! Positions count characters from 1, so a person can find the spot in the
//! pattern they wrote.

/// A filter pattern that is malformed, too long or uses syntax this
/// evaluator does not support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("filter pattern is {length} characters long; CloudWatch Logs allows at most {limit}")]
    TooLong { length: usize, limit: usize },

    #[error("expected {expected} at position {position}, found `{found}`")]
    Unexpected {
        position: usize,
        expected: &'static str,
        found: String,
    },

    #[error("expected {expected} at position {position}, found the end of the pattern")]
    UnexpectedEnd {
        position: usize,
        expected: &'static str,
    },

    #[error("quoted string `{found}` starting at position {position} has no closing `\"`")]
    UnterminatedQuote { position: usize, found: String },

    #[error(
        "escape `{found}` at position {position} is not supported; \
         inside double quotes only `\\\"` and `\\\\` are recognized"
    )]
    UnsupportedEscape { position: usize, found: String },

    #[error(
        "term `{found}` at position {position} must be in double quotes: \
         unquoted terms may hold only letters, digits and `_`"
    )]
    UnquotedTerm { position: usize, found: String },

    #[error(
        "term `{found}` at position {position} comes before the first `?` term; \
         start the pattern with a `?` term"
    )]
    TermBeforeAlternative { position: usize, found: String },

    #[error("{feature} `{found}` at position {position} is not supported")]
    Unsupported {
        position: usize,
        feature: &'static str,
        found: String,
    },

    #[error("array index `{found}` at position {position} is too large")]
    IndexTooLarge { position: usize, found: String },
}
