//! `lectern dev demo-data`: fills the database with plausible readers of the book, their
//! questionnaires and their questions, so the author's dashboard (`/admin`) has something
//! to show at once. Questions come from `examples/eval` (readers' own words about the sample
//! book, out-of-book ones included) and go through the real retrieval, so the sections
//! cited and the questions the book does not cover are the tutor's own verdicts; answers
//! are stored as the reader API stores them, over the last `--days` days.
//!
//! Demo readers have no password and no live session: nobody can sign in as them.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use lectern_api::profile::{Answers, Kind, Questionnaire, Summary};
use lectern_auth::password::{self, HashAlgorithm};
use lectern_store::{
    ADMIN_ROLE, AnswerInsight, Chat, ChatId, CredentialAccount, DEFAULT_ROLE, Exchange, IfRevision,
    Message, MessageId, Outcome, ProfileWrite, Session, SessionId, Store, User, UserId,
};
use lectern_tutor::Index;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::config::Config;

/// What to make.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub readers: u32,
    pub days: u32,
    pub seed: u64,
    /// An admin account to sign in to the dashboard with, made (or made admin) with this
    /// password.
    pub admin: Option<(String, String)>,
}

#[derive(Deserialize)]
struct Asked {
    question: String,
    #[serde(default)]
    kind: Option<String>,
}

/// Readers' questions about the sample book, in their own words.
fn questions() -> (Vec<String>, Vec<String>) {
    let mut in_book = Vec::new();
    let mut out_of_book = Vec::new();
    for file in [
        include_str!("../../../examples/eval/readers.json"),
        include_str!("../../../examples/eval/questions.json"),
    ] {
        for q in serde_json::from_str::<Vec<Asked>>(file).unwrap_or_default() {
            match q.kind.as_deref() {
                Some("outofbook") => out_of_book.push(q.question),
                Some("followup") => {}
                _ => in_book.push(q.question),
            }
        }
    }
    (in_book, out_of_book)
}

const COMMENTS: [&str; 6] = [
    "This did not answer my question.",
    "Too advanced for me, I need the basics first.",
    "The example does not work on Windows.",
    "I wanted a step-by-step guide.",
    "The cited section is about something else.",
    "",
];

pub async fn run(config: &Config, options: &DemoOptions) -> anyhow::Result<()> {
    let store = crate::serve::connect(&config.database_url).await?;
    let book = config.book.clone();
    let index =
        tokio::task::spawn_blocking(move || book.index(|_, _| {}).map(|(i, _, _)| i)).await??;
    let mut rng = StdRng::seed_from_u64(options.seed);
    let (in_book, out_of_book) = questions();
    anyhow::ensure!(!in_book.is_empty(), "no questions in examples/eval");
    let now = Utc::now();
    let mut asked = 0usize;
    let mut readers = Vec::new();
    for i in 0..options.readers {
        let joined =
            now - Duration::seconds(rng.gen_range(0..i64::from(options.days.max(1)) * 86_400));
        let id = UserId(format!("demo{}", lectern_auth::ids::random_alphanumeric(20)));
        let user = demo_user(&id, &format!("demo-reader-{i}@example.invalid"), joined);
        let session = expired_session(&id, joined);
        store.create_user_with_session(&user, &session).await?;
        readers.push((id, joined));
    }
    // A few readers came as guests first: the merge counts the conversion.
    for (account, joined) in readers.iter().filter(|_| rng.gen_bool(0.08)) {
        let guest = UserId(format!("guest{}", lectern_auth::ids::random_alphanumeric(20)));
        let mut user = demo_user(&guest, &format!("{}@guest.invalid", guest.0), *joined);
        user.is_anonymous = Some(true);
        store.create_user_with_session(&user, &expired_session(&guest, *joined)).await?;
        store.merge_guest(&guest, account, None).await?;
    }
    for (id, joined) in &readers {
        if rng.gen_bool(0.12) {
            continue; // stopped at the questionnaire
        }
        let answers = answer_questionnaire(&config.questionnaire, &mut rng);
        let profile = Answers(answers.clone());
        let json = Value::Object(answers).to_string();
        let choices: Vec<(&str, &str)> = config
            .questionnaire
            .questions
            .iter()
            .filter(|q| q.kind != Kind::Text)
            .flat_map(|q| match profile.0.get(&q.id) {
                Some(Value::String(s)) => vec![(q.id.as_str(), s.as_str())],
                Some(Value::Array(a)) => {
                    a.iter().filter_map(Value::as_str).map(|v| (q.id.as_str(), v)).collect()
                }
                _ => Vec::new(),
            })
            .collect();
        let software = profile.summary(&config.questionnaire, Summary::Software);
        let hardware = profile.summary(&config.questionnaire, Summary::Hardware);
        let write = ProfileWrite {
            user_id: id,
            answers: &json,
            software_summary: software.as_deref(),
            hardware_summary: hardware.as_deref(),
            choices: &choices,
            now: *joined,
        };
        store.save_profile(&write, IfRevision::Any).await?;
        let questions = rng.gen_range(0..=6);
        let mut at = *joined + Duration::minutes(rng.gen_range(2..30));
        let chat = Chat {
            id: ChatId(lectern_auth::ids::random_alphanumeric(24)),
            user_id: id.clone(),
            title: "Questions about the book".into(),
            created_at: at,
            updated_at: at,
        };
        let mut previous: Option<(MessageId, String, bool)> = None;
        for n in 0..questions {
            if at > now {
                break;
            }
            let again = previous
                .as_ref()
                .filter(|(_, _, weak)| rng.gen_bool(if *weak { 0.4 } else { 0.08 }));
            let question = match again {
                Some((_, q, _)) => format!("Sorry, I mean: {}", q.trim_end_matches('?')),
                None if rng.gen_bool(0.15) && !out_of_book.is_empty() => {
                    out_of_book[rng.gen_range(0..out_of_book.len())].clone()
                }
                None => in_book[rng.gen_range(0..in_book.len())].clone(),
            };
            let repeat_of = again.map(|(id, _, _)| id.clone());
            let (answer, weak) =
                ask(&store, &index, &chat, n == 0, &question, repeat_of, at, &mut rng).await?;
            asked += 1;
            if rng.gen_bool(if weak { 0.3 } else { 0.06 }) {
                let comment = COMMENTS[rng.gen_range(0..COMMENTS.len())];
                let comment = (!comment.is_empty()).then_some(comment);
                store.set_feedback(id, &chat.id, &answer, "not_helpful", comment, at).await?;
            } else if rng.gen_bool(0.2) {
                store.set_feedback(id, &chat.id, &answer, "helpful", None, at).await?;
            }
            previous = Some((answer, question, weak));
            at += Duration::seconds(rng.gen_range(40..3 * 86_400));
        }
    }
    if let Some((email, password)) = &options.admin {
        make_admin(&store, email, password, now).await?;
    }
    store.close().await;
    tracing::info!(readers = options.readers, questions = asked, "demo data written");
    eprintln!(
        "lectern: {} demo readers, {asked} questions over {} days",
        options.readers, options.days
    );
    Ok(())
}

/// One question and its answer, stored as the reader API stores them, with what the
/// dashboard records; returns the answer's id and whether the book did not cover it.
#[allow(clippy::too_many_arguments)]
async fn ask(
    store: &Store,
    index: &Index,
    chat: &Chat,
    first: bool,
    question: &str,
    repeat_of: Option<MessageId>,
    at: DateTime<Utc>,
    rng: &mut StdRng,
) -> anyhow::Result<(MessageId, bool)> {
    let passages = index.search(question, 3, &[])?;
    let (covered, coverage) = index.assess(question, &passages)?;
    let sources: Vec<Value> = passages
        .iter()
        .map(|p| serde_json::json!({ "title": p.title, "url": p.url, "snippet": p.snippet }))
        .collect();
    let sources = Value::Array(sources).to_string();
    let message = |role: &str, content: &str, at: DateTime<Utc>| Message {
        id: message_id(at),
        chat_id: chat.id.clone(),
        user_id: chat.user_id.clone(),
        role: role.into(),
        content: content.into(),
        sources: if role == "assistant" { sources.clone() } else { "[]".into() },
        status: if role == "assistant" { "streaming".into() } else { "complete".into() },
        error: None,
        created_at: at,
        updated_at: at,
        unanswered: role == "assistant" && !covered,
    };
    let asked = message("user", question, at);
    let answer = message("assistant", "", at + Duration::milliseconds(1));
    let exchange = Exchange::Ask { question: &asked, new_chat: first.then_some(chat), title: None };
    anyhow::ensure!(store.start_exchange(&exchange, &answer).await?, "the demo chat is gone");
    let model = rng.gen_bool(0.6);
    let sections: Vec<&str> =
        if covered { passages.iter().map(|p| p.url.as_str()).collect() } else { Vec::new() };
    store
        .record_answer(&AnswerInsight {
            message_id: &answer.id,
            user_id: &chat.user_id,
            question_id: &asked.id,
            created_at: answer.created_at,
            best_score: passages.first().map(|p| p.score),
            coverage,
            unanswered: !covered,
            mode: if model { "model" } else { "extractive" },
            repeat_of: repeat_of.as_ref(),
            sections: &sections,
        })
        .await?;
    let (outcome, first_token) = match (model, rng.gen_range(0..100)) {
        (true, 0..=1) => ("LLM_TIMEOUT", None),
        (true, 2) => ("LLM_UNAVAILABLE", None),
        (true, _) => (
            "complete",
            Some(rng.gen_range(250..900) + rng.gen_range(0..1200) * u64::from(rng.gen_bool(0.2))),
        ),
        (false, _) => ("complete", Some(rng.gen_range(2..25))),
    };
    let content = match passages.first() {
        Some(p) if covered => format!("> {}\n\n[1]", p.snippet),
        _ => "The book does not seem to cover this. These sections are the closest.".into(),
    };
    let (status, error) =
        if outcome == "complete" { ("complete", None) } else { ("interrupted", Some(outcome)) };
    let end =
        Outcome { content: &content, sources: &sources, status, error, now: answer.created_at };
    store.finish_message(&chat.user_id, &answer.id, &end).await?;
    store.record_answer_end(&answer.id, outcome, first_token).await?;
    Ok((answer.id, !covered))
}

/// A message id for `at`, ordered like the reader API's (microseconds, then random).
fn message_id(at: DateTime<Utc>) -> MessageId {
    let stamp = u64::try_from(at.timestamp_micros()).unwrap_or(0);
    MessageId(format!("{stamp:014x}{}", lectern_auth::ids::random_alphanumeric(18)))
}

fn demo_user(id: &UserId, email: &str, at: DateTime<Utc>) -> User {
    User {
        id: id.clone(),
        name: "Demo reader".into(),
        email: email.into(),
        email_verified: false,
        image: None,
        created_at: at,
        updated_at: at,
        is_anonymous: Some(false),
        software_background: None,
        hardware_background: None,
        role: Some(DEFAULT_ROLE.into()),
        banned: Some(false),
        ban_reason: None,
        ban_expires: None,
    }
}

/// A session that was over before it began: demo readers cannot be signed in as.
fn expired_session(user: &UserId, at: DateTime<Utc>) -> Session {
    Session {
        id: SessionId(lectern_auth::ids::random_alphanumeric(32)),
        token: lectern_auth::ids::random_alphanumeric(32),
        user_id: user.clone(),
        expires_at: at,
        created_at: at,
        updated_at: at,
        ip_address: None,
        user_agent: None,
        impersonated_by: None,
    }
}

/// Plausible answers: each option of a question weighted unevenly, the same way for every
/// reader, so the distributions have a shape; multi-choice questions get one to three.
fn answer_questionnaire(questionnaire: &Questionnaire, rng: &mut StdRng) -> Map<String, Value> {
    let mut answers = Map::new();
    for q in &questionnaire.questions {
        if q.options.is_empty() || q.show_if.is_some() {
            continue;
        }
        let weights: Vec<u32> =
            (0..q.options.len()).map(|k| 1 + ((k as u32 * 7 + 3) % 5) * 2).collect();
        let total: u32 = weights.iter().sum();
        let pick = |rng: &mut StdRng| {
            let mut roll = rng.gen_range(0..total);
            for (k, w) in weights.iter().enumerate() {
                if roll < *w {
                    return &q.options[k];
                }
                roll -= w;
            }
            &q.options[0]
        };
        match q.kind {
            Kind::Single => {
                answers.insert(q.id.clone(), Value::String(pick(rng).value.clone()));
            }
            Kind::Multi => {
                let mut chosen: Vec<&str> = Vec::new();
                for _ in 0..rng.gen_range(1..=3) {
                    let o = pick(rng);
                    if o.exclusive {
                        chosen = vec![o.value.as_str()];
                        break;
                    }
                    if !chosen.contains(&o.value.as_str()) {
                        chosen.push(&o.value);
                    }
                }
                let values = chosen.into_iter().map(|v| Value::String(v.into())).collect();
                answers.insert(q.id.clone(), Value::Array(values));
            }
            Kind::Text => {}
        }
    }
    answers
}

/// The account `email` with `password` and Better Auth's admin role; an existing account
/// must already be an admin (this command changes no one's role).
async fn make_admin(
    store: &Store,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let email = email.trim().to_lowercase();
    if let Some((user, _)) = store.find_login(&email).await? {
        anyhow::ensure!(user.is_admin(), "{email} exists and is not an admin");
        return Ok(());
    }
    let id = UserId(lectern_auth::ids::random_alphanumeric(32));
    let mut user = demo_user(&id, &email, now);
    user.name = "Author".into();
    user.role = Some(ADMIN_ROLE.into());
    let password = password.to_owned();
    let hash =
        tokio::task::spawn_blocking(move || password::hash(HashAlgorithm::Argon2id, &password))
            .await?;
    let account = CredentialAccount {
        id: lectern_auth::ids::random_alphanumeric(32),
        user_id: id,
        password_hash: hash,
        created_at: now,
    };
    store.create_user_with_password(&user, &account, None).await.context("cannot create the admin")
}
