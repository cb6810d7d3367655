//! Retrieval quality on the sample book: for every question in `examples/eval/questions.json`
//! the section that answers it should be among the top 3, both over all questions and over
//! those marked `"kind": "short"` (a new reader's "what is a node?"), which are few enough to
//! hide inside the overall figure. Prints recall@3 and MRR for each; fails (never skips) when
//! the book or the questions are missing.

#![allow(clippy::print_stdout)]

use lectern_tutor::{Book, Index};
use serde::Deserialize;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const K: usize = 3;
const MIN_RECALL: f64 = 0.9;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Question {
    question: String,
    expected: String,
    #[serde(default)]
    kind: Option<Kind>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Short,
}

/// A hit is the expected section itself; an expected URL without an anchor is the doc's
/// opening section.
fn rank(hits: &[lectern_tutor::Passage], expected: &str) -> Option<usize> {
    hits.iter().position(|p| p.url == expected).map(|i| i + 1)
}

/// Recall@K and MRR over `ranks`, one per question (`None`: not in the top K).
fn score(ranks: &[Option<usize>]) -> (f64, f64) {
    let n = ranks.len() as f64;
    let found = ranks.iter().flatten().count() as f64;
    let reciprocal: f64 = ranks.iter().flatten().map(|&r| 1.0 / r as f64).sum();
    (found / n, reciprocal / n)
}

#[test]
fn recall_at_3_on_the_sample_book_is_at_least_90_percent() {
    let path = format!("{ROOT}/examples/eval/questions.json");
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let questions: Vec<Question> = serde_json::from_str(&json)
        .expect("questions.json is a list of {question, expected, kind?}");
    assert!(questions.len() >= 40, "only {} questions", questions.len());

    let book = Book::from_dir(format!("{ROOT}/examples/book"), Book::DEFAULT_BASE)
        .expect("examples/book loads");
    for q in &questions {
        assert!(
            book.sections().iter().any(|s| s.url == q.expected),
            "{} is not a section",
            q.expected
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (index, _) = Index::open_or_build(&book, dir.path(), |_, _| {}).expect("index");

    let mut all = Vec::new();
    let mut short = Vec::new();
    for q in &questions {
        let hits = index.search(&q.question, K, &[]).expect("search");
        let r = rank(&hits, &q.expected);
        if r.is_none() {
            let got: Vec<&str> = hits.iter().map(|h| h.url.as_str()).collect();
            println!("miss: {:?}\n  expected {}\n  got {got:?}", q.question, q.expected);
        }
        all.push(r);
        if q.kind == Some(Kind::Short) {
            short.push(r);
        }
    }
    assert!(short.len() >= 25, "only {} short questions", short.len());
    let (recall, mrr) = score(&all);
    let (short_recall, short_mrr) = score(&short);
    println!("questions: {}, recall@{K}: {recall:.3}, MRR: {mrr:.3}", all.len());
    println!(
        "short questions: {}, recall@{K}: {short_recall:.3}, MRR: {short_mrr:.3}",
        short.len()
    );
    assert!(recall >= MIN_RECALL, "recall@{K} is {recall:.3}");
    assert!(short_recall >= MIN_RECALL, "recall@{K} on short questions is {short_recall:.3}");
}
