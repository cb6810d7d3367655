//! The crate's one error type. Book and index failures are operator problems (a bad path, a
//! corrupt index); model failures carry enough (status, phase) for the API to choose between
//! "try again later" and "the tutor is misconfigured" without parsing messages.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TutorError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// The book has no Markdown document, or a document cannot be turned into sections.
    #[error("invalid book: {0}")]
    Book(String),
    /// The embedding model's folder holds something other than a BERT sentence encoder.
    #[error("invalid embedding model in {dir}: {reason}")]
    Model { dir: PathBuf, reason: String },
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A mistake in how an answerer was configured (for example a base URL that is no URL).
    #[error("invalid tutor configuration: {0}")]
    Config(String),
    /// The model endpoint answered with a non-success status; `detail` is the start of its
    /// body, which never contains our key.
    #[error("the model endpoint answered {status}: {detail}")]
    LlmStatus { status: u16, detail: String },
    /// The model endpoint could not be reached or the connection failed before any answer.
    #[error("the model endpoint is unreachable: {0}")]
    LlmUnreachable(String),
    #[error("the model endpoint timed out {0}")]
    LlmTimeout(&'static str),
    /// The stream was cut, malformed, or ended without its terminator: the answer may be
    /// truncated, so it is an error rather than a short answer.
    #[error("the model stream broke: {0}")]
    LlmStream(String),
}

impl TutorError {
    /// A stable machine-readable code, for logs and for the API's error body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "BOOK_UNREADABLE",
            Self::Book(_) => "BOOK_INVALID",
            Self::Index(_) => "INDEX_ERROR",
            Self::Model { .. } => "EMBEDDING_MODEL_INVALID",
            Self::Config(_) => "TUTOR_MISCONFIGURED",
            Self::LlmStatus { status: 401 | 403, .. } => "LLM_UNAUTHORIZED",
            Self::LlmStatus { status: 429, .. } => "LLM_RATE_LIMITED",
            Self::LlmStatus { .. } | Self::LlmUnreachable(_) => "LLM_UNAVAILABLE",
            Self::LlmTimeout(_) => "LLM_TIMEOUT",
            Self::LlmStream(_) => "LLM_STREAM_BROKEN",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}

pub type Result<T, E = TutorError> = std::result::Result<T, E>;
