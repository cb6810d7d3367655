//! The AI tutor's engine: a Docusaurus book in, cited Markdown answers out.
//!
//! - [`Book`] reads the book's `.md`/`.mdx` docs (from a directory or the copy bundled in
//!   the binary) and splits them into [`Section`]s at `##` and `###` headings, with the URLs
//!   and anchors Docusaurus publishes. Files and folders starting with `_` or `.`, and
//!   `node_modules`, are not docs.
//! - [`Index`] is a persistent full-text index over the sections, rebuilt only when the book
//!   changes; [`Index::search`] returns the best [`Passage`]s for a question.
//! - [`Answerer`] turns an [`AnswerRequest`] (question, conversation, the reader's
//!   [`Background`], passages) into a stream of Markdown: extractively without a model, or
//!   from an OpenAI-compatible model prompted by [`prompt::build`].
//! - [`render::markdown_to_html`] makes an answer safe to show in the book's pages.
//!
//! ```no_run
//! # async fn run() -> Result<(), lectern_tutor::TutorError> {
//! use futures_util::StreamExt;
//! use lectern_tutor::{AnswerRequest, Answerer, Book, Index};
//!
//! let book = Book::bundled(Book::DEFAULT_BASE)?;
//! let (index, _rebuilt) = Index::open_or_build(&book, "/var/lib/lectern/index", |_, _| {})?;
//! let question = "How do I flash a Jetson?".to_owned();
//! let passages = index.search(&question, 3, &[])?;
//! let request = AnswerRequest { question, passages, ..Default::default() };
//! let mut answer = Answerer::Extractive.answer(request);
//! while let Some(piece) = answer.next().await {
//!     print!("{}", piece?);
//! }
//! # Ok(()) }
//! ```

mod answer;
mod book;
mod embed;
mod error;
mod index;
mod passage;
pub mod prompt;
mod reader;
pub mod render;
mod text;

pub use answer::{AnswerRequest, Answerer, OpenAiAnswerer, OpenAiConfig};
pub use book::{Book, Page, Section};
pub use embed::Embedder;
pub use error::{Result, TutorError};
pub use index::Index;
pub use passage::Passage;
pub use reader::{Background, Level, Role, Turn};

/// The distinct stemmed content words of `text`, as the index sees them (stop words
/// removed): what the author's dashboard groups questions by.
pub fn content_terms(text: &str) -> std::collections::HashSet<String> {
    text::term_set(text)
}
