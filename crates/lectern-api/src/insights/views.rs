//! Each view of the dashboard: the store's aggregates turned into tables. No view shows an
//! email, a name or a user id: the store returns none, and these only add counts, shares,
//! the questions' words, readers' comments and the book's own titles.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use lectern_store::{Bucketed, FailedQuestion, Failure, HealthCell, Store};
use serde::Deserialize;

use super::html::{Block, Cell, Page, Table, escape};
use super::query::Params;
use super::wording;
use crate::error::ApiResult;
use crate::profile::{Kind, Questionnaire};
use crate::tutor::Toc;

/// Questions of each kind of failure read for grouping: the newest ones.
const FAILURES_READ: u32 = 2000;
/// Groups of failed questions shown per kind.
const GROUPS_SHOWN: usize = 50;

/// What the views read besides the store.
pub struct Context<'a> {
    pub store: &'a Store,
    pub questionnaire: &'a Questionnaire,
    pub toc: &'a Toc,
    pub params: &'a Params,
}

pub async fn overview(cx: &Context<'_>) -> ApiResult<Page> {
    let filter = cx.params.filter();
    let (readers, health, sections, unanswered) = tokio::try_join!(
        async {
            Ok::<_, crate::error::ApiError>(
                cx.store.insight_readers(&filter, cx.params.period).await?,
            )
        },
        async { Ok(cx.store.insight_health(&filter, cx.params.period).await?) },
        async { Ok(cx.store.insight_sections(&filter).await?) },
        async { Ok(cx.store.insight_failures(&filter, Failure::Unanswered, FAILURES_READ).await?) },
    )?;
    let sum = |b: &[Bucketed]| b.iter().map(|b| b.count).sum::<i64>();
    let all = summarize(health.iter());
    let weak = unanswered.len() as i64;
    let cards = [
        ("Sign-ups", sum(&readers.sign_ups).to_string(), "/readers"),
        ("Guests who signed up", sum(&readers.converted).to_string(), "/readers"),
        (
            "Stopped at the questionnaire",
            sum(&readers.stopped_at_questionnaire).to_string(),
            "/readers",
        ),
        ("Answers", all.answers.to_string(), "/health"),
        (
            "Not covered by the book",
            if weak as usize >= FAILURES_READ as usize {
                format!("{weak}+")
            } else {
                weak.to_string()
            },
            "/failures",
        ),
        (
            "First token p95",
            all.percentile(0.95).map_or("–".into(), |ms| format!("{ms} ms")),
            "/health",
        ),
    ];
    let mut html = String::from("<div class=\"cards\">");
    let query = escape(&cx.params.query());
    for (label, value, path) in cards {
        let _ = write!(
            html,
            "<div class=\"card\"><a href=\"/admin{path}?{query}\">{}<b>{}</b></a></div>",
            escape(label),
            escape(&value)
        );
    }
    html.push_str("</div>");
    let mut top = Table::new(
        "top_sections",
        "Most asked-about sections",
        &["section", "answers citing it"],
        "The ten sections the tutor cited most in this range.",
    );
    for s in sections.iter().take(10) {
        top.rows.push(vec![section_link(cx.toc, &s.url), Cell::Count(s.count)]);
    }
    let mut missing = failure_table(
        "top_unanswered",
        "What the book does not cover",
        "The five most asked questions the book did not seem to answer, grouped by wording.",
        unanswered,
        cx.toc,
    );
    missing.rows.truncate(5);
    Ok(Page {
        path: "",
        title: "Overview",
        intro: "What readers asked in this range, and where the book could do better.".into(),
        blocks: vec![Block::Html(html), Block::Table(top), Block::Table(missing)],
    })
}

pub async fn readers(cx: &Context<'_>) -> ApiResult<Page> {
    let series = cx.store.insight_readers(&cx.params.filter(), cx.params.period).await?;
    let mut rows: BTreeMap<&str, [i64; 4]> = BTreeMap::new();
    for (i, list) in
        [&series.sign_ups, &series.active, &series.converted, &series.stopped_at_questionnaire]
            .into_iter()
            .enumerate()
    {
        for b in list {
            rows.entry(&b.bucket).or_default()[i] += b.count;
        }
    }
    let mut table = Table::new(
        "readers",
        "Readers",
        &[
            "period",
            "sign-ups",
            "active readers",
            "guests who signed up",
            "stopped at the questionnaire",
        ],
        "Sign-ups are accounts made (not guests); active readers got at least one answer; stopped at the questionnaire: accounts made in the period that have not answered it yet. With a background filter, conversions and the questionnaire are not counted (those readers have no background).",
    );
    for (bucket, counts) in rows {
        let mut row = vec![Cell::Text(bucket.to_owned())];
        row.extend(counts.iter().map(|c| Cell::Count(*c)));
        table.rows.push(row);
    }
    Ok(Page {
        path: "/readers",
        title: "Readers",
        intro: "Who came, who asked, and who stopped before the questionnaire.".into(),
        blocks: vec![Block::Table(table)],
    })
}

pub async fn backgrounds(cx: &Context<'_>) -> ApiResult<Page> {
    let (choices, profiles) =
        cx.store.insight_backgrounds(&cx.params.filter(), cx.params.period).await?;
    let total: i64 = profiles.iter().map(|p| p.count).sum();
    let per_bucket: HashMap<&str, i64> =
        profiles.iter().map(|p| (p.bucket.as_str(), p.count)).collect();
    let mut totals: HashMap<(&str, &str), i64> = HashMap::new();
    for c in &choices {
        *totals.entry((c.question.as_str(), c.value.as_str())).or_default() += c.count;
    }
    let mut blocks = Vec::new();
    let mut over_time = Table::new(
        "over_time",
        "Over time",
        &["period", "question", "answer", "readers", "share of the period's readers"],
        "The same answers per period of the questionnaire's first answer.",
    );
    for q in cx.questionnaire.questions.iter().filter(|q| q.kind != Kind::Text) {
        let title = q.summary_label.as_deref().unwrap_or(&q.label);
        let note = format!(
            "{} ({} readers answered the questionnaire in this range{})",
            q.label,
            total,
            if q.kind == Kind::Multi {
                "; several answers each, so shares add up to more than 100%"
            } else {
                ""
            }
        );
        let mut table = Table::new(&q.id, title, &["answer", "readers", "share"], &note);
        for o in &q.options {
            let n = totals.get(&(q.id.as_str(), o.value.as_str())).copied().unwrap_or(0);
            table.rows.push(vec![
                Cell::Text(o.label.clone()),
                Cell::Count(n),
                Cell::Share(share(n, total)),
            ]);
        }
        blocks.push(Block::Table(table));
    }
    for c in &choices {
        let Some(q) = cx.questionnaire.question(&c.question).filter(|q| q.kind != Kind::Text)
        else {
            continue;
        };
        let Some(o) = q.options.iter().find(|o| o.value == c.value) else { continue };
        let of = per_bucket.get(c.bucket.as_str()).copied().unwrap_or(0);
        over_time.rows.push(vec![
            Cell::Text(c.bucket.clone()),
            Cell::Text(q.summary_label.clone().unwrap_or_else(|| q.label.clone())),
            Cell::Text(o.label.clone()),
            Cell::Count(c.count),
            Cell::Share(share(c.count, of)),
        ]);
    }
    blocks.push(Block::Table(over_time));
    Ok(Page {
        path: "/backgrounds",
        title: "Backgrounds",
        intro: "How readers answered the questionnaire: every option, for multiple choices too."
            .into(),
        blocks,
    })
}

pub async fn questions(cx: &Context<'_>) -> ApiResult<Page> {
    let sections = cx.store.insight_sections(&cx.params.filter()).await?;
    let counts: HashMap<&str, i64> = sections.iter().map(|s| (s.url.as_str(), s.count)).collect();
    let max = sections.iter().map(|s| s.count).max().unwrap_or(0);
    let page_total = |p: &crate::tutor::TocPage| {
        counts.get(p.url.as_str()).copied().unwrap_or(0)
            + p.sections
                .iter()
                .map(|s| counts.get(s.url.as_str()).copied().unwrap_or(0))
                .sum::<i64>()
    };
    let mut heat = String::from(
        "<section class=\"toc\" id=\"heatmap\"><h2>Heat map of the book</h2><p class=\"note\">Each page and section, shaded by how many answers cited it in this range (darkest: the most cited).</p><ol>",
    );
    let mut pages = Table::new(
        "pages",
        "Questions per page",
        &["page", "citations"],
        "Answers citing the page or any of its sections (an answer citing two sections of a page counts twice).",
    );
    for page in &cx.toc.pages {
        let total = page_total(page);
        pages.rows.push(vec![
            Cell::Link { text: page.title.clone(), url: page.url.clone() },
            Cell::Count(total),
        ]);
        let _ = write!(
            heat,
            "<li>{}<ol>",
            heat_link(
                &page.title,
                &page.url,
                counts.get(page.url.as_str()).copied().unwrap_or(0),
                max,
                true
            )
        );
        for s in &page.sections {
            heat.push_str("<li>");
            heat.push_str(&heat_link(
                &s.heading,
                &s.url,
                counts.get(s.url.as_str()).copied().unwrap_or(0),
                max,
                false,
            ));
            heat.push_str("</li>");
        }
        heat.push_str("</ol></li>");
    }
    heat.push_str("</ol></section>");
    let mut table = Table::new(
        "sections",
        "Questions per section",
        &["section", "answers citing it"],
        "Every section cited in this range, most cited first. Questions the book did not cover cite nothing.",
    );
    for s in &sections {
        table.rows.push(vec![section_link(cx.toc, &s.url), Cell::Count(s.count)]);
    }
    Ok(Page {
        path: "/questions",
        title: "Questions by place in the book",
        intro: "Where in the book readers' questions led, from the sections each answer cited."
            .into(),
        blocks: vec![Block::Html(heat), Block::Table(pages), Block::Table(table)],
    })
}

pub async fn failures(cx: &Context<'_>) -> ApiResult<Page> {
    let filter = &cx.params.filter();
    let read = |kind| async move {
        Ok::<_, crate::error::ApiError>(
            cx.store.insight_failures(filter, kind, FAILURES_READ).await?,
        )
    };
    let (unanswered, not_helpful, again) = tokio::try_join!(
        read(Failure::Unanswered),
        read(Failure::NotHelpful),
        read(Failure::AskedAgain)
    )?;
    let tables = [
        failure_table(
            "unanswered",
            "Not covered by the book",
            "Questions whose words were mostly not in the closest sections (weak or no retrieval): the tutor said the book does not seem to cover them.",
            unanswered,
            cx.toc,
        ),
        failure_table(
            "not_helpful",
            "Answers marked not helpful",
            "With the readers' comments.",
            not_helpful,
            cx.toc,
        ),
        failure_table(
            "asked_again",
            "Asked again right after the answer",
            "The reader asked the same thing in other words within ten minutes of the answer: it did not help.",
            again,
            cx.toc,
        ),
    ];
    Ok(Page {
        path: "/failures",
        title: "Where the book fails",
        intro: format!(
            "Questions grouped by similar wording (the newest {FAILURES_READ} of each kind), largest group first, with the sections the answers showed."
        ),
        blocks: tables.into_iter().map(Block::Table).collect(),
    })
}

pub async fn health(cx: &Context<'_>) -> ApiResult<Page> {
    let cells = cx.store.insight_health(&cx.params.filter(), cx.params.period).await?;
    let mut by_bucket: BTreeMap<&str, Vec<&HealthCell>> = BTreeMap::new();
    let mut codes: BTreeMap<&str, i64> = BTreeMap::new();
    for c in &cells {
        by_bucket.entry(&c.bucket).or_default().push(c);
        if let Some(code) = c.outcome.as_deref().filter(|o| is_error(o)) {
            *codes.entry(code).or_default() += c.count;
        }
    }
    let columns = [
        "period",
        "answers",
        "extractive",
        "model",
        "errors",
        "timeouts",
        "first token p50 (ms)",
        "first token p95 (ms)",
    ];
    let mut table = Table::new(
        "health",
        "Answers",
        &columns,
        "Per period: answers written, the share written without a model (quoting the book) and by the model, answers a model error or timeout cut short, and the time to the first words (to two significant digits).",
    );
    let mut row = |label: String, s: Summary| {
        table.rows.push(vec![
            Cell::Text(label),
            Cell::Count(s.answers),
            Cell::Share(share(s.extractive, s.answers)),
            Cell::Share(share(s.answers - s.extractive, s.answers)),
            Cell::Count(s.errors),
            Cell::Count(s.timeouts),
            Cell::Ms(s.percentile(0.5)),
            Cell::Ms(s.percentile(0.95)),
        ]);
    };
    for (bucket, cells) in &by_bucket {
        row((*bucket).to_owned(), summarize(cells.iter().copied()));
    }
    if !by_bucket.is_empty() {
        row("all".into(), summarize(cells.iter()));
    }
    let mut errors = Table::new(
        "errors",
        "Errors by code",
        &["code", "answers"],
        "How the answers cut short ended (LLM_TIMEOUT: the model did not answer in time).",
    );
    for (code, n) in codes {
        errors.rows.push(vec![Cell::Text(code.to_owned()), Cell::Count(n)]);
    }
    Ok(Page {
        path: "/health",
        title: "Tutor health",
        intro: "How the tutor is answering: volume, mode, failures and speed.".into(),
        blocks: vec![Block::Table(table), Block::Table(errors)],
    })
}

/// An outcome that is a failure of the tutor (not the reader's Stop, not a long answer).
fn is_error(outcome: &str) -> bool {
    !matches!(outcome, "complete" | "STOPPED" | "ANSWER_TOO_LONG")
}

/// Counts over some health cells.
#[derive(Debug, Default)]
struct Summary {
    answers: i64,
    extractive: i64,
    errors: i64,
    timeouts: i64,
    /// (first-token ms, answers), for percentiles.
    times: BTreeMap<i32, i64>,
}

impl Summary {
    /// The first-token time at or below which `p` of the timed answers came.
    fn percentile(&self, p: f64) -> Option<i64> {
        let timed: i64 = self.times.values().sum();
        if timed == 0 {
            return None;
        }
        let rank = ((timed as f64) * p).ceil().max(1.0) as i64;
        let mut seen = 0;
        for (ms, n) in &self.times {
            seen += n;
            if seen >= rank {
                return Some(i64::from(*ms));
            }
        }
        None
    }
}

fn summarize<'a>(cells: impl Iterator<Item = &'a HealthCell>) -> Summary {
    let mut s = Summary::default();
    for c in cells {
        s.answers += c.count;
        if c.mode == "extractive" {
            s.extractive += c.count;
        }
        if let Some(outcome) = c.outcome.as_deref() {
            s.errors += if is_error(outcome) { c.count } else { 0 };
            s.timeouts += if outcome == "LLM_TIMEOUT" { c.count } else { 0 };
        }
        if let Some(ms) = c.first_token_ms {
            *s.times.entry(ms).or_default() += c.count;
        }
    }
    s
}

fn share(n: i64, of: i64) -> f64 {
    if of > 0 { n as f64 / of as f64 } else { 0.0 }
}

/// The cited section's title in the book, linking to it; its URL when the book no longer
/// has it.
fn section_link(toc: &Toc, url: &str) -> Cell {
    let text = match toc.find(url) {
        Some((page, Some(section))) => format!("{} › {}", page.title, section.heading),
        Some((page, None)) => page.title.clone(),
        None => url.to_owned(),
    };
    Cell::Link { text, url: url.to_owned() }
}

fn heat_link(text: &str, url: &str, count: i64, max: i64, page: bool) -> String {
    let alpha = if max > 0 { 0.08 + 0.82 * (count as f64 / max as f64) } else { 0.0 };
    let color = if alpha > 0.5 { "#fff" } else { "#1b1f24" };
    let weight = if page { "font-weight:600;" } else { "" };
    format!(
        "<a href=\"{}\" style=\"{weight}background:rgba(61,123,217,{alpha:.2});color:{color}\"><span>{}</span><span>{count}</span></a>",
        escape(url),
        escape(text)
    )
}

#[derive(Deserialize)]
struct Shown {
    #[serde(default)]
    url: String,
}

/// Failed questions grouped by wording: the first question, how many, other wordings, the
/// sections shown and (for feedback) comments.
fn failure_table(
    id: &str,
    title: &str,
    note: &str,
    failed: Vec<FailedQuestion>,
    toc: &Toc,
) -> Table {
    let columns = ["question", "times asked", "also asked as", "sections shown", "comments"];
    let mut table = Table::new(id, title, &columns, note);
    for group in wording::group(failed, |f| &f.question).into_iter().take(GROUPS_SHOWN) {
        let items = &group.items;
        let mut others: Vec<&str> = Vec::new();
        for f in &items[1..] {
            if others.len() < 3
                && f.question != items[0].question
                && !others.contains(&f.question.as_str())
            {
                others.push(&f.question);
            }
        }
        let mut shown: Vec<String> = Vec::new();
        for f in items {
            for s in serde_json::from_str::<Vec<Shown>>(&f.sources).unwrap_or_default() {
                let text = section_link(toc, &s.url).plain();
                if shown.len() < 3 && !s.url.is_empty() && !shown.contains(&text) {
                    shown.push(text);
                }
            }
        }
        let comments: Vec<&str> = items
            .iter()
            .filter_map(|f| f.comment.as_deref())
            .filter(|c| !c.trim().is_empty())
            .take(3)
            .collect();
        table.rows.push(vec![
            Cell::Text(items[0].question.clone()),
            Cell::Count(items.len() as i64),
            Cell::Text(others.join(" · ")),
            Cell::Text(shown.join(" · ")),
            Cell::Text(comments.join(" · ")),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(outcome: Option<&str>, ms: Option<i32>, count: i64) -> HealthCell {
        HealthCell {
            bucket: "2026-12-08".into(),
            mode: "model".into(),
            outcome: outcome.map(Into::into),
            first_token_ms: ms,
            count,
        }
    }

    #[test]
    fn percentiles_and_errors_come_from_the_cells() {
        let cells = [
            cell(Some("complete"), Some(100), 90),
            cell(Some("LLM_TIMEOUT"), None, 3),
            cell(Some("LLM_UNAVAILABLE"), Some(400), 2),
            cell(Some("STOPPED"), Some(2000), 5),
            cell(Some("complete"), Some(900), 5),
        ];
        let s = summarize(cells.iter());
        assert_eq!((s.answers, s.errors, s.timeouts, s.extractive), (105, 5, 3, 0));
        assert_eq!(s.percentile(0.5), Some(100));
        assert_eq!(s.percentile(0.95), Some(900));
        assert_eq!(Summary::default().percentile(0.5), None);
    }
}
