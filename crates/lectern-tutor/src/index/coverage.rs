//! Whether the retrieved sections answer the question at all.
//!
//! BM25 always finds something: for "what is the best recipe for sourdough bread?" the
//! sample book's best match is a section on QoS "best effort". What gives such a match away
//! is how little of the question it contains. Coverage is the share of the question's
//! content words that the best passages contain, each word weighted by how rare it is in the
//! book; a word the book never uses weighs most, since a question built on it is about
//! something else.

use std::collections::HashSet;

use tantivy::{Searcher, Term};

use super::schema::Fields;
use crate::passage::Passage;
use crate::text;

/// The passages read for evidence: a question's words are often spread over the best two.
const EVIDENCE: usize = 2;
/// The coverage from which passages answer a question, by words alone. Measured on
/// `examples/eval` (see `docs/retrieval.md`): 0.3 wrongly refuses about 1% of in-book
/// questions; 0.4 declines more out-of-book ones but refuses 7%.
const COVERED: f32 = 0.3;
/// With embeddings, the evidence is `MEANING` × the best passage's similarity to the question
/// plus the rest × coverage, and passages answer from `EVIDENT`. Chosen on
/// `examples/eval/readers.json` (see `docs/retrieval.md`): most out-of-book questions share
/// a word or two with the book but little meaning.
const MEANING: f32 = 0.7;
const EVIDENT: f32 = 0.38;

/// Whether the first `passages` hold enough of `question`: its words (see [`coverage`]) and,
/// when the passages carry their similarity to it, its meaning; with the coverage.
pub(super) fn assess(
    searcher: &Searcher,
    fields: &Fields,
    question: &str,
    passages: &[Passage],
) -> tantivy::Result<(bool, f32)> {
    let coverage = coverage(searcher, fields, question, passages)?;
    let meaning = passages.iter().filter_map(|p| p.similarity).reduce(f32::max);
    let covered = !passages.is_empty()
        && match meaning {
            Some(similarity) => MEANING * similarity + (1.0 - MEANING) * coverage >= EVIDENT,
            None => coverage >= COVERED,
        };
    Ok((covered, coverage))
}

/// The rarity-weighted share of `question`'s distinct content words found in the text of the
/// first passages, in [0, 1]; 0 for a question with no content word or no passage.
fn coverage(
    searcher: &Searcher,
    fields: &Fields,
    question: &str,
    passages: &[Passage],
) -> tantivy::Result<f32> {
    let words = text::term_set(question);
    let found: HashSet<String> = passages
        .iter()
        .take(EVIDENCE)
        .flat_map(|p| text::term_set(&format!("{}\n{}", p.title, p.text)))
        .collect();
    let docs = searcher.num_docs() as f32;
    let (mut total, mut covered) = (0.0f32, 0.0f32);
    for word in &words {
        let df = searcher.doc_freq(&Term::from_field_text(fields.body, word))? as f32;
        let weight = (1.0 + docs / (df + 1.0)).ln();
        total += weight;
        if found.contains(word) {
            covered += weight;
        }
    }
    Ok(if total > 0.0 { covered / total } else { 0.0 })
}
