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
mod query;
mod schema;
mod stats;

use std::path::Path;

use tantivy::schema::{TantivyDocument, Value};
use tantivy::{IndexReader, ReloadPolicy, doc};

use crate::book::Book;
use crate::error::{Result, TutorError};
use crate::passage::{Passage, snippet};
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
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("sections", &self.reader.searcher().num_docs()).finish()
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
        Self::with_reader(&index, fields)
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

    fn with_reader(index: &tantivy::Index, fields: Fields) -> Result<Self> {
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { reader, fields })
    }

    /// The `k` sections that best answer `query`, best first. Any text is a valid query:
    /// search syntax is not interpreted, and a query with no searchable word finds nothing.
    /// `boost_terms` (the reader's platforms, say) lift sections that mention them without
    /// matching anything on their own.
    pub fn search(&self, query: &str, k: usize, boost_terms: &[String]) -> Result<Vec<Passage>> {
        let Some((query, terms)) = query::build(&self.fields, query, boost_terms).filter(|_| k > 0)
        else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let stats = stats::BookWide { searcher: &searcher, fields: &self.fields };
        let top = tantivy::collector::TopDocs::with_limit(k);
        let hits = searcher.search_with_statistics_provider(&query, &top, &stats)?;
        hits.into_iter()
            .map(|(score, address)| {
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
                })
            })
            .collect()
    }

    /// Whether `passages` (as [`Self::search`] returned them) answer `question`: false when
    /// there are none, or when the best of them contain too little of the question's words,
    /// weighted by their rarity in the book (see `coverage`). Then the book most likely does
    /// not answer the question, and the passages are only the closest sections.
    pub fn covers(&self, question: &str, passages: &[Passage]) -> Result<bool> {
        let searcher = self.reader.searcher();
        Ok(coverage::covers(&searcher, &self.fields, question, passages)?)
    }

    /// As [`Self::covers`], with the coverage it was decided on (the rarity-weighted share of
    /// the question's words in the best passages, 0 to 1), which the author's dashboard keeps.
    pub fn assess(&self, question: &str, passages: &[Passage]) -> Result<(bool, f32)> {
        let searcher = self.reader.searcher();
        let coverage = coverage::coverage(&searcher, &self.fields, question, passages)?;
        Ok((coverage::is_covered(coverage, passages.len()), coverage))
    }
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
