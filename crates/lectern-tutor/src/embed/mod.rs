//! Sentence embeddings computed in process: a small BERT encoder (all-MiniLM-L6-v2 by
//! default) read from a sentence-transformers model folder (`model.safetensors`,
//! `tokenizer.json`, `config.json`), mean-pooled and L2-normalised so a dot product is a
//! cosine. Pure Rust, no runtime to install, nothing leaves the machine.

mod bert;
mod wordpiece;

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Result, TutorError};
use bert::{Bert, Tensors};
use wordpiece::WordPiece;

/// A sentence-embedding model loaded in memory. `Send + Sync`; embedding takes `&self`.
#[derive(Debug)]
pub struct Embedder {
    tokenizer: WordPiece,
    model: Bert,
    id: String,
}

impl Embedder {
    /// Where `scripts/fetch-model` puts all-MiniLM-L6-v2, relative to the working directory;
    /// the model Lectern uses unless `LECTERN_EMBEDDING_MODEL` names another.
    pub const DEFAULT_DIR: &'static str = "models/all-MiniLM-L6-v2";

    /// The longest sequence embedded at once: all-MiniLM-L6-v2's limit. Longer texts are
    /// embedded in windows of this many tokens.
    pub const WINDOW: usize = 256;

    /// Loads the model in `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| TutorError::io(&path, e))
        };
        let invalid = |what: String| TutorError::Model { dir: dir.to_owned(), reason: what };
        let weights = read("model.safetensors")?;
        let heads = match read("config.json") {
            Ok(config) => serde_json::from_slice::<serde_json::Value>(&config)
                .ok()
                .and_then(|c| c["num_attention_heads"].as_u64())
                .ok_or_else(|| invalid("config.json has no num_attention_heads".into()))?
                as usize,
            Err(_) => 12,
        };
        let id = hex::encode(&Sha256::digest(&weights)[..8]);
        let tokenizer =
            WordPiece::from_tokenizer_json(&read("tokenizer.json")?).map_err(invalid)?;
        let model =
            Bert::from_tensors(safetensors(&weights).map_err(invalid)?, heads).map_err(invalid)?;
        if model.vocab_size() <= tokenizer.cls.max(tokenizer.sep) as usize {
            return Err(invalid("the tokenizer does not match the model".into()));
        }
        Ok(Self { tokenizer, model, id })
    }

    /// Identifies the weights (a prefix of their SHA-256), so embeddings stored for one model
    /// are never read as another's.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The length of an embedding.
    pub fn dims(&self) -> usize {
        self.model.dims()
    }

    /// A question's embedding, unit length, from its first [`Self::WINDOW`] tokens.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        let mut tokens = self.tokenizer.tokens(text);
        tokens.truncate(self.window() - 2);
        self.model.embed(&self.tokenizer.sequence(&tokens))
    }

    /// A section's embeddings, one per window of its text, each window headed by `title` so
    /// it says what it is part of. A section's answer to a question is often deep in it, past
    /// what one window holds.
    pub fn embed_section(&self, title: &str, text: &str) -> Vec<Vec<f32>> {
        let mut title = self.tokenizer.tokens(title);
        title.truncate(self.window() / 4);
        let room = self.window() - 2 - title.len();
        let text = self.tokenizer.tokens(text);
        let windows: Vec<&[u32]> =
            if text.is_empty() { vec![&[]] } else { text.chunks(room).collect() };
        windows
            .into_iter()
            .map(|window| {
                self.model.embed(&self.tokenizer.sequence(&[&title[..], window].concat()))
            })
            .collect()
    }

    fn window(&self) -> usize {
        Self::WINDOW.min(self.model.max_tokens())
    }
}

/// The f32 tensors of a `.safetensors` file (f16 ones widened).
fn safetensors(bytes: &[u8]) -> std::result::Result<Tensors, String> {
    #[derive(serde::Deserialize)]
    struct Entry {
        dtype: String,
        shape: Vec<usize>,
        data_offsets: [usize; 2],
    }
    let header_len = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
        .ok_or("not a safetensors file")?;
    let data_start =
        8usize.checked_add(header_len).filter(|&s| s <= bytes.len()).ok_or("truncated header")?;
    let header: std::collections::HashMap<String, serde_json::Value> =
        serde_json::from_slice(&bytes[8..data_start]).map_err(|e| e.to_string())?;
    let mut tensors = Tensors::new();
    for (name, value) in header {
        if name == "__metadata__" {
            continue;
        }
        let entry: Entry = serde_json::from_value(value).map_err(|e| format!("{name}: {e}"))?;
        let [start, end] = entry.data_offsets;
        let data = bytes
            .get(data_start + start..data_start + end)
            .ok_or_else(|| format!("{name}: data out of the file"))?;
        let values: Vec<f32> = match entry.dtype.as_str() {
            "F32" => data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
                .collect(),
            "F16" => data
                .chunks_exact(2)
                .map(|b| half::f16::from_le_bytes(b.try_into().expect("2 bytes")).to_f32())
                .collect(),
            _ => continue,
        };
        if values.len() != entry.shape.iter().product::<usize>() {
            return Err(format!("{name}: shape and data disagree"));
        }
        tensors.insert(name, (entry.shape, values));
    }
    Ok(tensors)
}

#[cfg(test)]
mod tests;
