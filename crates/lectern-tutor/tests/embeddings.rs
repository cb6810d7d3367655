//! Retrieval by meaning: the book's embeddings are computed once, saved with its index and
//! read back on the next start; they find sections a reader describes in other words, and
//! tell a question the book does not answer. Needs `scripts/fetch-model`.

use std::sync::{Arc, Mutex};

use lectern_tutor::{Book, Embedder, Index};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn embedder() -> Arc<Embedder> {
    let dir = format!("{ROOT}/{}", Embedder::DEFAULT_DIR);
    Arc::new(Embedder::load(dir).unwrap_or_else(|e| panic!("{e}: run scripts/fetch-model")))
}

#[test]
fn embeddings_are_saved_with_the_index_and_find_sections_by_meaning() {
    let book = Book::from_dir(format!("{ROOT}/examples/book"), Book::DEFAULT_BASE).expect("book");
    let dir = tempfile::tempdir().expect("temp dir");
    let (index, _) = Index::open_or_build(&book, dir.path(), |_, _| {}).expect("index");
    // By words alone: "Simulation only", "Project brief", "Capstone Project".
    let question = "how will my final project be graded?";
    let by_words = index.search(question, 3, &[]).expect("search");
    assert!(!index.has_embeddings());
    assert!(by_words.iter().all(|p| p.similarity.is_none()));
    assert!(!by_words.iter().any(|p| p.title.ends_with("Evaluation rubric")));

    let calls = Mutex::new(Vec::new());
    let built = index
        .embed(embedder(), |done, total| calls.lock().expect("lock").push((done, total)))
        .expect("embed");
    assert!(built, "a new index is embedded");
    let total = book.sections().len();
    let mut calls = calls.into_inner().expect("lock");
    calls.sort_unstable();
    assert_eq!(calls, (1..=total).map(|done| (done, total)).collect::<Vec<_>>());
    assert!(index.has_embeddings());

    let by_meaning = index.search(question, 3, &[]).expect("search");
    let titles: Vec<&str> = by_meaning.iter().map(|p| p.title.as_str()).collect();
    assert!(
        titles.iter().any(|t| t.ends_with("Capstone Project › Evaluation rubric")),
        "{titles:?}"
    );
    assert!(by_meaning.iter().all(|p| p.similarity.is_some_and(|s| s > 0.0 && s <= 1.0)));
    assert!(index.covers(question, &by_meaning).expect("covers"));

    let foreign = "what is the best recipe for sourdough bread?";
    let closest = index.search(foreign, 3, &[]).expect("search");
    assert!(!closest.is_empty());
    assert!(!index.covers(foreign, &closest).expect("covers"), "the book has no recipes");

    // The next start reads the saved vectors instead of embedding the book again.
    let (reopened, rebuilt) = Index::open_or_build(&book, dir.path(), |_, _| {}).expect("index");
    assert!(!rebuilt);
    let built = reopened.embed(embedder(), |_, _| panic!("nothing to embed")).expect("embed");
    assert!(!built, "the saved embeddings are read");
    assert_eq!(reopened.search(question, 3, &[]).expect("search"), by_meaning);
}
