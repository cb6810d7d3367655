//! Answerers turn a question and its retrieved passages into a Markdown answer, delivered
//! as a stream of text pieces whether it comes from a model or is assembled locally, so
//! the API has one path for both.

mod extractive;
mod openai;
mod sse;

use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};

use crate::error::Result;
use crate::passage::Passage;
use crate::reader::{Background, Turn};

pub use openai::{OpenAiAnswerer, OpenAiConfig};

/// Everything an answer is made from. Passages are numbered from 1 in this order, and
/// citations `[n]` refer to those numbers.
#[derive(Debug, Clone, Default)]
pub struct AnswerRequest {
    pub question: String,
    /// The conversation before `question`, oldest first.
    pub history: Vec<Turn>,
    pub background: Background,
    pub passages: Vec<Passage>,
    /// The passages are only the closest the book has, not an answer (the question's words
    /// are mostly not in them, see [`crate::Index::covers`]): the answer says the book does
    /// not seem to cover the question and points at them instead of quoting them.
    pub weak_evidence: bool,
}

#[derive(Debug, Clone)]
pub enum Answerer {
    /// No model: quotes the passages' most relevant sentences with citations.
    Extractive,
    /// An OpenAI-compatible chat-completions endpoint, streamed.
    OpenAi(OpenAiAnswerer),
}

impl Answerer {
    /// An answerer for the model endpoint in `config`.
    pub fn openai(config: OpenAiConfig) -> Result<Self> {
        Ok(Self::OpenAi(OpenAiAnswerer::new(config)?))
    }

    /// The answer's Markdown, piece by piece. An `Err` item ends the stream: what came
    /// before it is an incomplete answer.
    pub fn answer(&self, request: AnswerRequest) -> BoxStream<'static, Result<String>> {
        match self {
            Self::Extractive => {
                stream::iter(extractive::answer(&request).into_iter().map(Ok)).boxed()
            }
            Self::OpenAi(model) => model.stream(&request),
        }
    }
}
