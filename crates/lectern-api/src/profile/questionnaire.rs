//! The background questionnaire as data (**contract**, DESIGN.md §5): one definition that
//! `GET /api/user/profile/schema` serves, the widget renders, answers are validated against
//! and the OpenAPI document describes. Authors replace it with `LECTERN_PROFILE_SCHEMA`, a
//! JSON file of the same shape, without touching any handler.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The built-in questionnaire: software and hardware background, and learning goals.
const DEFAULT: &str = include_str!("default_questionnaire.json");

/// Upper bounds that keep an author's configuration (and so every request) small.
const MAX_QUESTIONS: usize = 50;
const MAX_OPTIONS: usize = 50;
const MAX_TEXT: usize = 4000;
const MAX_LABEL: usize = 300;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Questionnaire {
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    #[serde(default)]
    pub options: Vec<Choice>,
    #[serde(default)]
    pub required: bool,
    /// Characters allowed in a `text` answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Which of the user's summary fields this answer feeds (`softwareBackground` or
    /// `hardwareBackground`), so Better Auth's clients and the JWT see the background.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    /// How the answer is named in that summary; the label when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_label: Option<String>,
    /// Asked only when an earlier question has one of these answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Single,
    Multi,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Summary {
    Software,
    Hardware,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: String,
    /// In a `multi` question, an answer that cannot be combined with others ("None").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclusive: bool,
    /// The tutor's cue for how to explain: `beginner`, `intermediate` or `advanced`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Words the tutor favours when retrieving for this reader ("Jetson").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boost: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShowIf {
    pub question: String,
    pub any_of: Vec<String>,
}

impl Default for Questionnaire {
    fn default() -> Self {
        Self::from_json(DEFAULT).expect("the built-in questionnaire is valid")
    }
}

impl Questionnaire {
    /// Parses and checks an author's questionnaire; the error names the problem.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let questionnaire: Self = serde_json::from_str(text).map_err(|e| e.to_string())?;
        questionnaire.check()?;
        Ok(questionnaire)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    fn check(&self) -> Result<(), String> {
        if self.questions.is_empty() || self.questions.len() > MAX_QUESTIONS {
            return Err(format!("a questionnaire has 1 to {MAX_QUESTIONS} questions"));
        }
        let mut seen = HashSet::new();
        for q in &self.questions {
            let name = &q.id;
            let id_ok = q.id.len() <= 64
                && q.id.starts_with(|c: char| c.is_ascii_alphabetic())
                && q.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !id_ok {
                return Err(format!("question id {name:?}: use 1-64 letters, digits or _"));
            }
            if q.label.trim().is_empty() || q.label.len() > MAX_LABEL {
                return Err(format!("question {name}: label must be 1-{MAX_LABEL} bytes"));
            }
            if let Some(condition) = &q.show_if {
                let Some(earlier) = self
                    .questions
                    .iter()
                    .take_while(|o| o.id != q.id)
                    .find(|o| o.id == condition.question)
                else {
                    return Err(format!("question {name}: showIf names no earlier question"));
                };
                if condition.any_of.is_empty()
                    || !condition
                        .any_of
                        .iter()
                        .all(|v| earlier.options.iter().any(|o| &o.value == v))
                {
                    return Err(format!(
                        "question {name}: showIf values must be options of {}",
                        earlier.id
                    ));
                }
            }
            match q.kind {
                Kind::Text => {
                    if !q.options.is_empty() {
                        return Err(format!("question {name}: a text question has no options"));
                    }
                    if !q.max_length.is_some_and(|n| (1..=MAX_TEXT).contains(&n)) {
                        return Err(format!("question {name}: maxLength must be 1-{MAX_TEXT}"));
                    }
                }
                Kind::Single | Kind::Multi => {
                    if q.options.is_empty() || q.options.len() > MAX_OPTIONS {
                        return Err(format!("question {name}: 1 to {MAX_OPTIONS} options"));
                    }
                    let mut values = HashSet::new();
                    for option in &q.options {
                        if option.value.is_empty()
                            || option.value.len() > 64
                            || !values.insert(&option.value)
                        {
                            return Err(format!(
                                "question {name}: option values must be unique, 1-64 bytes"
                            ));
                        }
                        if option.label.trim().is_empty() || option.label.len() > MAX_LABEL {
                            return Err(format!(
                                "question {name}: option labels must be 1-{MAX_LABEL} bytes"
                            ));
                        }
                    }
                }
            }
            if !seen.insert(&q.id) {
                return Err(format!("question id {name:?} is used twice"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_asks_software_hardware_and_goals() {
        let q = Questionnaire::default();
        for id in [
            "softwareExperience",
            "programmingLanguages",
            "frameworks",
            "operatingSystem",
            "gpu",
            "roboticsHardware",
            "learningGoals",
        ] {
            assert!(q.question(id).is_some(), "{id}");
        }
    }

    #[test]
    fn an_author_mistake_is_named() {
        let cases = [
            (r#"{"questions":[]}"#, "1 to 50 questions"),
            (
                r#"{"questions":[{"id":"a b","label":"A","type":"text","maxLength":5}]}"#,
                "letters, digits",
            ),
            (r#"{"questions":[{"id":"a","label":"A","type":"single"}]}"#, "options"),
            (r#"{"questions":[{"id":"a","label":"A","type":"text"}]}"#, "maxLength"),
            (
                r#"{"questions":[{"id":"a","label":"A","type":"text","maxLength":5},{"id":"a","label":"B","type":"text","maxLength":5}]}"#,
                "used twice",
            ),
            (
                r#"{"questions":[{"id":"a","label":"A","type":"single","options":[{"value":"x","label":"X"},{"value":"x","label":"Y"}]}]}"#,
                "unique",
            ),
            (
                r#"{"questions":[{"id":"a","label":"A","type":"text","maxLength":5,"showIf":{"question":"b","anyOf":["x"]}}]}"#,
                "no earlier question",
            ),
            (
                r#"{"questions":[{"id":"a","label":"A","type":"text","maxLength":5,"colour":"red"}]}"#,
                "unknown field",
            ),
        ];
        for (json, expected) in cases {
            let err = Questionnaire::from_json(json).expect_err(json);
            assert!(err.contains(expected), "{json}: {err}");
        }
    }
}
