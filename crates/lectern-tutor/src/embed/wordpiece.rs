//! BERT's uncased WordPiece tokenizer, as `tokenizer.json` of a sentence-transformers model
//! describes it: clean, lowercase, strip accents, split on whitespace and punctuation, then
//! greedy longest-prefix sub-words marked `##`.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longer words are one unknown token, as in BERT.
const MAX_WORD_CHARS: usize = 100;

#[derive(Debug)]
pub(super) struct WordPiece {
    vocab: HashMap<String, u32>,
    pub(super) cls: u32,
    pub(super) sep: u32,
    unk: u32,
}

impl WordPiece {
    /// Reads the vocabulary from a Hugging Face `tokenizer.json` of a WordPiece model.
    pub(super) fn from_tokenizer_json(json: &[u8]) -> Result<Self, String> {
        #[derive(serde::Deserialize)]
        struct File {
            model: Model,
        }
        #[derive(serde::Deserialize)]
        struct Model {
            #[serde(rename = "type")]
            kind: String,
            vocab: HashMap<String, u32>,
        }
        let file: File = serde_json::from_slice(json).map_err(|e| e.to_string())?;
        if file.model.kind != "WordPiece" {
            return Err(format!("a {} tokenizer, not WordPiece", file.model.kind));
        }
        let vocab = file.model.vocab;
        let id =
            |token: &str| vocab.get(token).copied().ok_or(format!("no {token} in the vocabulary"));
        Ok(Self { cls: id("[CLS]")?, sep: id("[SEP]")?, unk: id("[UNK]")?, vocab })
    }

    /// The ids of `text`'s tokens, without `[CLS]` and `[SEP]`.
    pub(super) fn tokens(&self, text: &str) -> Vec<u32> {
        words(text).iter().flat_map(|word| self.pieces(word)).collect()
    }

    /// `tokens` between `[CLS]` and `[SEP]`.
    pub(super) fn sequence(&self, tokens: &[u32]) -> Vec<u32> {
        [&[self.cls], tokens, &[self.sep]].concat()
    }

    fn pieces(&self, word: &str) -> Vec<u32> {
        if word.chars().count() > MAX_WORD_CHARS {
            return vec![self.unk];
        }
        let mut ids = Vec::new();
        let mut start = 0;
        while start < word.len() {
            let mut end = word.len();
            let found = loop {
                let piece = &word[start..end];
                let id = if start == 0 {
                    self.vocab.get(piece)
                } else {
                    self.vocab.get(&format!("##{piece}"))
                };
                if let Some(&id) = id {
                    break Some(id);
                }
                match word[start..end].char_indices().next_back() {
                    Some((last, _)) if last > 0 => end = start + last,
                    _ => break None,
                }
            };
            match found {
                Some(id) => {
                    ids.push(id);
                    start = end;
                }
                None => return vec![self.unk],
            }
        }
        ids
    }
}

/// The normalised words and punctuation marks of `text`, in order.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() {
            out.push(std::mem::take(word));
        }
    };
    for c in text.nfd().flat_map(char::to_lowercase) {
        if c == '\0' || c == '\u{fffd}' || is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            flush(&mut word, &mut out);
        } else if is_punctuation(c) || is_cjk(c) {
            flush(&mut word, &mut out);
            out.push(c.to_string());
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// BERT's punctuation: ASCII symbols, and (approximating Unicode's P* categories, which
/// Rust's standard library does not expose) any other character that is neither a letter
/// nor a digit.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || (!c.is_ascii() && !c.is_alphanumeric())
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}
