//! Term patterns: words and quoted phrases searched for in the raw text of a
//! log event.
//!
//! Terms are separated by whitespace and every term must occur in the event,
//! case-sensitively and anywhere in the text (`ERROR` also finds
//! `ERRORCODE`). A term that holds anything but letters, digits and `_` must
//! be in double quotes; a quoted term is searched for as one phrase. `-term`
//! requires the term to be absent. `?term` starts an alternative: the pattern
//! then matches when any alternative matches, and the terms that follow a
//! `?term` belong to its alternative, so `?ERROR ?WARN` finds either word and
//! `?ERROR MainThread ?WARN Deadlock` finds either pair.

use super::cursor::{Cursor, snippet};
use super::error::PatternError;

/// A parsed term pattern: it matches when any of its alternatives does.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TermPattern {
    alternatives: Vec<Alternative>,
}

/// Terms that must all be present and terms that must all be absent.
#[derive(Debug, Clone, Default, PartialEq)]
struct Alternative {
    present: Vec<Box<str>>,
    absent: Vec<Box<str>>,
}

impl Alternative {
    fn matches(&self, message: &str) -> bool {
        self.present.iter().all(|term| message.contains(&**term))
            && !self.absent.iter().any(|term| message.contains(&**term))
    }
}

/// How a term is marked in the pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Plain,
    Absent,
    Alternative,
}

impl TermPattern {
    /// Parses a pattern that is neither empty, JSON nor space-delimited.
    pub(super) fn parse(text: &str) -> Result<Self, PatternError> {
        let mut cursor = Cursor::new(text);
        let mut terms = Vec::new();

        cursor.skip_whitespace();
        while !cursor.is_at_end() {
            let start = cursor.offset();
            let marker = match cursor.peek() {
                Some('?') => Marker::Alternative,
                Some('-') => Marker::Absent,
                _ => Marker::Plain,
            };
            if marker != Marker::Plain {
                cursor.bump();
                cursor.skip_whitespace();
            }
            let term = read_term(&mut cursor)?;
            terms.push((marker, term, start, cursor.offset()));

            let before_space = cursor.offset();
            cursor.skip_whitespace();
            if !cursor.is_at_end() && cursor.offset() == before_space {
                return Err(cursor.unexpected("whitespace after a term"));
            }
        }

        let uses_alternatives = terms.iter().any(|(m, ..)| *m == Marker::Alternative);
        if let Some((marker, _, start, end)) = terms.first()
            && uses_alternatives
            && *marker != Marker::Alternative
        {
            return Err(PatternError::TermBeforeAlternative {
                position: cursor.position_of(*start),
                found: snippet(cursor.slice(*start, *end)),
            });
        }

        let mut alternatives: Vec<Alternative> = Vec::new();
        for (marker, term, ..) in terms {
            if marker == Marker::Alternative || alternatives.is_empty() {
                alternatives.push(Alternative::default());
            }
            if let Some(current) = alternatives.last_mut() {
                match marker {
                    Marker::Absent => current.absent.push(term.into()),
                    Marker::Plain | Marker::Alternative => current.present.push(term.into()),
                }
            }
        }
        Ok(Self { alternatives })
    }

    pub(super) fn matches(&self, message: &str) -> bool {
        self.alternatives.iter().any(|alt| alt.matches(message))
    }
}

/// Reads one quoted or unquoted term at the cursor.
fn read_term(cursor: &mut Cursor<'_>) -> Result<String, PatternError> {
    match cursor.peek() {
        None => Err(cursor.unexpected("a term after `?` or `-`")),
        Some('"') => cursor.quoted(),
        Some('%') => Err(PatternError::Unsupported {
            position: cursor.position(),
            feature: "regular expression",
            found: snippet(cursor.rest()),
        }),
        Some(_) => {
            let position = cursor.position();
            let word = cursor.take_while(|c| !c.is_whitespace());
            if word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                Ok(word.to_owned())
            } else {
                Err(PatternError::UnquotedTerm {
                    position,
                    found: snippet(word),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, message: &str) -> bool {
        TermPattern::parse(pattern).unwrap().matches(message)
    }

    #[test]
    fn single_term_matches_anywhere_in_the_text() {
        assert!(matches("ERROR", "[ERROR] A fatal exception has occurred"));
        assert!(matches("ERROR", "Exiting with ERRORCODE: -1"));
        assert!(!matches("ERROR", "all good"));
    }

    #[test]
    fn terms_are_case_sensitive() {
        assert!(!matches("ERROR", "error: lower case"));
        assert!(!matches("error", "ERROR"));
    }

    #[test]
    fn every_plain_term_must_occur() {
        assert!(matches("ERROR Exception", "[ERROR] Unhandled Exception"));
        assert!(matches("ERROR Exception", "Exception then ERROR"));
        assert!(!matches("ERROR Exception", "[ERROR] only"));
    }

    #[test]
    fn quoted_term_is_one_phrase() {
        assert!(matches("\"to process\"", "Failed to process the request"));
        assert!(!matches("\"process to\"", "Failed to process the request"));
        assert!(matches("\"a-b\"", "x a-b y"));
    }

    #[test]
    fn minus_term_must_be_absent() {
        assert!(matches(
            "ERROR -Exiting",
            "[ERROR] A fatal exception has occurred"
        ));
        assert!(!matches("ERROR -Exiting", "Exiting with ERRORCODE: -1"));
        assert!(matches("-ERROR", "all good"));
        assert!(!matches("-ERROR", "ERROR here"));
    }

    #[test]
    fn minus_may_stand_apart_from_its_quoted_term() {
        assert!(!matches(
            "\"ERROR\" - \"Exiting\"",
            "Exiting with ERRORCODE: -1"
        ));
        assert!(matches("\"ERROR\" - \"Exiting\"", "[ERROR] fatal"));
    }

    #[test]
    fn question_terms_are_alternatives() {
        assert!(matches("?ERROR ?WARN", "ERROR message"));
        assert!(matches("?ERROR ?WARN", "WARN message"));
        assert!(!matches("?ERROR ?WARN", "INFO message"));
    }

    #[test]
    fn terms_after_a_question_term_join_its_alternative() {
        let pattern = "?ERROR MainThread ?WARN Deadlock";
        assert!(matches(pattern, "ERROR in MainThread"));
        assert!(matches(pattern, "WARN Deadlock found"));
        assert!(!matches(pattern, "ERROR Deadlock"));
        assert!(!matches(pattern, "WARN MainThread"));
    }

    #[test]
    fn exclusion_inside_an_alternative() {
        let pattern = "?ERROR -Exiting ?WARN";
        assert!(matches(pattern, "ERROR now"));
        assert!(!matches(pattern, "ERROR Exiting"));
        assert!(matches(pattern, "WARN Exiting"));
    }

    #[test]
    fn refuses_a_term_before_the_first_alternative() {
        assert_eq!(
            TermPattern::parse("ERROR ?WARN"),
            Err(PatternError::TermBeforeAlternative {
                position: 1,
                found: "ERROR".to_owned()
            })
        );
    }

    #[test]
    fn refuses_unquoted_punctuation() {
        assert_eq!(
            TermPattern::parse("ok ERROR:"),
            Err(PatternError::UnquotedTerm {
                position: 4,
                found: "ERROR:".to_owned()
            })
        );
        assert!(matches!(
            TermPattern::parse("Client.UnauthorizedOperation"),
            Err(PatternError::UnquotedTerm { position: 1, .. })
        ));
    }

    #[test]
    fn refuses_non_ascii_unquoted_terms_but_accepts_them_quoted() {
        assert!(matches!(
            TermPattern::parse("café"),
            Err(PatternError::UnquotedTerm { .. })
        ));
        assert!(matches("\"café\"", "au café"));
    }

    #[test]
    fn refuses_regex() {
        assert_eq!(
            TermPattern::parse("%AUTH%"),
            Err(PatternError::Unsupported {
                position: 1,
                feature: "regular expression",
                found: "%AUTH%".to_owned()
            })
        );
    }

    #[test]
    fn refuses_a_dangling_marker() {
        assert_eq!(
            TermPattern::parse("ERROR -"),
            Err(PatternError::UnexpectedEnd {
                position: 8,
                expected: "a term after `?` or `-`"
            })
        );
    }

    #[test]
    fn refuses_text_glued_to_a_quoted_term() {
        assert_eq!(
            TermPattern::parse("\"a\"b"),
            Err(PatternError::Unexpected {
                position: 4,
                expected: "whitespace after a term",
                found: "b".to_owned()
            })
        );
    }

    #[test]
    fn empty_quoted_term_matches_everything() {
        assert!(matches("\"\"", "anything"));
        assert!(matches("\"\"", ""));
    }
}
