//! What the tutor knows about the person asking: their level, a few facts for the prompt,
//! and words for their hardware or platform. The API fills it from the reader's profile, so
//! the tutor never sees questionnaire ids, and the conversation so far.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Background {
    /// `None` when the reader has not said.
    pub level: Option<Level>,
    /// `(label, answer)` in words a model understands, such as `("Hardware", "Jetson Orin")`.
    pub facts: Vec<(String, String)>,
    /// Hardware or platform words ("Jetson", "Raspberry Pi", "simulation") whose passages and
    /// sentences should rank up for this reader.
    pub boost_terms: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

/// One message of the conversation before the current question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    pub role: Role,
    pub content: String,
}
