//! A bounded, low-priority thread pool for password hashing.
//!
//! Better Auth hashes in the same thread pool as every other crypto call, so a sign-in storm
//! starves `get-session` (DESIGN.md §9). Here hashing has threads of its own at the lowest
//! scheduling priority, so the async runtime always wins the CPU, and a bounded queue that
//! refuses work when full ([`AuthError::Busy`], 503 + `Retry-After`) instead of letting
//! latency grow without bound.

use crossbeam_channel::{Sender, TrySendError, bounded};
use tokio::sync::oneshot;

use crate::error::{AuthError, AuthResult};

type Job = Box<dyn FnOnce() + Send>;

#[derive(Debug, Clone)]
pub struct HashPool {
    jobs: Sender<Job>,
}

impl HashPool {
    /// `workers` threads (at least one) sharing a queue of `queue` waiting jobs.
    pub fn new(workers: usize, queue: usize) -> Self {
        let (jobs, rx) = bounded::<Job>(queue);
        for i in 0..workers.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("lectern-hash-{i}"))
                .spawn(move || {
                    lower_priority();
                    for job in rx.iter() {
                        queue_depth(rx.len());
                        job();
                    }
                })
                .expect("the OS refused to start a hashing thread");
        }
        Self { jobs }
    }

    /// Whether new work would be refused now. A caller checks this before doing work of its
    /// own (a database read) that only matters if the hash then runs, so shedding stays cheap.
    pub fn is_full(&self) -> bool {
        self.jobs.is_full()
    }

    /// Runs `work` on the pool and waits for it without blocking the runtime.
    pub async fn run<T, F>(&self, work: F) -> AuthResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            // The receiver is gone only if the request was dropped; nothing to tell then.
            let _ = tx.send(work());
        });
        let sent = self.jobs.try_send(job);
        queue_depth(self.jobs.len());
        match sent {
            Ok(()) => rx.await.map_err(|_| AuthError::internal("a hashing thread died")),
            Err(TrySendError::Full(_)) => Err(AuthError::Busy),
            Err(TrySendError::Disconnected(_)) => Err(AuthError::internal("hashing pool stopped")),
        }
    }
}

/// `lectern_password_hash_queue_depth`: hashes waiting for a thread, as of the last change.
fn queue_depth(waiting: usize) {
    metrics::gauge!("lectern_password_hash_queue_depth").set(waiting as f64);
}

fn lower_priority() {
    use thread_priority::{ThreadPriority, set_current_thread_priority};
    if let Err(err) = set_current_thread_priority(ThreadPriority::Min) {
        tracing::warn!(error = ?err, "could not lower the priority of a hashing thread");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_work_and_returns_its_result() {
        let pool = HashPool::new(1, 4);
        assert_eq!(pool.run(|| 6 * 7).await.ok(), Some(42));
    }

    #[tokio::test]
    async fn refuses_work_when_the_queue_is_full() {
        let pool = HashPool::new(1, 1);
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = oneshot::channel();
        // Occupy the only worker until released, then fill the one queue slot.
        let busy = pool.clone();
        let first = tokio::spawn(async move {
            busy.run(move || {
                let _ = started_tx.send(());
                let _ = wait.recv();
            })
            .await
        });
        started.await.expect("the worker started the first job");
        // Polling the second job once sends it into the one queue slot.
        let second = pool.run(|| ());
        tokio::pin!(second);
        let pending = tokio::time::timeout(std::time::Duration::ZERO, &mut second).await;
        assert!(pending.is_err(), "the second job waits in the queue");
        assert!(pool.is_full());
        assert!(matches!(pool.run(|| ()).await, Err(AuthError::Busy)), "a full queue refuses work");
        release.send(()).expect("worker waiting");
        assert!(first.await.expect("join").is_ok());
        assert!(second.await.is_ok());
        assert!(!pool.is_full());
    }
}
