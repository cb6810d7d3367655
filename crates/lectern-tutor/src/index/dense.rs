//! The index's dense half: one sentence embedding per section, so a question finds the
//! section that means what it asks even when they share no word ("how do I tell the robot
//! to drive to a pose from a script?" → "Sending a navigation goal from Python").
//!
//! The vectors are computed from the stored sections of a published index folder, in
//! document order, and saved beside its segments as `embeddings-<model id>.f32`. The folder
//! never changes once published, so the file stays valid for as long as the folder exists,
//! and a restart reads it instead of embedding the book again.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use ndarray::{Array1, Array2};
use tantivy::schema::{TantivyDocument, Value};
use tantivy::{DocAddress, Searcher};

use super::schema::Fields;
use crate::embed::Embedder;
use crate::error::{Result, TutorError};

/// Embedding a book is CPU work; two threads use this machine's cores without starving a
/// running server for long, and the result is the same with any number.
const THREADS: usize = 2;

#[derive(Debug)]
pub(super) struct Dense {
    pub(super) embedder: Arc<Embedder>,
    addresses: Vec<DocAddress>,
    ordinal: HashMap<DocAddress, usize>,
    /// One row per window of a section, in document order.
    vectors: Array2<f32>,
    /// The section (ordinal) of each row of `vectors`.
    section_of: Vec<usize>,
}

impl Dense {
    /// Reads the section vectors saved in `folder` for `embedder`'s model, or computes and
    /// saves them, calling `progress(done, total)` as sections are embedded.
    pub(super) fn open_or_build(
        searcher: &Searcher,
        fields: &Fields,
        folder: &Path,
        embedder: Arc<Embedder>,
        progress: impl Fn(usize, usize) + Sync,
    ) -> Result<(Self, bool)> {
        let addresses: Vec<DocAddress> = searcher
            .segment_readers()
            .iter()
            .enumerate()
            .flat_map(|(segment, reader)| {
                reader.doc_ids_alive().map(move |doc| DocAddress::new(segment as u32, doc))
            })
            .collect();
        let dims = embedder.dims();
        let file = folder.join(format!("embeddings-{}.bin", embedder.id()));
        let saved =
            std::fs::read(&file).ok().and_then(|b| Saved::decode(&b, addresses.len(), dims));
        let (saved, built) = match saved {
            Some(saved) => (saved, false),
            None => {
                let sections = addresses
                    .iter()
                    .map(|&address| {
                        let doc: TantivyDocument = searcher.doc(address)?;
                        let get = |field| {
                            doc.get_first(field)
                                .and_then(|v| v.as_str())
                                .unwrap_or_default()
                                .to_owned()
                        };
                        Ok((get(fields.label), get(fields.text)))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let saved = embed_all(&embedder, &sections, &progress);
                write_atomically(&file, &saved.encode())?;
                (saved, true)
            }
        };
        let section_of = saved
            .windows
            .iter()
            .enumerate()
            .flat_map(|(i, &n)| std::iter::repeat_n(i, n as usize))
            .collect();
        let vectors = Array2::from_shape_vec((saved.values.len() / dims, dims), saved.values)
            .map_err(|e| TutorError::Book(format!("embeddings: {e}")))?;
        let ordinal = addresses.iter().enumerate().map(|(i, &a)| (a, i)).collect();
        Ok((Self { embedder, addresses, ordinal, vectors, section_of }, built))
    }

    pub(super) fn embed_question(&self, question: &str) -> Array1<f32> {
        Array1::from(self.embedder.embed(question))
    }

    /// Every section's cosine similarity to `question` (an [`Self::embed_question`]): that of
    /// its closest window, in document order.
    pub(super) fn similarities(&self, question: &Array1<f32>) -> Vec<f32> {
        let mut best = vec![f32::MIN; self.addresses.len()];
        for (row, similarity) in self.vectors.dot(question).iter().enumerate() {
            let section = &mut best[self.section_of[row]];
            *section = section.max(*similarity);
        }
        best
    }

    pub(super) fn address(&self, ordinal: usize) -> DocAddress {
        self.addresses[ordinal]
    }

    pub(super) fn ordinal(&self, address: DocAddress) -> Option<usize> {
        self.ordinal.get(&address).copied()
    }
}

/// What the embeddings file holds: each section's number of windows, then every window's
/// vector, little-endian.
struct Saved {
    windows: Vec<u32>,
    values: Vec<f32>,
}

impl Saved {
    fn encode(&self) -> Vec<u8> {
        let words = std::iter::once(self.windows.len() as u32).chain(self.windows.iter().copied());
        words
            .flat_map(u32::to_le_bytes)
            .chain(self.values.iter().flat_map(|v| v.to_le_bytes()))
            .collect()
    }

    /// `None` unless `bytes` holds `sections` sections of `dims`-long vectors.
    fn decode(bytes: &[u8], sections: usize, dims: usize) -> Option<Self> {
        let mut words = bytes.chunks_exact(4).map(|b| [b[0], b[1], b[2], b[3]]);
        let count = u32::from_le_bytes(words.next()?) as usize;
        let windows: Vec<u32> = words.by_ref().take(count).map(u32::from_le_bytes).collect();
        let values: Vec<f32> = words.map(f32::from_le_bytes).collect();
        let rows: usize = windows.iter().map(|&n| n as usize).sum();
        (count == sections
            && windows.len() == count
            && values.len() == rows * dims
            && bytes.len() % 4 == 0)
            .then_some(Self { windows, values })
    }
}

/// The embeddings of `sections` (title, text), in order, computed on [`THREADS`] threads.
fn embed_all(
    embedder: &Embedder,
    sections: &[(String, String)],
    progress: &(impl Fn(usize, usize) + Sync),
) -> Saved {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (done, total) = (AtomicUsize::new(0), sections.len());
    let chunk = total.div_ceil(THREADS).max(1);
    let embedded: Vec<Vec<Vec<f32>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = sections
            .chunks(chunk)
            .map(|sections| {
                let done = &done;
                scope.spawn(move || {
                    sections
                        .iter()
                        .map(|(title, text)| {
                            let windows = embedder.embed_section(title, text);
                            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                            windows
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("embedding does not panic")).collect()
    });
    Saved {
        windows: embedded.iter().map(|w| w.len() as u32).collect(),
        values: embedded.into_iter().flatten().flatten().collect(),
    }
}

/// Writes `bytes` to `file` through a temporary name, so a reader never sees half a file.
fn write_atomically(file: &Path, bytes: &[u8]) -> Result<()> {
    let aside = file.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&aside, bytes).map_err(|e| TutorError::io(&aside, e))?;
    std::fs::rename(&aside, file).map_err(|e| TutorError::io(file, e))
}
