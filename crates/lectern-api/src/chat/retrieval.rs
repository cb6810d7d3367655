//! Retrieval for a question, off the async runtime and admitted a core at a time, so a flood
//! of questions cannot starve every other request.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use lectern_tutor::{Background, Passage};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::error::{ApiError, ApiResult};
use crate::tutor::Tutor;

/// The passages for `question`, whether they are only weak evidence (see
/// [`lectern_tutor::Index::assess`]): none, or too little of the question in them, and the
/// coverage that was decided on.
pub(super) async fn retrieve(
    tutor: &Arc<Tutor>,
    question: &str,
    background: &Background,
) -> ApiResult<(Vec<Passage>, bool, f32)> {
    let permit = admit_retrieval().await?;
    let (tutor, question, boost) =
        (tutor.clone(), question.to_owned(), background.boost_terms.clone());
    let started = Instant::now();
    let retrieved = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let passages = tutor.index.search(&question, tutor.top_k, &boost)?;
        let (covered, coverage) = tutor.index.assess(&question, &passages)?;
        Ok::<_, lectern_tutor::TutorError>((passages, !covered, coverage))
    })
    .await;
    metrics::histogram!("lectern_tutor_retrieval_duration_seconds")
        .record(started.elapsed().as_secs_f64());
    retrieved
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Retrievals waiting for a core, per core, before more questions are refused.
const WAITING_PER_CORE: usize = 32;

/// A turn to retrieve. Retrieval runs on blocking threads: unbounded, a flood of questions
/// put hundreds of them on the cores at once and starved everything else (9,000 readers
/// asking at once: session checks took 1.5 s). At most one runs per core, a bounded number
/// wait (cheaply, as tasks), and beyond that the reader is told to retry (503 `TUTOR_BUSY`,
/// `Retry-After`) before anything is stored.
async fn admit_retrieval() -> ApiResult<OwnedSemaphorePermit> {
    struct Waiting;
    impl Drop for Waiting {
        fn drop(&mut self) {
            WAITING.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let (turns, most_waiting) = retrieval_turns();
    let waiting = Waiting;
    if WAITING.fetch_add(1, Ordering::SeqCst) >= most_waiting {
        metrics::counter!("lectern_shed_total", "reason" => "tutor").increment(1);
        return Err(ApiError::TutorBusy);
    }
    let permit = turns.clone().acquire_owned().await;
    drop(waiting);
    permit.map_err(|e| ApiError::Internal(e.to_string()))
}

/// Retrievals waiting for their turn, or being refused one.
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// A turn per core, and how many may wait for one.
fn retrieval_turns() -> (&'static Arc<Semaphore>, usize) {
    static TURNS: OnceLock<(Arc<Semaphore>, usize)> = OnceLock::new();
    let (turns, most) = TURNS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        (Arc::new(Semaphore::new(cores)), cores * WAITING_PER_CORE)
    });
    (turns, *most)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With every turn taken and the waiting room full, the next question is refused at once;
    /// once turns are free, the waiting ones all get theirs.
    #[tokio::test]
    async fn retrieval_turns_are_bounded_and_the_overflow_is_refused() {
        let (turns, most_waiting) = retrieval_turns();
        let held: Vec<_> = (0..turns.available_permits())
            .map(|_| turns.clone().try_acquire_owned().expect("a free turn"))
            .collect();
        let waiters: Vec<_> = (0..most_waiting).map(|_| tokio::spawn(admit_retrieval())).collect();
        for _ in 0..1000 {
            if WAITING.load(Ordering::SeqCst) == most_waiting {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(WAITING.load(Ordering::SeqCst), most_waiting, "all waiting");
        assert!(matches!(admit_retrieval().await, Err(ApiError::TutorBusy)));
        assert_eq!(WAITING.load(Ordering::SeqCst), most_waiting, "the refused one left");
        drop(held);
        for waiter in waiters {
            let permit = waiter.await.expect("joined").expect("a turn");
            drop(permit);
        }
        assert_eq!(WAITING.load(Ordering::SeqCst), 0);
    }
}
