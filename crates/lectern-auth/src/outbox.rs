//! Mail leaves the request path: a request only queues its mail in `mail_outbox` (one
//! insert), and this worker delivers it, retrying with backoff while the mail server refuses
//! or is down (30 s, 1 min, 2 min… at most an hour apart), so an outage or a restart loses
//! nothing. On several replicas each claims mail with a lease, so a mail goes out once.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use lectern_store::{OutboxMail, Store};
use tokio::sync::Notify;

use crate::error::AuthResult;
use crate::ids;
use crate::mail::{Mail, Mailer};

/// How long a claimed mail is left to one worker before another may try it.
const LEASE: Duration = Duration::from_secs(120);
/// How often the queue is read without a wake-up: mail queued by another replica, retries.
const POLL: Duration = Duration::from_secs(5);
const BATCH: i64 = 20;
/// After this many failed deliveries a failure is an error in the log, not a warning.
const WORRYING_ATTEMPTS: i32 = 8;
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The queue's handle, cheap to clone.
#[derive(Debug, Clone)]
pub struct Outbox {
    store: Store,
    wake: Arc<Notify>,
}

impl Outbox {
    /// Starts the delivery worker (on the current Tokio runtime); `retry` is the first
    /// backoff, doubled on each failure.
    pub fn start(store: Store, mailer: Mailer, retry: Duration) -> Self {
        let wake = Arc::new(Notify::new());
        tokio::spawn(deliver_forever(store.clone(), mailer, Arc::clone(&wake), retry));
        Self { store, wake }
    }

    /// Queues `mail`; it is sent shortly after, whatever happens to this request.
    pub async fn send(&self, mail: Mail) -> AuthResult<()> {
        let queued = OutboxMail {
            id: ids::generate_id(),
            recipient: mail.to,
            subject: mail.subject,
            text: mail.text,
            html: mail.html,
            attempts: 0,
        };
        self.store.enqueue_mail(&queued, Utc::now()).await?;
        metrics::counter!("lectern_mail_total", "outcome" => "queued").increment(1);
        self.wake.notify_one();
        Ok(())
    }
}

async fn deliver_forever(store: Store, mailer: Mailer, wake: Arc<Notify>, retry: Duration) {
    loop {
        let now = Utc::now();
        let lease = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        match store.claim_mail(now, lease, BATCH).await {
            Ok(batch) if !batch.is_empty() => {
                for mail in batch {
                    deliver(&store, &mailer, mail, retry).await;
                }
                continue;
            }
            Ok(_) => {}
            // The store logs storage episodes itself; try again at the next tick.
            Err(err) => tracing::debug!(error = %err, "mail queue not readable now"),
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(POLL.min(retry)) => {}
        }
    }
}

async fn deliver(store: &Store, mailer: &Mailer, mail: OutboxMail, retry: Duration) {
    let message = Mail {
        to: mail.recipient.clone(),
        subject: mail.subject.clone(),
        text: mail.text.clone(),
        html: mail.html.clone(),
    };
    let sent = tokio::time::timeout(LEASE / 2, mailer.send(message))
        .await
        .unwrap_or_else(|_| Err("the mail server did not answer in time".into()));
    let outcome = if sent.is_ok() { "delivered" } else { "failed" };
    metrics::counter!("lectern_mail_total", "outcome" => outcome).increment(1);
    let recorded = match sent {
        Ok(()) => store.mail_delivered(&mail.id).await,
        Err(error) => reschedule(store, &mail, &error, retry).await,
    };
    // If this fails the lease runs out and the mail is tried again: sent twice at worst.
    if let Err(err) = recorded {
        tracing::warn!(error = %err, "mail outcome not recorded");
    }
}

async fn reschedule(
    store: &Store,
    mail: &OutboxMail,
    error: &str,
    retry: Duration,
) -> lectern_store::Result<()> {
    let wait = backoff(retry, mail.attempts);
    if mail.attempts >= WORRYING_ATTEMPTS {
        tracing::error!(subject = %mail.subject, attempts = mail.attempts, %error, retry_in = ?wait, "mail still not delivered");
    } else {
        tracing::warn!(subject = %mail.subject, attempts = mail.attempts, %error, retry_in = ?wait, "mail not delivered; will retry");
    }
    let retry_at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
    store.mail_failed(&mail.id, error, retry_at).await
}

/// `retry · 2^(attempts − 1)`, at most an hour.
fn backoff(retry: Duration, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    retry.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), base);
        assert_eq!(backoff(base, 3), Duration::from_secs(120));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
    }
}
