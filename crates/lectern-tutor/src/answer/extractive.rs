//! The answer without a model: the retrieved sections' sentences that best match the
//! question, quoted with citations, then the sources. Sentences are scored by how many of
//! the question's (stemmed) words they contain, then nudged by the reader: a beginner gets
//! definitions before code, an advanced reader code and dense sentences, and a sentence that
//! names the reader's platform ranks up. A "what is X" question prefers the sentences that
//! define X, code blocks count half (they match on identifiers, not meaning), and the best
//! retrieved section is always quoted. Deterministic, so it can be tested and cached.

use std::collections::HashSet;

use crate::answer::AnswerRequest;
use crate::reader::Level;
use crate::text::{self, Unit};

/// How an answer says the book has none, with or without a model: the widget and the
/// author's view recognise unanswered questions by the message's flag, not this text.
pub(crate) const NOT_COVERED: &str = "The book doesn't seem to cover this.";
const MAX_QUOTES: usize = 4;
const MIN_QUOTES: usize = 2;
/// A quote must score at least this share of the best one, beyond the minimum.
const KEEP_RATIO: f32 = 0.5;

struct Candidate<'a> {
    passage: usize,
    position: usize,
    unit: Unit<'a>,
    score: f32,
}

/// The answer's Markdown in pieces: the lead-in, one piece per quote, the sources.
pub(super) fn answer(request: &AnswerRequest) -> Vec<String> {
    if request.passages.is_empty() {
        return vec![format!(
            "{NOT_COVERED} Try asking with the words the book might use, or browse its table of contents."
        )];
    }
    if request.weak_evidence {
        let closest: String = request
            .passages
            .iter()
            .map(|p| format!("- [{}]({})\n", escape_link_text(&p.title), p.url))
            .collect();
        return vec![format!("{NOT_COVERED}\n\n"), format!("**You might look at**\n\n{closest}")];
    }
    let mut chunks = vec!["Here is what the book says:\n\n".to_owned()];
    for c in choose(request) {
        let n = c.passage + 1;
        chunks.push(if c.unit.is_code {
            format!("From [{n}]:\n\n{}\n\n", c.unit.text)
        } else {
            format!("> {} [{n}]\n\n", c.unit.text)
        });
    }
    let sources: String = request
        .passages
        .iter()
        .enumerate()
        .map(|(i, p)| format!("- [{}] [{}]({})\n", i + 1, escape_link_text(&p.title), p.url))
        .collect();
    chunks.push(format!("**Sources**\n\n{sources}"));
    chunks
}

fn choose(request: &AnswerRequest) -> Vec<Candidate<'_>> {
    let query = text::term_set(&request.question);
    let boosts: Vec<HashSet<String>> = request
        .background
        .boost_terms
        .iter()
        .map(|b| text::term_set(b))
        .filter(|b| !b.is_empty())
        .collect();
    let level = request.background.level;
    let definition = asks_for_definition(&request.question);
    let mut candidates: Vec<Candidate<'_>> = Vec::new();
    for (passage, p) in request.passages.iter().enumerate() {
        for (position, unit) in text::units(&p.text).into_iter().enumerate() {
            let terms = text::term_set(unit.text);
            let overlap = terms.intersection(&query).count();
            if overlap == 0 {
                continue;
            }
            let weight = if unit.is_code { 0.5 } else { 1.0 };
            let mut score = overlap as f32 * weight + 0.5 / (passage + 1) as f32;
            if definition && !unit.is_code && defines(unit.text, &query) {
                score += 1.5;
            }
            if boosts.iter().any(|b| b.is_subset(&terms)) {
                score += 1.5;
            }
            score += level.map_or(0.0, |level| level_bonus(level, unit, terms.len()));
            candidates.push(Candidate { passage, position, unit, score });
        }
    }
    if candidates.is_empty() {
        // Retrieved on heading or title words alone: quote how each top section opens.
        candidates = request
            .passages
            .iter()
            .enumerate()
            .take(MIN_QUOTES)
            .filter_map(|(passage, p)| {
                let unit = text::units(&p.text).into_iter().find(|u| !u.is_code)?;
                Some(Candidate { passage, position: 0, unit, score: 0.0 })
            })
            .collect();
    }
    candidates.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then((a.passage, a.position).cmp(&(b.passage, b.position)))
    });
    let best = candidates.first().map_or(0.0, |c| c.score);
    let mut chosen: Vec<Candidate<'_>> = Vec::new();
    let mut first_section = None;
    for (i, c) in candidates.into_iter().enumerate() {
        if chosen.len() < MAX_QUOTES && (i < MIN_QUOTES || c.score >= best * KEEP_RATIO) {
            chosen.push(c);
        } else if c.passage == 0 && first_section.is_none() {
            first_section = Some(c);
        }
    }
    // Retrieval ranked the first section best for reasons its sentences may not show (its
    // heading, the term it defines), so it is always quoted.
    if let Some(first) = first_section.filter(|_| chosen.iter().all(|c| c.passage != 0)) {
        if chosen.len() == MAX_QUOTES {
            chosen.pop();
        }
        chosen.push(first);
    }
    chosen.sort_by_key(|c| (c.passage, c.position));
    chosen
}

/// "What is a topic?", "what are launch files", "define odometry".
fn asks_for_definition(question: &str) -> bool {
    let q = question.trim().to_lowercase();
    ["what is ", "what are ", "what's ", "whats ", "define ", "what does "]
        .iter()
        .any(|start| q.starts_with(start))
}

/// "A topic is a named channel…": a question word before the sentence's first is/are/means.
fn defines(sentence: &str, query: &HashSet<String>) -> bool {
    let lower = sentence.to_lowercase();
    [" is ", " are ", " means ", " refers to "]
        .iter()
        .filter_map(|verb| lower.find(verb))
        .min()
        .is_some_and(|at| text::term_set(&lower[..at]).intersection(query).next().is_some())
}

/// How much a sentence suits the reader's level beyond matching the question.
fn level_bonus(level: Level, unit: Unit<'_>, content_words: usize) -> f32 {
    let code = unit.is_code || unit.text.contains('`');
    match level {
        Level::Beginner => {
            let lower = format!(" {} ", unit.text.to_lowercase());
            let defines =
                [" is ", " are ", " means ", " refers to "].iter().any(|d| lower.contains(d));
            f32::from(u8::from(defines)) * 1.2 - f32::from(u8::from(code))
        }
        Level::Advanced => {
            let words = unit.text.split_whitespace().count().max(1);
            f32::from(u8::from(code)) * 1.2 + content_words as f32 / words as f32
        }
        Level::Intermediate => 0.0,
    }
}

fn escape_link_text(title: &str) -> String {
    title.replace('[', "\\[").replace(']', "\\]")
}
