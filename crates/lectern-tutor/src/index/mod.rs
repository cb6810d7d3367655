//! The persistent search index over a book's sections.
//!
//! It is tantivy: an embedded library (no search server to run next to Lectern), scoring
//! with BM25 and per-field boosts, whose segments are memory-mapped so reopening a built
//! index costs milliseconds and searching a few thousand sections well under one.
//!
//! The index directory holds one folder per (index format, book hash): a book that did not
//! change is opened, not rebuilt. A folder is built aside and published by an atomic
//! rename, so several processes starting at once on one directory (replicas on one host,
//! `lectern index` beside `serve`) never see half an index, and the one that loses the
//! race opens the winner's.

mod coverage;
mod dense;
mod query;
mod schema;
mod stats;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use tantivy::schema::{TantivyDocument, Value};
use tantivy::{IndexReader, ReloadPolicy, doc};

use crate::book::Book;
use crate::embed::Embedder;
use crate::error::{Result, TutorError};
use crate::passage::{Passage, snippet};
use dense::Dense;
use schema::Fields;

/// Bumped whenever the schema, tokenization or stored text changes, so an index built by an
/// older Lectern is rebuilt rather than misread.
const FORMAT_VERSION: u32 = 2;
/// Folders of indexes being built start with this; they are never opened.
const BUILDING: &str = "building-";
/// tantivy's minimum per-thread budget is 15 MB; a book is small, one thread is plenty.
const WRITER_MEMORY: usize = 50_000_000;

/// A searchable book. Cloning is cheap (shared handles), and it is `Send + Sync`.
#[derive(Clone)]
pub struct Index {
    reader: IndexReader,
    fields: Fields,
    folder: PathBuf,
    /// Set once the sections' embeddings are ready (see [`Index::embed`]); until then, and
    /// without a model, retrieval is BM25 alone.
    dense: Arc<OnceLock<Dense>>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("sections", &self.reader.searcher().num_docs())
            .field("embeddings", &self.dense.get().map(|d| d.embedder.id()))
            .finish()
    }
}

impl Index {
    /// How many passages an answer is built from unless the caller chooses otherwise.
    pub const DEFAULT_K: usize = 3;

    /// Opens the index for `book` in `dir`, building it first unless `dir` already holds one
    /// built from the same book by the same index format. `progress(done, total)` is called
    /// after each section when building. Returns whether it built.
    pub fn open_or_build(
        book: &Book,
        dir: impl AsRef<Path>,
        progress: impl FnMut(usize, usize),
    ) -> Result<(Self, bool)> {
        let dir = dir.as_ref();
        let hash = book.content_hash();
        let name = format!("v{FORMAT_VERSION}-{}", &hash[..hash.len().min(32)]);
        let current = dir.join(&name);
        if current.exists() {
            match Self::open(&current) {
                Ok(index) => return Ok((index, false)),
                Err(e) => {
                    tracing::warn!(error = %e, index.dir = %current.display(), "index unreadable; rebuilding");
                    std::fs::remove_dir_all(&current).map_err(|e| TutorError::io(&current, e))?;
                }
            }
        }
        let aside = dir.join(format!("{BUILDING}{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&aside).map_err(|e| TutorError::io(&aside, e))?;
        let built = Self::build(book, &aside, progress);
        let published = built.and_then(|_| {
            std::fs::rename(&aside, &current).map_err(|e| TutorError::io(&current, e))
        });
        let _ = std::fs::remove_dir_all(&aside);
        if let Err(err) = published {
            // Another process published the same book first: use theirs.
            return Self::open(&current).map(|index| (index, true)).map_err(|_| err);
        }
        remove_others(dir, &name);
        Ok((Self::open(&current)?, true))
    }

    fn open(folder: &Path) -> Result<Self> {
        let index = tantivy::Index::open_in_dir(folder)?;
        schema::register_tokenizer(&index);
        let fields = schema::fields_of(&index.schema())?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { reader, fields, folder: folder.to_owned(), dense: Arc::default() })
    }

    /// Adds dense retrieval with `embedder`: reads the sections' embeddings saved with the
    /// index for this model, or computes and saves them (`progress(done, total)` per
    /// section). Searches already running are unaffected; later ones fuse both rankings.
    /// Returns whether it embedded the book.
    pub fn embed(
        &self,
        embedder: Arc<Embedder>,
        progress: impl Fn(usize, usize) + Sync,
    ) -> Result<bool> {
        let searcher = self.reader.searcher();
        let (dense, built) =
            Dense::open_or_build(&searcher, &self.fields, &self.folder, embedder, progress)?;
        let _ = self.dense.set(dense);
        Ok(built)
    }

    /// Whether searches use the sections' embeddings as well as their words.
    pub fn has_embeddings(&self) -> bool {
        self.dense.get().is_some()
    }

    fn build(book: &Book, folder: &Path, mut progress: impl FnMut(usize, usize)) -> Result<()> {
        let (schema, f) = schema::schema();
        let index = tantivy::Index::create_in_dir(folder, schema)?;
        schema::register_tokenizer(&index);
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, WRITER_MEMORY)?;
        let total = book.sections().len();
        for (done, section) in book.sections().iter().enumerate() {
            // A doc's opening section is "headed" by the doc title, which the title field
            // already counts; counting it twice would rank every opening above its sections.
            let heading =
                if section.heading == section.doc_title { "" } else { section.heading.as_str() };
            writer.add_document(doc!(
                f.title => section.doc_title.as_str(),
                f.heading => heading,
                f.body => format!("{}\n{}", section.heading, section.text),
                f.key_terms => section.key_terms.join("\n"),
                f.label => section.title(),
                f.url => section.url.as_str(),
                f.text => section.text.as_str(),
            ))?;
            progress(done + 1, total);
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        Ok(())
    }

    /// The `k` sections that best answer `query`, best first. Any text is a valid query:
    /// search syntax is not interpreted, and a query with no searchable word finds nothing.
    /// `boost_terms` (the reader's platforms, say) lift sections that mention them without
    /// matching anything on their own.
    pub fn search(&self, query: &str, k: usize, boost_terms: &[String]) -> Result<Vec<Passage>> {
        let Some((bm25, terms)) = query::build(&self.fields, query, boost_terms).filter(|_| k > 0)
        else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let stats = stats::BookWide { searcher: &searcher, fields: &self.fields };
        let dense = self.dense.get();
        let depth = if dense.is_some() { CANDIDATES.max(k) } else { k };
        let top = tantivy::collector::TopDocs::with_limit(depth);
        let hits = searcher.search_with_statistics_provider(&bm25, &top, &stats)?;
        let ranked = match dense {
            Some(dense) => fuse(dense, query, &hits, k),
            None => hits.into_iter().map(|(score, address)| (score, address, None)).collect(),
        };
        ranked
            .into_iter()
            .map(|(score, address, similarity)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                let get = |field| {
                    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
                };
                let text = get(self.fields.text);
                Ok(Passage {
                    title: get(self.fields.label),
                    url: get(self.fields.url),
                    snippet: snippet(&text, &terms),
                    text,
                    score,
                    similarity,
                })
            })
            .collect()
    }

    /// Whether `passages` (as [`Self::search`] returned them) answer `question`: false when
    /// there are none, or when the best of them contain too little of the question's words,
    /// weighted by their rarity in the book (see `coverage`). Then the book most likely does
    /// not answer the question, and the passages are only the closest sections.
    pub fn covers(&self, question: &str, passages: &[Passage]) -> Result<bool> {
        Ok(self.assess(question, passages)?.0)
    }

    /// As [`Self::covers`], with the coverage it was decided on (the rarity-weighted share of
    /// the question's words in the best passages, 0 to 1), which the author's dashboard keeps.
    pub fn assess(&self, question: &str, passages: &[Passage]) -> Result<(bool, f32)> {
        let searcher = self.reader.searcher();
        Ok(coverage::assess(&searcher, &self.fields, question, passages)?)
    }
}

/// How many of BM25's best sections are fused with the dense ranking; a section outside
/// them counts only by its meaning.
const CANDIDATES: usize = 50;
/// The dense similarity's share of a fused score, BM25's (divided by the best BM25 score)
/// being the rest. See `docs/retrieval.md` for the measurements behind it.
const DENSE_WEIGHT: f32 = 0.8;

/// The `k` best sections by fused score: `DENSE_WEIGHT` × cosine similarity to the question
/// plus the rest × BM25 relative to the best hit, with each one's similarity.
fn fuse(
    dense: &Dense,
    question: &str,
    hits: &[(f32, tantivy::DocAddress)],
    k: usize,
) -> Vec<(f32, tantivy::DocAddress, Option<f32>)> {
    let similarities = dense.similarities(&dense.embed_question(question));
    let mut fused: Vec<f32> = similarities.iter().map(|s| DENSE_WEIGHT * s).collect();
    let best = hits.first().map_or(1.0, |(score, _)| *score).max(f32::MIN_POSITIVE);
    for &(score, address) in hits {
        if let Some(i) = dense.ordinal(address) {
            fused[i] += (1.0 - DENSE_WEIGHT) * score / best;
        }
    }
    let mut order: Vec<usize> = (0..fused.len()).collect();
    order.sort_unstable_by(|&a, &b| fused[b].total_cmp(&fused[a]));
    order.into_iter().take(k).map(|i| (fused[i], dense.address(i), Some(similarities[i]))).collect()
}

/// Removes the indexes of other books or formats, and builds abandoned by a stopped process.
/// Best effort: a process still serving one keeps its memory-mapped files until it exits.
fn remove_others(dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name.starts_with('v') && name.contains('-');
        let abandoned = name.starts_with(BUILDING)
            && !name.starts_with(&format!("{BUILDING}{}-", std::process::id()));
        if name != keep && (ours || abandoned) && entry.path().is_dir() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A name no other build in this process uses.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
