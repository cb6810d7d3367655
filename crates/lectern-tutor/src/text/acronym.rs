//! "IMUs" → "IMU": the plural `s` of an upper-case acronym, which the English stemmer keeps.
//!
//! Porter2 leaves words ending in "us" and words whose only vowel precedes the `s` alone
//! (so "bus" and "gas" survive), which also keeps "IMUs", "GPUs", "VLAs" and "LLMs" apart
//! from "IMU", "GPU", "VLA" and "LLM": the book's "IMUs" heading did not match "what is an
//! IMU". An acronym is at least two upper-case letters or digits before the `s`; it must run
//! before lower-casing, which erases the difference from a word like "bus".

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

#[derive(Debug, Clone, Copy)]
pub(crate) struct AcronymPlurals;

impl TokenFilter for AcronymPlurals {
    type Tokenizer<T: Tokenizer> = Filter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Filter<T> {
        Filter(tokenizer)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Filter<T>(T);

impl<T: Tokenizer> Tokenizer for Filter<T> {
    type TokenStream<'a> = Stream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        Stream(self.0.token_stream(text))
    }
}

pub(crate) struct Stream<S>(S);

impl<S: TokenStream> TokenStream for Stream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let text = &mut self.0.token_mut().text;
        if let Some(stem) = text.strip_suffix('s')
            && stem.len() >= 2
            && stem.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && stem.bytes().any(|b| b.is_ascii_uppercase())
        {
            text.pop();
        }
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}
