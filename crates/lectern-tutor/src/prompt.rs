//! The chat messages sent to the model: a system message with the rules, the reader and the
//! numbered passages; the recent conversation; the question. A pure function of the
//! request, so what the model is told can be tested without one.

use serde::Serialize;

use crate::answer::AnswerRequest;
use crate::reader::{Background, Level, Role};
use crate::text;

/// At most this many earlier turns are sent …
pub const HISTORY_TURNS: usize = 6;
/// … and only while they fit in this many bytes, newest first.
pub const HISTORY_BUDGET: usize = 6_000;
/// Each passage's text is cut to this many bytes to bound the prompt.
pub const PASSAGE_BUDGET: usize = 4_000;
/// Profile answers are the reader's own words: short, one line each.
const FACT_MAX: usize = 200;

const RULES: &str =
    "You are the tutor of this online textbook. Answer the reader's question using \
only the numbered passages from the book below.
- Cite the passages you rely on as [1], [2], … using the passage numbers, right after the \
sentence they support.
- If the passages do not contain the answer, say that the book does not seem to cover it; do not \
answer from general knowledge.
- Answer in Markdown, with code in fenced code blocks.";

/// Said when retrieval judged the passages a poor match ([`AnswerRequest::weak_evidence`]).
const WEAK_EVIDENCE: &str = "(These are only the closest sections: most of the question's words \
are not in them, so the book most likely does not answer it. Unless a passage plainly does, reply \
\"The book doesn't seem to cover this.\" and name these sections as places to look, with their \
citations; do not answer from general knowledge.)\n";

/// One OpenAI chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    pub role: ChatRole,
    pub content: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    System,
    User,
    Assistant,
}

pub fn build(request: &AnswerRequest) -> Vec<ChatMessage> {
    let mut system = RULES.to_owned();
    system.push_str(&reader_section(&request.background));
    system.push_str("\n\nPassages:\n");
    if request.passages.is_empty() {
        system.push_str("(none: the book search found nothing for this question)\n");
    } else if request.weak_evidence {
        system.push_str(WEAK_EVIDENCE);
    }
    for (i, p) in request.passages.iter().enumerate() {
        let body = text::truncate(&p.text, PASSAGE_BUDGET);
        system.push_str(&format!("\n[{}] {} ({})\n{body}\n", i + 1, p.title, p.url));
    }

    let mut messages = vec![ChatMessage { role: ChatRole::System, content: system }];
    messages.extend(recent_turns(request));
    messages.push(ChatMessage { role: ChatRole::User, content: request.question.clone() });
    messages
}

fn reader_section(background: &Background) -> String {
    let mut out = String::new();
    let facts = background.facts.iter().map(|(label, answer)| (one_line(label), one_line(answer)));
    for (label, answer) in facts.filter(|(l, a)| !l.is_empty() && !a.is_empty()) {
        out.push_str(&format!("\n- {label}: {answer}"));
    }
    if let Some(level) = background.level {
        out.push_str("\n- ");
        out.push_str(match level {
            Level::Beginner => {
                "They are a beginner: define each technical term the first time you use it, \
                 explain in small steps, and avoid jargon."
            }
            Level::Intermediate => {
                "They have some experience: explain the reasoning, but skip the most basic definitions."
            }
            Level::Advanced => {
                "They are advanced: be concise, skip the basics, and go straight to commands, \
                 parameters and trade-offs."
            }
        });
    }
    let terms: Vec<String> =
        background.boost_terms.iter().map(|t| one_line(t)).filter(|t| !t.is_empty()).collect();
    if !terms.is_empty() {
        let paths = terms.join(" or ");
        out.push_str(&format!(
            "\n- They work with {}: where the book describes several ways, prefer the {paths} path where the book has one.",
            terms.join(", ")
        ));
    }
    if out.is_empty() { out } else { format!("\n\nAbout this reader:{out}") }
}

fn one_line(s: &str) -> String {
    text::truncate(&s.split_whitespace().collect::<Vec<_>>().join(" "), FACT_MAX)
}

/// The newest turns that fit both limits, oldest first.
fn recent_turns(request: &AnswerRequest) -> Vec<ChatMessage> {
    let mut budget = HISTORY_BUDGET;
    let mut kept: Vec<ChatMessage> = request
        .history
        .iter()
        .rev()
        .take(HISTORY_TURNS)
        .take_while(|turn| match budget.checked_sub(turn.content.len()) {
            Some(left) => {
                budget = left;
                true
            }
            None => false,
        })
        .map(|turn| ChatMessage {
            role: match turn.role {
                Role::User => ChatRole::User,
                Role::Assistant => ChatRole::Assistant,
            },
            content: turn.content.clone(),
        })
        .collect();
    kept.reverse();
    kept
}
