//! Word-level analysis shared by the index, its queries, snippets and the extractive
//! answerer, so "what matches the question" means the same thing everywhere: tantivy's
//! English stemmer over lowercased words, minus function words that would make every
//! sentence look relevant to "how do I …?".
//!
//! The index drops the function words too, so a field's length counts only words that can
//! match: "What ROS 2 is (and is not)" is a two-word heading about ROS 2, not a seven-word
//! one that mentions it.

mod acronym;

use std::collections::HashSet;
use std::sync::LazyLock;

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};

const STOP_WORDS: &str = "a about after all also am an and any are as at be been before being
    both but by can could did do does doing done for from get got had has have having he her
    here him his how i if in into is it its just me more most my no not now of on once only or
    other our out over same she should so some such than that the their them then there these
    they this those through to too under up us very was we were what when where which while who
    whom why will with would you your";

static ANALYZER: LazyLock<TextAnalyzer> = LazyLock::new(|| {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(acronym::AcronymPlurals)
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(STOP_WORDS.split_whitespace().map(str::to_owned)))
        .filter(Stemmer::new(Language::English))
        .build()
});

/// The analyzer behind [`terms`], for the index to tokenize its fields with.
pub(crate) fn analyzer() -> TextAnalyzer {
    ANALYZER.clone()
}

/// The stemmed content words of `text`, in order, repeats kept.
pub(crate) fn terms(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// The distinct stemmed content words of `text`.
pub(crate) fn term_set(text: &str) -> HashSet<String> {
    terms(text).into_iter().collect()
}

/// A quotable piece of a section: one prose sentence (or list item) or one fenced code block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unit<'a> {
    pub text: &'a str,
    pub is_code: bool,
}

/// Splits section text into sentences and code blocks, in order.
pub(crate) fn units(text: &str) -> Vec<Unit<'_>> {
    let mut out = Vec::new();
    let mut code_start: Option<usize> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if line.starts_with("```") {
            match code_start.take() {
                Some(open) => out.push(Unit { text: text[open..offset].trim_end(), is_code: true }),
                None => code_start = Some(start),
            }
        } else if code_start.is_none() {
            out.extend(sentences(line.trim()).map(|text| Unit { text, is_code: false }));
        }
    }
    if let Some(open) = code_start {
        out.push(Unit { text: text[open..].trim_end(), is_code: true });
    }
    out
}

/// Sentence boundaries: `.`, `?` or `!` followed by a space and something that can start a
/// sentence, so "e.g. a robot" and "v1.2" stay whole.
fn sentences(line: &str) -> impl Iterator<Item = &str> {
    let mut rest = line;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let bytes = rest.as_bytes();
        let end = (1..bytes.len().saturating_sub(1))
            .find(|&i| {
                matches!(bytes[i - 1], b'.' | b'?' | b'!')
                    && bytes[i] == b' '
                    && rest[i + 1..].starts_with(|c: char| {
                        c.is_uppercase() || c.is_ascii_digit() || "`(\"'[".contains(c)
                    })
            })
            .unwrap_or(rest.len());
        let (sentence, tail) = rest.split_at(end);
        rest = tail.trim_start();
        Some(sentence.trim())
    })
    .filter(|s| !s.is_empty())
}

/// `text` as one line of plain text: code fences and backticks gone, whitespace collapsed.
pub(crate) fn flatten(text: &str) -> String {
    let words: Vec<&str> =
        text.lines().filter(|l| !l.starts_with("```")).flat_map(str::split_whitespace).collect();
    words.join(" ").replace('`', "")
}

/// Cuts `text` to at most `max` bytes at a word boundary, marking the cut with `…`.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut cut = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = text[..cut].rsplit_once(' ').map_or(&text[..cut], |(head, _)| head);
    format!("{}…", head.trim_end_matches([',', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_stemmed_content_words() {
        assert_eq!(
            terms("How do I install the sensors on my Jetson?"),
            ["instal", "sensor", "jetson"]
        );
        assert_eq!(terms("Installing: \"sensors\" AND (title:)"), ["instal", "sensor", "titl"]);
        assert_eq!(terms("IMUs, GPUs and 2 VLAs on a bus"), ["imu", "gpu", "2", "vla", "bus"]);
    }

    #[test]
    fn units_split_sentences_and_keep_code_whole() {
        let text = "A robot is a machine. It moves, e.g. on wheels. Version 1.2 works!\nList item\n\n```bash\n# one\nros2 run\n```\n\nLast? Yes.";
        let got: Vec<(&str, bool)> = units(text).iter().map(|u| (u.text, u.is_code)).collect();
        assert_eq!(
            got,
            [
                ("A robot is a machine.", false),
                ("It moves, e.g. on wheels.", false),
                ("Version 1.2 works!", false),
                ("List item", false),
                ("```bash\n# one\nros2 run\n```", true),
                ("Last?", false),
                ("Yes.", false),
            ]
        );
    }

    #[test]
    fn flatten_and_truncate() {
        assert_eq!(flatten("Run `ros2`:\n```bash\nros2 run x\n```"), "Run ros2: ros2 run x");
        assert_eq!(truncate("one two three four", 12), "one two…");
        assert_eq!(truncate("short", 12), "short");
        assert!(truncate(&"é".repeat(200), 41).len() <= 41);
    }
}
