//! The CloudWatch Logs filter-pattern parser and matcher on untrusted text:
//! the first line is the pattern, the rest the log event it is matched
//! against, as JSON when it reads as JSON. Nothing may panic, and a pattern
//! that parses must parse again from its own text to the same meaning.

#![no_main]

use activity_aware_source_cloudtrail::filter_pattern::FilterPattern;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (pattern, message) = text.split_once('\n').unwrap_or((&text, ""));

    let Ok(parsed) = FilterPattern::parse(pattern) else {
        return;
    };
    let json = serde_json::from_str::<Value>(message).ok();
    let matched = parsed.matches(message, json.as_ref());

    let again = FilterPattern::parse(parsed.as_str())
        .unwrap_or_else(|error| panic!("{pattern:?} parsed, its text does not: {error}"));
    assert_eq!(
        again.matches(message, json.as_ref()),
        matched,
        "{pattern:?}"
    );
});
