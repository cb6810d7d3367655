//! The tutor's book: where it comes from, where its index lives, which model answers, and
//! `lectern index`, which (re)builds the index with a progress bar.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use lectern_api::tutor::{DEFAULT_MAX_ANSWER_CHARS, DEFAULT_TOP_K, Toc, Tutor};
use lectern_tutor::{Answerer, Book, Embedder, Index, OpenAiConfig};

use crate::config::Vars;
use crate::web::Site;

/// The tutor's settings (`LECTERN_BOOK_*`, `LECTERN_INDEX_DIR`, `LECTERN_TOP_K`,
/// `LECTERN_MAX_ANSWER_CHARS`, `LECTERN_LLM_*`).
#[derive(Debug, Clone)]
pub struct BookConfig {
    /// `None`: the sample book built into the binary.
    pub dir: Option<PathBuf>,
    /// Where the book's pages are published: citations link to `<base>/<doc>#<heading>`.
    pub base_url: String,
    pub index_dir: PathBuf,
    pub top_k: usize,
    pub max_answer_chars: usize,
    /// `None`: extractive answers, no model.
    pub llm: Option<OpenAiConfig>,
    /// The sentence-embedding model's folder; `None`: retrieval by words alone.
    pub embedding_model: Option<PathBuf>,
}

impl BookConfig {
    pub fn from_vars(vars: &impl Vars) -> anyhow::Result<Self> {
        let var = |name: &str| vars.get(name).filter(|v| !v.trim().is_empty());
        let top_k = match var("LECTERN_TOP_K") {
            Some(k) => k
                .parse()
                .ok()
                .filter(|k| (1..=20).contains(k))
                .context("LECTERN_TOP_K must be 1 to 20")?,
            None => DEFAULT_TOP_K,
        };
        let max_answer_chars =
            match var("LECTERN_MAX_ANSWER_CHARS") {
                Some(n) => n.parse().ok().filter(|n| *n >= 100).context(
                    "LECTERN_MAX_ANSWER_CHARS must be a number of characters, at least 100",
                )?,
                None => DEFAULT_MAX_ANSWER_CHARS,
            };
        let llm = match (var("LECTERN_LLM_BASE_URL"), var("LECTERN_LLM_MODEL")) {
            (None, None) => None,
            (Some(base), Some(model)) => {
                let mut llm = OpenAiConfig::new(base.trim_end_matches('/'), model);
                llm.api_key = var("LECTERN_LLM_API_KEY");
                if let Some(timeout) = var("LECTERN_LLM_TIMEOUT") {
                    let timeout = crate::config::parse_duration(&timeout)
                        .context("LECTERN_LLM_TIMEOUT must be a duration like 30s")?;
                    (llm.first_byte_timeout, llm.idle_timeout) = (timeout, timeout);
                }
                Some(llm)
            }
            _ => anyhow::bail!("set both LECTERN_LLM_BASE_URL and LECTERN_LLM_MODEL, or neither"),
        };
        let embedding_model =
            match (var("LECTERN_EMBEDDINGS").as_deref(), var("LECTERN_EMBEDDING_MODEL")) {
                (Some("off"), _) => None,
                (Some("on") | None, Some(dir)) => Some(PathBuf::from(dir)),
                (Some("on") | None, None) => {
                    Some(PathBuf::from(Embedder::DEFAULT_DIR)).filter(|dir| dir.exists())
                }
                (Some(_), _) => anyhow::bail!("LECTERN_EMBEDDINGS must be on or off"),
            };
        Ok(Self {
            embedding_model,
            dir: var("LECTERN_BOOK_DIR").map(PathBuf::from),
            base_url: var("LECTERN_BOOK_URL").unwrap_or_else(|| "/docs".into()),
            index_dir: var("LECTERN_INDEX_DIR")
                .map_or_else(|| PathBuf::from("lectern-index"), PathBuf::from),
            top_k,
            max_answer_chars,
            llm,
        })
    }

    /// Questions worth offering a reader who has not asked yet: known for the sample book
    /// only.
    fn example_questions(&self) -> &'static [&'static str] {
        match self.dir {
            Some(_) => &[],
            None => &[
                "What is a ROS 2 topic?",
                "How do I describe a robot in URDF?",
                "Which hardware do I need to start?",
            ],
        }
    }

    fn book(&self) -> anyhow::Result<Book> {
        Ok(match &self.dir {
            Some(dir) => Book::from_dir(dir, &self.base_url).with_context(|| {
                format!("cannot read the book in LECTERN_BOOK_DIR={}", dir.display())
            })?,
            None => Book::bundled(&self.base_url).context("the bundled sample book")?,
        })
    }

    /// Opens the index, rebuilding it only when the book changed, with `progress(done, total)`;
    /// also hands back the book and whether the index was rebuilt.
    pub fn index(&self, progress: impl FnMut(usize, usize)) -> anyhow::Result<(Index, bool, Book)> {
        let book = self.book()?;
        std::fs::create_dir_all(&self.index_dir).with_context(|| {
            format!("cannot create LECTERN_INDEX_DIR={}", self.index_dir.display())
        })?;
        let (index, rebuilt) = Index::open_or_build(&book, &self.index_dir, progress)
            .with_context(|| format!("cannot build the index in {}", self.index_dir.display()))?;
        Ok((index, rebuilt, book))
    }

    /// What `serve` needs of the book: the tutor, and the demo site of its pages. Indexing and
    /// rendering run off the async runtime.
    pub async fn load(self) -> anyhow::Result<(Arc<Tutor>, Arc<Site>)> {
        let started = Instant::now();
        let config = self.clone();
        let (index, rebuilt, toc, site) = tokio::task::spawn_blocking(move || {
            let (index, rebuilt, book) = config.index(|_, _| {})?;
            let site = Site::new(&book.pages(), config.example_questions());
            let toc = Toc::of(book.sections());
            anyhow::Ok((index, rebuilt, toc, Arc::new(site)))
        })
        .await??;
        tracing::info!(
            book = %self.dir.as_ref().map_or_else(|| "bundled sample".into(), |d| d.display().to_string()),
            pages = toc.pages.len(),
            rebuilt,
            ms = started.elapsed().as_millis() as u64,
            "book indexed"
        );
        let embedder = self.embedder()?;
        let answerer = match self.llm {
            Some(llm) => {
                tracing::info!(model = %llm.model, base_url = %llm.base_url, "answers from an OpenAI-compatible model");
                Answerer::openai(llm).context("LECTERN_LLM_BASE_URL")?
            }
            None => {
                tracing::info!("no LECTERN_LLM_MODEL: extractive answers");
                Answerer::Extractive
            }
        };
        match embedder {
            Some(embedder) => embed_in_background(index.clone(), embedder)?,
            None => tracing::info!(
                "no embedding model (scripts/fetch-model puts one in {}): retrieval by words alone",
                Embedder::DEFAULT_DIR
            ),
        }
        let (top_k, max_answer_chars) = (self.top_k, self.max_answer_chars);
        let tutor = Tutor { index, answerer, top_k, max_answer_chars, toc };
        Ok((Arc::new(tutor), site))
    }

    /// Loads the embedding model, if one is configured; a configured model that cannot be
    /// read stops the start, rather than quietly serving worse answers.
    fn embedder(&self) -> anyhow::Result<Option<Arc<Embedder>>> {
        let Some(dir) = &self.embedding_model else { return Ok(None) };
        let embedder = Embedder::load(dir).with_context(|| {
            format!("cannot load the embedding model in LECTERN_EMBEDDING_MODEL={}", dir.display())
        })?;
        Ok(Some(Arc::new(embedder)))
    }
}

/// Adds embeddings to `index` on a thread of its own: a book's first embedding takes
/// seconds to minutes, and until it is done questions are answered by words alone. Later
/// starts read the saved embeddings in milliseconds.
fn embed_in_background(index: Index, embedder: Arc<Embedder>) -> anyhow::Result<()> {
    std::thread::Builder::new()
        .name("embeddings".into())
        .spawn(move || {
            let started = Instant::now();
            let logged = std::sync::atomic::AtomicUsize::new(0);
            let progress = |done: usize, total: usize| {
                // A line per tenth of the book, so a long first embedding shows it moves.
                let tenth = done * 10 / total.max(1);
                if logged.fetch_max(tenth, std::sync::atomic::Ordering::Relaxed) < tenth {
                    tracing::info!(done, total, "embedding the book's sections");
                }
            };
            match index.embed(embedder.clone(), progress) {
                Ok(built) => tracing::info!(
                    model = embedder.id(),
                    built,
                    ms = started.elapsed().as_millis() as u64,
                    "embeddings ready: retrieval by words and meaning"
                ),
                Err(e) => {
                    tracing::error!(error = %e, "cannot embed the book: retrieval by words alone")
                }
            }
        })
        .context("cannot start the embedding thread")?;
    Ok(())
}

/// `lectern index`: builds the index now (or says it is current), drawing progress on a
/// terminal and printing a line a minute's worth of sections otherwise.
pub fn run_index(config: &BookConfig, force: bool) -> anyhow::Result<()> {
    if force && config.index_dir.exists() {
        std::fs::remove_dir_all(&config.index_dir)
            .with_context(|| format!("cannot remove {}", config.index_dir.display()))?;
    }
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "indexing {bar:40} {pos}/{len} sections ({elapsed})",
        )
        .expect("a valid template"),
    );
    let started = Instant::now();
    let (index, rebuilt, book) = config.index(|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    let took = Duration::from_millis(started.elapsed().as_millis() as u64);
    let what = if rebuilt { "indexed" } else { "index already current for" };
    let sections = book.sections().len();
    eprintln!("lectern: {what} {sections} sections in {took:?} → {}", config.index_dir.display());
    let Some(embedder) = config.embedder()? else {
        eprintln!("lectern: no embedding model (LECTERN_EMBEDDING_MODEL): words alone");
        return Ok(());
    };
    let started = Instant::now();
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "embedding {bar:40} {pos}/{len} sections ({elapsed})",
        )
        .expect("a valid template"),
    );
    bar.reset();
    let built = index.embed(embedder, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    let took = Duration::from_millis(started.elapsed().as_millis() as u64);
    let what = if built { "embedded" } else { "embeddings already current for" };
    eprintln!("lectern: {what} {sections} sections in {took:?}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn embedding_model(vars: &[(&'static str, &'static str)]) -> anyhow::Result<Option<PathBuf>> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        Ok(BookConfig::from_vars(&vars)?.embedding_model)
    }

    #[test]
    fn embeddings_follow_the_model_setting_and_can_be_turned_off() {
        let named = [("LECTERN_EMBEDDING_MODEL", "/srv/models/bge-small")];
        assert_eq!(embedding_model(&named).expect("valid"), Some("/srv/models/bge-small".into()));
        let off = [("LECTERN_EMBEDDINGS", "off"), ("LECTERN_EMBEDDING_MODEL", "/srv/models/x")];
        assert_eq!(embedding_model(&off).expect("valid"), None);
        let err = embedding_model(&[("LECTERN_EMBEDDINGS", "maybe")]).expect_err("not on or off");
        assert!(err.to_string().contains("LECTERN_EMBEDDINGS"), "{err}");
        // The default folder is relative to the working directory, which for tests is the
        // crate's: no model there, so words alone.
        assert_eq!(embedding_model(&[]).expect("valid"), None);
    }

    #[test]
    fn a_named_model_that_cannot_be_read_stops_the_start() {
        let vars: HashMap<&str, &str> =
            [("LECTERN_EMBEDDING_MODEL", "/nonexistent/model")].into_iter().collect();
        let err = BookConfig::from_vars(&vars).expect("valid").embedder().expect_err("no model");
        assert!(
            format!("{err:#}").contains("LECTERN_EMBEDDING_MODEL=/nonexistent/model"),
            "{err:#}"
        );
    }
}
