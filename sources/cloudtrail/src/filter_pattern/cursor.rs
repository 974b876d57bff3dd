//! A read position in a filter pattern, and the lexing every pattern form
//! shares: whitespace, double-quoted strings, and errors that name where the
//! parser stood.

use super::error::PatternError;

/// The longest offending text an error quotes; longer text is cut with `…`.
const SNIPPET_CHARS: usize = 40;

/// A byte position in the pattern text, always on a character boundary.
pub(super) struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    pub(super) fn offset(&self) -> usize {
        self.pos
    }

    /// The pattern text between two byte offsets from [`Cursor::offset`].
    pub(super) fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// Moves back to an offset the cursor has already passed.
    pub(super) fn rewind(&mut self, offset: usize) {
        if offset <= self.pos && self.text.is_char_boundary(offset) {
            self.pos = offset;
        }
    }

    pub(super) fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    pub(super) fn is_at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(super) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Consumes `token` if the rest of the pattern starts with it.
    pub(super) fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    pub(super) fn skip_whitespace(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start();
        self.pos += rest.len() - trimmed.len();
    }

    /// Consumes characters while `keep` holds and returns them.
    pub(super) fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let end = rest.find(|c: char| !keep(c)).unwrap_or(rest.len());
        self.pos += end;
        &rest[..end]
    }

    /// The 1-based character position of a byte offset.
    pub(super) fn position_of(&self, offset: usize) -> usize {
        self.text.get(..offset).map_or(0, |s| s.chars().count()) + 1
    }

    pub(super) fn position(&self) -> usize {
        self.position_of(self.pos)
    }

    /// Reads a double-quoted string starting at the cursor, which must be on
    /// the opening quote. `\"` and `\\` are the only escapes.
    pub(super) fn quoted(&mut self) -> Result<String, PatternError> {
        let start = self.pos;
        self.bump();
        let mut value = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(PatternError::UnterminatedQuote {
                    position: self.position_of(start),
                    found: snippet(&self.text[start..]),
                });
            };
            match c {
                '"' => return Ok(value),
                '\\' => {
                    let escape_at = self.pos - 1;
                    match self.bump() {
                        Some(e @ ('"' | '\\')) => value.push(e),
                        Some(other) => {
                            return Err(PatternError::UnsupportedEscape {
                                position: self.position_of(escape_at),
                                found: format!("\\{other}"),
                            });
                        }
                        None => {
                            return Err(PatternError::UnterminatedQuote {
                                position: self.position_of(start),
                                found: snippet(&self.text[start..]),
                            });
                        }
                    }
                }
                other => value.push(other),
            }
        }
    }

    /// An error for the token at the cursor, or for the end of the pattern.
    pub(super) fn unexpected(&self, expected: &'static str) -> PatternError {
        let position = self.position();
        match self.next_token() {
            Some(found) => PatternError::Unexpected {
                position,
                expected,
                found: snippet(found),
            },
            None => PatternError::UnexpectedEnd { position, expected },
        }
    }

    /// The text from the cursor up to the next whitespace, or at least one
    /// character; `None` at the end of the pattern.
    fn next_token(&self) -> Option<&'a str> {
        let rest = self.rest();
        let first = rest.chars().next()?;
        let end = rest
            .find(char::is_whitespace)
            .unwrap_or(rest.len())
            .max(first.len_utf8());
        Some(&rest[..end])
    }
}

/// Offending text as an error quotes it: cut to a readable length.
pub(super) fn snippet(text: &str) -> String {
    match text.char_indices().nth(SNIPPET_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_reads_escaped_quote_and_backslash() {
        let mut cursor = Cursor::new(r#""a\"b\\c" rest"#);
        assert_eq!(cursor.quoted(), Ok(r#"a"b\c"#.to_owned()));
        assert_eq!(cursor.rest(), " rest");
    }

    #[test]
    fn quoted_refuses_other_escapes() {
        let mut cursor = Cursor::new(r#""a\nb""#);
        assert_eq!(
            cursor.quoted(),
            Err(PatternError::UnsupportedEscape {
                position: 3,
                found: "\\n".to_owned()
            })
        );
    }

    #[test]
    fn quoted_refuses_missing_closing_quote() {
        let mut cursor = Cursor::new(r#"x "abc"#);
        cursor.bump();
        cursor.bump();
        assert_eq!(
            cursor.quoted(),
            Err(PatternError::UnterminatedQuote {
                position: 3,
                found: "\"abc".to_owned()
            })
        );
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let mut cursor = Cursor::new("éé x");
        cursor.bump();
        cursor.bump();
        assert_eq!(cursor.position(), 3);
    }

    #[test]
    fn snippet_cuts_long_text() {
        let long = "a".repeat(100);
        assert_eq!(snippet(&long), format!("{}…", "a".repeat(SNIPPET_CHARS)));
        assert_eq!(snippet("short"), "short");
    }
}
