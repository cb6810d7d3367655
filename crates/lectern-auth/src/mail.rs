//! Mail to readers: password-reset and account-deletion links. Sent over SMTP (`LECTERN_SMTP_URL`), or, for
//! development and tests, written as `.eml` files to a directory (`LECTERN_MAIL_OUTBOX`).
//! Without either, the flows that need mail answer as Better Auth does without a
//! `sendResetPassword` callback: not enabled.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use lettre::message::{Mailbox, Message, MultiPart, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// Where mail goes. Cheap to clone.
#[derive(Clone)]
pub struct Mailer(Arc<Inner>);

struct Inner {
    from: Mailbox,
    transport: Transport,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl fmt::Debug for Mailer {
    // Not the SMTP URL: it holds the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let to = match &self.0.transport {
            Transport::Smtp(_) => "smtp".to_owned(),
            Transport::Outbox(_, dir) => dir.display().to_string(),
        };
        f.debug_struct("Mailer").field("from", &self.0.from.to_string()).field("to", &to).finish()
    }
}

/// One message to one reader.
#[derive(Debug)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// Sent with the text as `multipart/alternative` when present.
    pub html: Option<String>,
}

impl Mailer {
    /// SMTP at `url`: `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://…:465`
    /// (TLS from the start), or `smtp://127.0.0.1:1025` (plain, for a local relay).
    pub fn smtp(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("not an SMTP URL: {e}"))?
            .build();
        Ok(Self(Arc::new(Inner { from: mailbox(from)?, transport: Transport::Smtp(transport) })))
    }

    /// Every message as a file in `dir`, which must exist.
    pub fn outbox(dir: PathBuf, from: &str) -> Result<Self, String> {
        if !dir.is_dir() {
            return Err(format!("{} is not a directory", dir.display()));
        }
        let transport = AsyncFileTransport::<Tokio1Executor>::new(&dir);
        Ok(Self(Arc::new(Inner {
            from: mailbox(from)?,
            transport: Transport::Outbox(transport, dir),
        })))
    }

    pub async fn send(&self, mail: Mail) -> Result<(), String> {
        let to: Mailbox = mail.to.parse().map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .message_id(None)
            .from(self.0.from.clone())
            .to(to)
            .subject(mail.subject);
        let message = match mail.html {
            Some(html) => message.multipart(MultiPart::alternative_plain_html(mail.text, html)),
            None => message.header(ContentType::TEXT_PLAIN).body(mail.text),
        }
        .map_err(|e| format!("message: {e}"))?;
        match &self.0.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| e.to_string()),
            Transport::Outbox(files, _) => {
                files.send(message).await.map(drop).map_err(|e| e.to_string())
            }
        }
    }
}

fn mailbox(from: &str) -> Result<Mailbox, String> {
    from.parse().map_err(|e| format!("LECTERN_MAIL_FROM {from:?}: {e}"))
}
