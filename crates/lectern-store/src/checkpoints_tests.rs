//! Gathered checkpoints on both backends: in a burst larger than one statement, every answer
//! still streaming is saved with its own text; an answer stopped meanwhile, or named by
//! someone other than its owner, is left alone and reported as not saved.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use lectern_testkit::{Backend, TestDb, backend_tests};

use crate::fixtures::guest;
use crate::{Chat, ChatId, Exchange, Message, MessageId, Order, Store, StoreOptions, UserId};

const ANSWERS: usize = 600; // more than one statement's 500

fn message(id: String, chat: &Chat, role: &str, status: &str) -> Message {
    Message {
        id: MessageId(id),
        chat_id: chat.id.clone(),
        user_id: chat.user_id.clone(),
        role: role.into(),
        content: String::new(),
        sources: "[]".into(),
        status: status.into(),
        error: None,
        created_at: chat.created_at,
        updated_at: chat.created_at,
        unanswered: false,
    }
}

/// A chat of `owner` with `answers` questions, each with an answer still streaming.
async fn chat(store: &Store, owner: &UserId, id: &str, answers: usize, at: DateTime<Utc>) -> Chat {
    let chat = Chat {
        id: ChatId(id.into()),
        user_id: owner.clone(),
        title: "Checkpoints".into(),
        created_at: at,
        updated_at: at,
    };
    store.create_chat(&chat).await.expect("chat");
    for n in 0..answers {
        let question = message(format!("{id}-q{n:04}"), &chat, "user", "complete");
        let answer = message(format!("{id}-a{n:04}"), &chat, "assistant", "streaming");
        assert!(
            store
                .start_exchange(
                    &Exchange::Ask { question: &question, new_chat: None, title: None },
                    &answer
                )
                .await
                .expect("exchange")
        );
    }
    chat
}

async fn a_burst_of_checkpoints_saves_each_streaming_answer(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = Store::connect(&db.url, &StoreOptions::default()).await.expect("connect");
    store.migrate().await.expect("migrate");
    let (user, session) = guest("checkpointer");
    store.create_user_with_session(&user, &session).await.expect("user");
    let started = Utc::now().trunc_subsecs(6) - Duration::minutes(1);
    let live = chat(&store, &user.id, "live", ANSWERS, started).await;
    let halted = chat(&store, &user.id, "halted", 1, started).await;
    assert_eq!(store.stop_answers(&user.id, &halted.id, started).await.expect("stop"), 1);

    let at = Utc::now().trunc_subsecs(6);
    let stranger = UserId("stranger".into());
    let mut asks: Vec<(UserId, MessageId, String)> = (0..ANSWERS)
        .map(|n| {
            let owner = if n == 7 { stranger.clone() } else { user.id.clone() };
            (owner, MessageId(format!("live-a{n:04}")), format!("so far {n}"))
        })
        .collect();
    asks.push((user.id.clone(), MessageId("halted-a0000".into()), "too late".into()));
    // All at once, as the answers of a busy server come due together.
    let saved = futures_util::future::join_all(
        asks.iter().map(|(owner, id, text)| store.checkpoint_message(owner, id, text, at)),
    )
    .await;
    let saved: Vec<bool> = saved.into_iter().map(|s| s.expect("checkpoint")).collect();
    let expected: Vec<bool> = (0..=ANSWERS).map(|n| n != 7 && n != ANSWERS).collect();
    assert_eq!(saved, expected, "saved: every streaming answer of its owner, nothing else");

    let rows = store
        .messages(&user.id, &live.id, Order::Desc, None, 2 * ANSWERS as u32)
        .await
        .expect("read");
    let answers: Vec<&Message> =
        rows.iter().map(|r| &r.message).filter(|m| m.role == "assistant").collect();
    assert_eq!(answers.len(), ANSWERS);
    for answer in answers {
        let n: usize = answer.id.0["live-a".len()..].parse().expect("number");
        if n == 7 {
            assert_eq!((answer.content.as_str(), answer.updated_at), ("", started), "untouched");
        } else {
            assert_eq!(answer.content, format!("so far {n}"), "each answer its own text");
            assert_eq!(answer.updated_at, at);
        }
        assert_eq!(answer.status, "streaming", "a checkpoint never ends an answer");
    }
    let halted_rows =
        store.messages(&user.id, &halted.id, Order::Desc, None, 10).await.expect("read");
    let stopped = halted_rows.iter().find(|r| r.message.role == "assistant").expect("answer");
    assert_eq!(
        (stopped.message.status.as_str(), stopped.message.content.as_str()),
        ("interrupted", "")
    );
    store.close().await;
}

backend_tests!(a_burst_of_checkpoints_saves_each_streaming_answer);
