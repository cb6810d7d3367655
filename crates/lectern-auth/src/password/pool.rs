//! A low-priority thread pool for password hashing, with time-bounded admission.
//!
//! Better Auth hashes in the same thread pool as every other crypto call, so a sign-in storm
//! starves `get-session` (DESIGN.md §9). Here hashing has threads of its own at the lowest
//! priority, so the async runtime wins the CPU.
//!
//! A request first takes a [`Turn`]: at most two hashes per thread are admitted at once
//! (one running, one ready), so an admitted sign-in never waits behind a long backlog. The
//! rest wait for a turn without costing anything, in arrival order, for at most `wait`; a
//! request still waiting then, or arriving when `queue` requests already wait, is refused
//! ([`AuthError::Busy`], 503 + `Retry-After`). Waiting instead of refusing at once matters
//! in a storm: clients that ignore `Retry-After` retry a refusal immediately, and a busy
//! loop of cheap refusals still takes the CPU from every other request.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crossbeam_channel::{Sender, unbounded};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use crate::error::{AuthError, AuthResult};

type Job = Box<dyn FnOnce() + Send>;

/// How many hashes each thread may have admitted: one running and one ready.
const ADMITTED_PER_THREAD: usize = 2;

#[derive(Debug, Clone)]
pub struct HashPool {
    jobs: Sender<Job>,
    turns: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    wait: Duration,
}

/// The right to run one hash on the pool, taken before any other work of the request (a
/// database read) that only matters if the hash then runs, so refusing stays cheap.
#[derive(Debug)]
pub struct Turn {
    jobs: Sender<Job>,
    permit: OwnedSemaphorePermit,
}

impl HashPool {
    /// `workers` threads (at least one); at most `queue` requests wait for a turn, each for
    /// at most `wait`.
    pub fn new(workers: usize, queue: usize, wait: Duration) -> Self {
        let workers = workers.max(1);
        let (jobs, rx) = unbounded::<Job>();
        for i in 0..workers {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("lectern-hash-{i}"))
                .spawn(move || {
                    lower_priority();
                    for job in rx.iter() {
                        job();
                    }
                })
                .expect("the OS refused to start a hashing thread");
        }
        Self {
            jobs,
            turns: Arc::new(Semaphore::new(workers * ADMITTED_PER_THREAD)),
            waiting: Arc::default(),
            max_waiting: queue,
            wait,
        }
    }

    /// Waits for a turn, or refuses with [`AuthError::Busy`].
    pub async fn turn(&self) -> AuthResult<Turn> {
        let permit = match Arc::clone(&self.turns).try_acquire_owned() {
            Ok(permit) => {
                // A free turn means nobody waits: turns go to waiters first.
                report_waiting(0);
                permit
            }
            Err(_) => self.wait_for_turn().await?,
        };
        Ok(Turn { jobs: self.jobs.clone(), permit })
    }

    async fn wait_for_turn(&self) -> AuthResult<OwnedSemaphorePermit> {
        let _waiting = Waiting::enter(&self.waiting, self.max_waiting).ok_or(AuthError::Busy)?;
        let turn = Arc::clone(&self.turns).acquire_owned();
        match tokio::time::timeout(self.wait, turn).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(AuthError::internal("hashing pool stopped")),
            Err(_elapsed) => Err(AuthError::Busy),
        }
    }
}

impl Turn {
    /// Runs `work` on the pool and waits for it without blocking the runtime. The turn ends
    /// when the work does, even if the request is dropped meanwhile.
    pub async fn run<T, F>(self, work: F) -> AuthResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let permit = self.permit;
        let job: Job = Box::new(move || {
            let result = work();
            // The turn ends before the requester hears back, so its next request (or anyone
            // else's) finds it free.
            drop(permit);
            // The receiver is gone only if the request was dropped; nothing to tell then.
            let _ = tx.send(result);
        });
        self.jobs.send(job).map_err(|_| AuthError::internal("hashing pool stopped"))?;
        rx.await.map_err(|_| AuthError::internal("a hashing thread died"))
    }
}

/// One request counted in `lectern_password_hash_queue_depth` while it waits for a turn.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize, max: usize) -> Option<Self> {
        let before = count.fetch_add(1, Ordering::AcqRel);
        let waiting = Self(count);
        (before < max).then(|| {
            report_waiting(before + 1);
            waiting
        })
    }
}

fn report_waiting(waiting: usize) {
    metrics::gauge!("lectern_password_hash_queue_depth").set(waiting as f64);
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        report_waiting(self.0.fetch_sub(1, Ordering::AcqRel) - 1);
    }
}

/// Nice 19. `SCHED_IDLE` was measured too (docs/benchmarks.md): no better for get-session
/// in a storm, and it cut the sign-ins that get through by 40%.
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
        let pool = HashPool::new(1, 4, Duration::from_secs(1));
        let turn = pool.turn().await.expect("an idle pool admits");
        assert_eq!(turn.run(|| 6 * 7).await.ok(), Some(42));
    }

    /// Occupies every turn of a one-thread pool until `release` is sent.
    async fn fill(
        pool: &HashPool,
    ) -> (std::sync::mpsc::Sender<()>, Vec<tokio::task::JoinHandle<()>>) {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = Arc::new(std::sync::Mutex::new(wait));
        let mut held = Vec::new();
        for _ in 0..ADMITTED_PER_THREAD {
            let turn = pool.turn().await.expect("free turns are given at once");
            let wait = Arc::clone(&wait);
            held.push(tokio::spawn(async move {
                turn.run(move || {
                    let _ = wait.lock().expect("lock").recv();
                })
                .await
                .expect("the held job ran");
            }));
        }
        (release, held)
    }

    #[tokio::test]
    async fn a_waiting_request_gets_the_next_free_turn() {
        let pool = HashPool::new(1, 4, Duration::from_secs(60));
        let (release, held) = fill(&pool).await;
        let waiter = pool.turn();
        tokio::pin!(waiter);
        assert!(
            tokio::time::timeout(Duration::from_millis(1), &mut waiter).await.is_err(),
            "no turn while both are held"
        );
        release.send(()).expect("the worker waits");
        let turn = waiter.await.expect("the freed turn goes to the waiter");
        release.send(()).expect("the worker waits");
        assert_eq!(turn.run(|| 1).await.ok(), Some(1));
        for job in held {
            job.await.expect("join");
        }
    }

    #[tokio::test]
    async fn refuses_after_the_wait_and_beyond_the_queue() {
        // Real time: the hashing threads are OS threads, which a paused clock would outrun.
        let pool = HashPool::new(1, 1, Duration::from_millis(100));
        let (release, held) = fill(&pool).await;
        let first = pool.turn();
        tokio::pin!(first);
        assert!(tokio::time::timeout(Duration::from_millis(1), &mut first).await.is_err());
        assert!(
            matches!(pool.turn().await, Err(AuthError::Busy)),
            "a second waiter is over the queue of one: refused at once"
        );
        assert!(matches!(first.await, Err(AuthError::Busy)), "refused when the wait ran out");
        assert_eq!(pool.waiting.load(Ordering::Acquire), 0, "nobody is counted as waiting");
        for _ in 0..ADMITTED_PER_THREAD {
            release.send(()).expect("the worker waits");
        }
        for job in held {
            job.await.expect("join");
        }
        assert!(pool.turn().await.is_ok(), "turns come back when the work is done");
    }
}
