//! `lectern audit`: the audit trail (`audit_event`), newest first.

use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use lectern_store::{AuditEntry, UserId};

/// Which events to print, and how.
#[derive(Debug, Clone)]
pub struct Query {
    pub user: Option<String>,
    /// How far back to look.
    pub since: Duration,
    pub limit: u32,
    /// One JSON object per line instead of columns.
    pub json: bool,
}

pub async fn print(database_url: &str, query: Query) -> anyhow::Result<()> {
    let store = crate::serve::connect(database_url).await?;
    // A look further back than time began reads everything.
    let since = TimeDelta::from_std(query.since)
        .ok()
        .and_then(|back| Utc::now().checked_sub_signed(back))
        .unwrap_or(DateTime::UNIX_EPOCH);
    let user = query.user.map(UserId);
    let events = store.audit_events(user.as_ref(), since, query.limit.into()).await?;
    store.close().await;
    let mut out = std::io::stdout().lock();
    for event in &events {
        if query.json {
            writeln!(out, "{}", serde_json::to_string(event)?)?;
        } else {
            writeln!(out, "{}", line(event))?;
        }
    }
    if events.is_empty() && !query.json {
        writeln!(out, "(no audit events since {})", since.format("%Y-%m-%d %H:%M UTC"))?;
    }
    Ok(())
}

/// Time, event, outcome, user, address, detail.
fn line(event: &AuditEntry) -> String {
    let user = event.user_id.as_ref().map_or("-", |u| u.as_str());
    format!(
        "{}  {:<22} {:<7}  {:<32}  {:<15}  {}",
        event.at.format("%Y-%m-%d %H:%M:%S%.3fZ"),
        event.event,
        event.outcome,
        user,
        event.ip.as_deref().unwrap_or("-"),
        event.detail.as_deref().unwrap_or(""),
    )
}
