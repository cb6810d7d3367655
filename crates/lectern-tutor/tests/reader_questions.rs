//! Retrieval on questions written the way readers ask them (`examples/eval/readers.json`, and
//! `held-out.json`, kept aside: nothing is tuned on it). Their writer read the book with every
//! heading removed (`examples/eval/headless.py`), so the questions do not echo section titles;
//! the expected sections come from the paragraphs each question cites.
//!
//! Prints, per set and per kind of question (how-to, paraphrase, short, misspelled, follow-up),
//! section recall@3, page recall@3 and MRR@10; and abstention: the share of out-of-book
//! questions the tutor declines ("the book doesn't seem to cover this", decided by
//! [`Index::covers`] on the top 3 as the ask endpoint does) and of in-book ones it wrongly
//! declines. The floors are today's figures, so retrieval can only get better; issue 11's
//! targets (section recall@3 ≥ 0.85, page ≥ 0.97, MRR ≥ 0.75, out-of-book declined ≥ 90%,
//! in-book refused ≤ 5%) are printed next to them.

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;

use std::sync::Arc;

use lectern_tutor::{Book, Embedder, Index};
use serde::Deserialize;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const K: usize = 3;
const MRR_DEPTH: usize = 10;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Question {
    question: String,
    kind: String,
    /// The previous question, for a follow-up.
    #[serde(default)]
    context: Option<String>,
    /// Sections that answer it (a `###` sub-section's `##` section counts too); empty for a
    /// question the book does not answer.
    expected: Vec<String>,
    #[serde(default)]
    pages: Vec<String>,
    /// The paragraphs of `headless.py`'s output the writer cited.
    #[serde(default)]
    paragraphs: Vec<String>,
}

/// What one set scores, overall and per kind.
#[derive(Default)]
struct Tally {
    n: usize,
    section: usize,
    page: usize,
    reciprocal: f64,
}

impl Tally {
    fn add(&mut self, section: bool, page: bool, rank: Option<usize>) {
        self.n += 1;
        self.section += usize::from(section);
        self.page += usize::from(page);
        self.reciprocal += rank.map_or(0.0, |r| 1.0 / r as f64);
    }
    fn section_recall(&self) -> f64 {
        self.section as f64 / self.n as f64
    }
    fn page_recall(&self) -> f64 {
        self.page as f64 / self.n as f64
    }
    fn mrr(&self) -> f64 {
        self.reciprocal / self.n as f64
    }
}

impl Report {
    /// Abstention recall: the share of out-of-book questions answered "not covered".
    fn declined(&self) -> f64 {
        1.0 - self.answered_out_of_book as f64 / self.out_of_book as f64
    }
    /// The share of in-book questions wrongly answered "not covered".
    fn refused(&self) -> f64 {
        self.refused_in_book as f64 / self.all.n as f64
    }
}

struct Report {
    all: Tally,
    kinds: BTreeMap<String, Tally>,
    out_of_book: usize,
    answered_out_of_book: usize,
    /// In-book questions answered "the book doesn't seem to cover this".
    refused_in_book: usize,
}

fn load(name: &str, book: &Book) -> Vec<Question> {
    load_with(name, book, true)
}

/// `cited`: the set's questions cite the paragraphs they were written from.
fn load_with(name: &str, book: &Book, cited: bool) -> Vec<Question> {
    let path = format!("{ROOT}/examples/eval/{name}");
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let questions: Vec<Question> = serde_json::from_str(&json).expect("a list of questions");
    for q in &questions {
        for url in &q.expected {
            assert!(book.sections().iter().any(|s| s.url == *url), "{url} is not a section");
        }
        assert_eq!(q.expected.is_empty(), q.kind == "outofbook", "{}", q.question);
        assert_eq!(q.context.is_some(), q.kind == "followup", "{}", q.question);
        assert!(!cited || q.expected.is_empty() || !q.paragraphs.is_empty(), "{}", q.question);
    }
    questions
}

/// Retrieval as the ask endpoint does it today: the question alone.
fn evaluate(index: &Index, questions: &[Question]) -> Report {
    let mut report = Report {
        all: Tally::default(),
        kinds: BTreeMap::new(),
        out_of_book: 0,
        answered_out_of_book: 0,
        refused_in_book: 0,
    };
    for q in questions {
        let hits = index.search(&q.question, MRR_DEPTH, &[]).expect("search");
        let top: Vec<_> = hits.iter().take(K).cloned().collect();
        let declined = !index.covers(&q.question, &top).expect("coverage");
        if q.expected.is_empty() {
            report.out_of_book += 1;
            report.answered_out_of_book += usize::from(!declined);
            continue;
        }
        report.refused_in_book += usize::from(declined);
        let rank = hits.iter().position(|h| q.expected.contains(&h.url)).map(|i| i + 1);
        let section = rank.is_some_and(|r| r <= K);
        let page = hits.iter().take(K).any(|h| {
            let doc = h.url.split('#').next().unwrap_or_default();
            q.pages.iter().any(|p| p == doc)
        });
        report.all.add(section, page, rank);
        report.kinds.entry(q.kind.clone()).or_default().add(section, page, rank);
    }
    report
}

fn print(name: &str, r: &Report) {
    let row = |label: &str, t: &Tally| {
        println!(
            "  {label:<11} {:>4}  section@{K} {:.3}  page@{K} {:.3}  MRR@{MRR_DEPTH} {:.3}",
            t.n,
            t.section_recall(),
            t.page_recall(),
            t.mrr()
        )
    };
    println!("{name}:");
    row("all", &r.all);
    for (kind, t) in &r.kinds {
        row(kind, t);
    }
    println!(
        "  out-of-book {:>4}  declined {:.3} (target 0.90); in-book refused {:.3} (target at most 0.05)",
        r.out_of_book,
        r.declined(),
        r.refused()
    );
}

#[test]
fn retrieval_on_questions_in_readers_words() {
    let (book, readers, held_out) = sample_book();
    let index = index(&book, Retrieval::Hybrid);
    let tuned = evaluate(&index, &readers);
    let kept = evaluate(&index, &held_out);
    println!("BM25 and embeddings; targets (issue 11): section@3 0.85, page@3 0.97, MRR 0.75");
    print("readers.json", &tuned);
    print("held-out.json (not tuned on)", &kept);
    holds("readers.json", &tuned, READERS_FLOOR);
    holds("held-out.json", &kept, HELD_OUT_FLOOR);
}

/// The second book, API reference rather than prose: Fastify's documentation
/// (`examples/fastify-docs`, MIT), with 60 questions a user of the library would ask.
#[test]
fn retrieval_on_an_api_reference() {
    let (book, questions) = fastify();
    let report = evaluate(&index(&book, Retrieval::Hybrid), &questions);
    print("fastify.json (BM25 and embeddings)", &report);
    holds("fastify.json", &report, FASTIFY_FLOOR);
}

/// Retrieval with `LECTERN_EMBEDDINGS=off`, or before a book's embeddings are ready.
#[test]
fn retrieval_by_words_alone() {
    let (book, readers, held_out) = sample_book();
    let index = index(&book, Retrieval::Words);
    let (tuned, kept) = (evaluate(&index, &readers), evaluate(&index, &held_out));
    let (api, api_questions) = fastify();
    let api = evaluate(&self::index(&api, Retrieval::Words), &api_questions);
    print("readers.json (BM25 alone)", &tuned);
    print("held-out.json (BM25 alone)", &kept);
    print("fastify.json (BM25 alone)", &api);
    holds("readers.json", &tuned, WORDS_READERS_FLOOR);
    holds("held-out.json", &kept, WORDS_HELD_OUT_FLOOR);
    holds("fastify.json", &api, WORDS_FASTIFY_FLOOR);
}

fn sample_book() -> (Book, Vec<Question>, Vec<Question>) {
    let book = Book::from_dir(format!("{ROOT}/examples/book"), Book::DEFAULT_BASE)
        .expect("examples/book loads");
    let readers = load("readers.json", &book);
    let held_out = load("held-out.json", &book);
    assert!(readers.len() + held_out.len() >= 150, "the sets hold at least 150 questions");
    (book, readers, held_out)
}

fn fastify() -> (Book, Vec<Question>) {
    let book = Book::from_dir(format!("{ROOT}/examples/fastify-docs"), Book::DEFAULT_BASE)
        .expect("examples/fastify-docs loads");
    let questions = load_with("fastify.json", &book, false);
    assert!(questions.len() >= 40, "at least 40 questions");
    (book, questions)
}

enum Retrieval {
    Words,
    Hybrid,
}

/// The embedding model is fetched by `scripts/fetch-model` (which `scripts/test` runs); the
/// hybrid evaluation fails rather than quietly measuring BM25 alone without it.
fn index(book: &Book, retrieval: Retrieval) -> Index {
    let dir = tempfile::tempdir().expect("temp dir");
    let index = Index::open_or_build(book, dir.path(), |_, _| {}).expect("index").0;
    if let Retrieval::Hybrid = retrieval {
        let model = std::env::var("LECTERN_EMBEDDING_MODEL")
            .unwrap_or_else(|_| format!("{ROOT}/{}", Embedder::DEFAULT_DIR));
        let embedder = Embedder::load(&model).unwrap_or_else(|e| {
            panic!("{e}: run scripts/fetch-model, or set LECTERN_EMBEDDING_MODEL")
        });
        index.embed(Arc::new(embedder), |_, _| {}).expect("the book embeds");
        assert!(index.has_embeddings());
    }
    index
}

/// Floors are the figures of the day they were set (BM25 alone), rounded down: retrieval may
/// only get better.
fn holds(name: &str, r: &Report, floor: Floor) {
    let Floor { section, page, mrr, declined, refused } = floor;
    assert!(r.out_of_book >= 10, "{name} has out-of-book questions");
    assert!(
        r.declined() >= declined,
        "{name}: fewer than {declined} of out-of-book questions declined"
    );
    assert!(r.refused() <= refused, "{name}: more than {refused} of in-book questions refused");
    assert!(r.all.section_recall() >= section, "{name}: section recall fell below {section}");
    assert!(r.all.page_recall() >= page, "{name}: page recall fell below {page}");
    assert!(r.all.mrr() >= mrr, "{name}: MRR fell below {mrr}");
}

/// What must hold: section recall@3, page recall@3, MRR@10, the share of out-of-book
/// questions declined, and at most this share of in-book questions refused.
struct Floor {
    section: f64,
    page: f64,
    mrr: f64,
    declined: f64,
    refused: f64,
}

const READERS_FLOOR: Floor =
    Floor { section: 0.92, page: 0.95, mrr: 0.86, declined: 0.65, refused: 0.05 };
const HELD_OUT_FLOOR: Floor =
    Floor { section: 0.94, page: 0.98, mrr: 0.92, declined: 0.53, refused: 0.02 };
const FASTIFY_FLOOR: Floor =
    Floor { section: 0.81, page: 0.87, mrr: 0.67, declined: 0.91, refused: 0.05 };
const WORDS_READERS_FLOOR: Floor =
    Floor { section: 0.89, page: 0.92, mrr: 0.82, declined: 0.31, refused: 0.02 };
const WORDS_HELD_OUT_FLOOR: Floor =
    Floor { section: 0.91, page: 0.95, mrr: 0.85, declined: 0.23, refused: 0.02 };
const WORDS_FASTIFY_FLOOR: Floor =
    Floor { section: 0.72, page: 0.81, mrr: 0.61, declined: 0.58, refused: 0.05 };
