/*!
Safe text for Slack: escaping, neutralising and cutting event data.

Everything a message says about an event is attacker-controlled: a user agent,
a session name or an error message can hold `<!channel>`, a `<url|text>` link
or mrkdwn formatting. Every piece of event data that goes into a payload
passes through [`fit`] with a [`Style`] saying where it will be shown:

- `&`, `<` and `>` always become `&amp;`, `&lt;` and `&gt;`, so event data can
  never form a mention, a link or a date token;
- inside inline code and code blocks a backtick becomes `ˋ` (U+02CB), so data
  cannot close the span and have the rest read as formatting;
- outside code (rule titles, labels) the formatting characters `*`, `_`, `~`
  and `` ` `` become look-alikes that Slack does not interpret;
- control characters and bidirectional overrides, which could hide or
  reorder what a reader sees, are replaced.

Lengths are counted in UTF-16 code units of the escaped text. That is never
less than the count in characters however Slack counts them, so a text that
fits here fits there.
*/

/// What a cut text ends with.
pub const TRUNCATED: &str = "… [truncated]";

/// Where a piece of event data is shown, which decides how it is made safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `plain_text` objects and the notification text: escaped, one line.
    Plain,
    /// Free text inside mrkdwn but outside code: escaped, one line, with
    /// formatting characters replaced by look-alikes.
    Words,
    /// Inside an inline code span: escaped, one line, no backticks.
    Code,
    /// Inside a code block: escaped, line breaks kept, no backticks.
    Block,
    /// Inside a code block, as one single-quoted shell word: like `Block`,
    /// and `'` written as `'\''`.
    ShellQuoted,
}

/// The length of `text` as counted against Slack's limits.
pub fn slack_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Makes `raw` safe for `style` and cuts it to at most `max` units (see
/// [`slack_len`]). A cut text ends with [`TRUNCATED`]; cuts fall between
/// characters, never inside an escape sequence.
pub fn fit(raw: &str, style: Style, max: usize) -> String {
    let marker_len = slack_len(TRUNCATED);
    let budget = max.saturating_sub(marker_len);

    let mut out = String::new();
    let mut len = 0;
    let mut safe_end = 0;

    for c in raw.chars() {
        let piece = map(style, c);
        len += piece.len();

        if len > max {
            out.truncate(safe_end);
            if max >= marker_len {
                out.push_str(TRUNCATED);
            }
            return out;
        }

        piece.push_to(&mut out);
        if len <= budget {
            safe_end = out.len();
        }
    }

    out
}

/// Whether [`fit`] would cut `raw` at `max`.
pub fn would_cut(raw: &str, style: Style, max: usize) -> bool {
    let mut len = 0;
    for c in raw.chars() {
        len += map(style, c).len();
        if len > max {
            return true;
        }
    }
    false
}

/// `raw` as an inline code span of at most `max` units, or an italic
/// `(empty)` when there is nothing to show.
pub fn code(raw: &str, max: usize) -> String {
    if raw.is_empty() {
        return "_(empty)_".to_owned();
    }
    format!("`{}`", fit(raw, Style::Code, max.saturating_sub(2)))
}

/// `raw` as a code block of at most `max` units.
pub fn block(raw: &str, max: usize) -> String {
    if raw.is_empty() {
        return "_(empty)_".to_owned();
    }
    format!("```{}```", fit(raw, Style::Block, max.saturating_sub(6)))
}

/// One character of event data as written for a style.
#[derive(Debug, Clone, Copy)]
enum Piece {
    Char(char),
    Str(&'static str),
}

impl Piece {
    fn len(self) -> usize {
        match self {
            Piece::Char(c) => c.len_utf16(),
            Piece::Str(s) => slack_len(s),
        }
    }

    fn push_to(self, out: &mut String) {
        match self {
            Piece::Char(c) => out.push(c),
            Piece::Str(s) => out.push_str(s),
        }
    }
}

fn map(style: Style, c: char) -> Piece {
    match c {
        '&' => return Piece::Str("&amp;"),
        '<' => return Piece::Str("&lt;"),
        '>' => return Piece::Str("&gt;"),
        _ => {}
    }

    if is_bidi_control(c) {
        return Piece::Char('\u{FFFD}');
    }

    let line_break = matches!(c, '\n' | '\u{2028}' | '\u{2029}');
    if line_break {
        return match style {
            Style::Block | Style::ShellQuoted => Piece::Char('\n'),
            Style::Code => Piece::Char('↵'),
            Style::Plain | Style::Words => Piece::Char(' '),
        };
    }
    if c.is_control() {
        return Piece::Char(' ');
    }

    match (style, c) {
        (Style::Plain, _) => Piece::Char(c),
        (_, '`') => Piece::Char('ˋ'),
        (Style::ShellQuoted, '\'') => Piece::Str("'\\''"),
        (Style::Words, '*') => Piece::Char('∗'),
        (Style::Words, '_') => Piece::Char('ˍ'),
        (Style::Words, '~') => Piece::Char('∼'),
        _ => Piece::Char(c),
    }
}

/// Characters that change the display order or hide text.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_characters_in_every_style() {
        for style in [
            Style::Plain,
            Style::Words,
            Style::Code,
            Style::Block,
            Style::ShellQuoted,
        ] {
            assert_eq!(
                fit("<!channel> & <@U123>", style, 100),
                "&lt;!channel&gt; &amp; &lt;@U123&gt;"
            );
        }
    }

    #[test]
    fn replaces_backticks_inside_code() {
        assert_eq!(code("a`b```c", 100), "`aˋbˋˋˋc`");
        assert_eq!(block("x```y", 100), "```xˋˋˋy```");
    }

    #[test]
    fn neutralises_formatting_outside_code() {
        assert_eq!(
            fit("*bold* _it_ ~s~ `c`", Style::Words, 100),
            "∗bold∗ ˍitˍ ∼s∼ ˋcˋ"
        );
    }

    #[test]
    fn keeps_line_breaks_only_in_blocks() {
        assert_eq!(fit("a\nb\tc", Style::Block, 100), "a\nb c");
        assert_eq!(fit("a\nb", Style::Code, 100), "a↵b");
        assert_eq!(fit("a\n> quote", Style::Words, 100), "a &gt; quote");
    }

    #[test]
    fn replaces_bidirectional_overrides() {
        assert_eq!(fit("a\u{202E}b", Style::Code, 100), "a\u{FFFD}b");
    }

    #[test]
    fn quotes_for_the_shell() {
        assert_eq!(fit("it's", Style::ShellQuoted, 100), "it'\\''s");
    }

    #[test]
    fn cuts_with_a_visible_marker_counting_escapes() {
        // 10 ampersands escape to 50 units.
        let cut = fit(&"&".repeat(10), Style::Plain, 30);
        assert_eq!(cut, format!("&amp;&amp;&amp;{TRUNCATED}"));
        assert!(slack_len(&cut) <= 30);
    }

    #[test]
    fn counts_astral_characters_as_two_units() {
        assert_eq!(slack_len("🔴"), 2);
        let cut = fit(&"🔴".repeat(20), Style::Plain, 20);
        assert_eq!(cut, format!("🔴🔴🔴{TRUNCATED}"));
    }

    #[test]
    fn leaves_short_text_alone() {
        assert_eq!(fit("abc", Style::Plain, 3), "abc");
        assert!(!would_cut("abc", Style::Plain, 3));
        assert!(would_cut("abcd", Style::Plain, 3));
    }

    #[test]
    fn shows_empty_values_as_empty() {
        assert_eq!(code("", 10), "_(empty)_");
    }
}
