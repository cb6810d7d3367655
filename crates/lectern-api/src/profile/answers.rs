//! A reader's answers, checked against the questionnaire, with errors per question that a
//! form can show next to each field.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::questionnaire::{Kind, Question, Questionnaire, Summary};

/// Answers that passed validation, in questionnaire order: a string for `single` and
/// `text`, an array of strings for `multi`; unanswered questions are absent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answers(pub Map<String, Value>);

/// Why one answer was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub code: &'static str,
    pub message: String,
}

pub type FieldErrors = BTreeMap<String, FieldError>;

fn error(code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError { code, message: message.into() }
}

impl Answers {
    /// Validates `raw` (the body's `answers` object) against `questionnaire`. A `null`
    /// answer, an empty string or an empty list counts as no answer.
    pub fn validate(
        questionnaire: &Questionnaire,
        raw: &Map<String, Value>,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        for key in raw.keys().filter(|k| questionnaire.question(k).is_none()) {
            let key: String = key.chars().take(64).collect();
            errors.insert(key, error("UNKNOWN_QUESTION", "There is no such question"));
        }
        let mut answers = Map::new();
        for q in &questionnaire.questions {
            let value = raw.get(&q.id).map(normalise).unwrap_or(Value::Null);
            let applies = q.show_if.as_ref().is_none_or(|c| {
                answers.get(&c.question).is_some_and(|a| c.any_of.iter().any(|v| chosen(a, v)))
            });
            if value.is_null() {
                if q.required && applies {
                    errors.insert(q.id.clone(), error("REQUIRED", "Please answer this question"));
                }
                continue;
            }
            if !applies {
                errors.insert(
                    q.id.clone(),
                    error("NOT_APPLICABLE", "This question does not apply to your other answers"),
                );
                continue;
            }
            match check(q, &value) {
                Ok(()) => {
                    answers.insert(q.id.clone(), value);
                }
                Err(err) => {
                    errors.insert(q.id.clone(), err);
                }
            }
        }
        if errors.is_empty() { Ok(Self(answers)) } else { Err(errors) }
    }

    /// The human summary for one of the user's background fields, `None` when no answer
    /// feeds it: `Experience: Beginner; Languages: Python, C++`.
    pub fn summary(&self, questionnaire: &Questionnaire, which: Summary) -> Option<String> {
        let parts: Vec<String> = questionnaire
            .questions
            .iter()
            .filter(|q| q.summary == Some(which))
            .filter_map(|q| {
                let labels = self.labels(q)?;
                Some(format!(
                    "{}: {}",
                    q.summary_label.as_deref().unwrap_or(&q.label),
                    labels.join(", ")
                ))
            })
            .collect();
        (!parts.is_empty())
            .then(|| truncate(&parts.join("; "), lectern_auth::validate::MAX_BACKGROUND))
    }

    /// The answer to `q` in words: option labels, or the text itself.
    pub fn labels(&self, q: &Question) -> Option<Vec<String>> {
        let value = self.0.get(&q.id)?;
        let label =
            |v: &str| q.options.iter().find(|o| o.value == v).map_or(v, |o| &o.label).to_owned();
        Some(match value {
            Value::String(s) if q.kind == Kind::Text => vec![s.clone()],
            Value::String(s) => vec![label(s)],
            Value::Array(items) => items.iter().filter_map(Value::as_str).map(label).collect(),
            _ => return None,
        })
    }

    /// The chosen options of every question, for the tutor's cues (`level`, `boost`).
    pub fn choices<'q>(
        &self,
        questionnaire: &'q Questionnaire,
    ) -> impl Iterator<Item = &'q super::questionnaire::Choice> {
        questionnaire.questions.iter().flat_map(move |q| {
            let answer = self.0.get(&q.id);
            q.options.iter().filter(move |o| answer.is_some_and(|a| chosen(a, &o.value)))
        })
    }
}

fn chosen(answer: &Value, option: &str) -> bool {
    match answer {
        Value::String(s) => s == option,
        Value::Array(items) => items.iter().any(|i| i.as_str() == Some(option)),
        _ => false,
    }
}

/// Trims text and maps "nothing" to null, so a cleared form field is no answer.
fn normalise(value: &Value) -> Value {
    match value {
        Value::String(s) if s.trim().is_empty() => Value::Null,
        Value::String(s) => Value::String(s.trim().to_owned()),
        Value::Array(items) if items.is_empty() => Value::Null,
        other => other.clone(),
    }
}

fn check(q: &Question, value: &Value) -> Result<(), FieldError> {
    let is_option = |v: &str| q.options.iter().any(|o| o.value == v);
    let choose_from = || {
        let values: Vec<&str> = q.options.iter().map(|o| o.value.as_str()).collect();
        format!("Choose from: {}", values.join(", "))
    };
    match (q.kind, value) {
        (Kind::Text, Value::String(s)) => {
            let max = q.max_length.unwrap_or(0);
            if s.chars().count() > max {
                return Err(error("TOO_LONG", format!("At most {max} characters")));
            }
            if !crate::body::is_typed_text(s) {
                return Err(error("INVALID_TEXT", "Control characters are not allowed"));
            }
            Ok(())
        }
        (Kind::Single, Value::String(s)) if is_option(s) => Ok(()),
        (Kind::Single, Value::String(_)) => Err(error("INVALID_OPTION", choose_from())),
        (Kind::Multi, Value::Array(items)) => {
            let mut picked: Vec<&str> = Vec::with_capacity(items.len());
            for item in items {
                match item.as_str() {
                    Some(v) if is_option(v) && !picked.contains(&v) => picked.push(v),
                    Some(v) if picked.contains(&v) => {
                        return Err(error("DUPLICATE_OPTION", "Each answer at most once"));
                    }
                    _ => return Err(error("INVALID_OPTION", choose_from())),
                }
            }
            let exclusive =
                q.options.iter().find(|o| o.exclusive && picked.contains(&o.value.as_str()));
            match exclusive {
                Some(o) if picked.len() > 1 => Err(error(
                    "EXCLUSIVE_OPTION",
                    format!("\"{}\" cannot be combined with other answers", o.label),
                )),
                _ => Ok(()),
            }
        }
        (Kind::Text | Kind::Single, _) => Err(error("INVALID_TYPE", "Expected a string")),
        (Kind::Multi, _) => Err(error("INVALID_TYPE", "Expected a list of strings")),
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn validate(raw: Value) -> Result<Answers, FieldErrors> {
        let Value::Object(raw) = raw else { panic!("test answers are an object") };
        Answers::validate(&Questionnaire::default(), &raw)
    }

    fn complete() -> Value {
        json!({
            "softwareExperience": "beginner",
            "programmingLanguages": ["python", "cpp"],
            "operatingSystem": "linux",
            "gpu": "nvidia",
            "gpuModel": "  RTX 4070 ",
            "roboticsHardware": ["jetson"],
            "learningGoals": "Build a walking robot"
        })
    }

    #[test]
    fn a_complete_profile_passes_and_is_normalised() {
        let answers = validate(complete()).expect("valid");
        assert_eq!(answers.0["gpuModel"], "RTX 4070");
        let keys: Vec<&String> = answers.0.keys().collect();
        assert_eq!(keys[0], "softwareExperience", "questionnaire order");
    }

    #[test]
    fn each_mistake_is_reported_on_its_question() {
        let errors = validate(json!({
            "softwareExperience": "guru",
            "programmingLanguages": "python",
            "operatingSystem": 3,
            "roboticsHardware": ["none", "jetson"],
            "learningGoals": "x".repeat(501),
            "gpuModel": "RTX",
            "favouriteColour": "red"
        }))
        .expect_err("invalid");
        let codes: BTreeMap<&str, &str> =
            errors.iter().map(|(k, v)| (k.as_str(), v.code)).collect();
        assert_eq!(
            codes,
            BTreeMap::from([
                ("favouriteColour", "UNKNOWN_QUESTION"),
                ("gpu", "REQUIRED"),
                ("gpuModel", "NOT_APPLICABLE"),
                ("learningGoals", "TOO_LONG"),
                ("operatingSystem", "INVALID_TYPE"),
                ("programmingLanguages", "INVALID_TYPE"),
                ("roboticsHardware", "EXCLUSIVE_OPTION"),
                ("softwareExperience", "INVALID_OPTION"),
            ])
        );
    }

    #[test]
    fn empty_answers_count_as_unanswered() {
        let mut raw = complete();
        raw["programmingLanguages"] = json!([]);
        raw["learningGoals"] = json!("   ");
        let answers = validate(raw).expect("valid");
        assert!(!answers.0.contains_key("programmingLanguages"));
        assert!(!answers.0.contains_key("learningGoals"));
    }

    #[test]
    fn summaries_are_short_and_human() {
        let q = Questionnaire::default();
        let answers = validate(complete()).expect("valid");
        assert_eq!(
            answers.summary(&q, Summary::Software).as_deref(),
            Some("Experience: Beginner; Languages: Python, C++; OS: Linux (Ubuntu or other)")
        );
        assert_eq!(
            answers.summary(&q, Summary::Hardware).as_deref(),
            Some("GPU: NVIDIA; GPU model: RTX 4070; Robotics hardware: NVIDIA Jetson")
        );
        let boosts: Vec<&str> =
            answers.choices(&q).flat_map(|c| c.boost.iter().map(String::as_str)).collect();
        assert_eq!(boosts, ["CUDA", "Jetson"]);
    }
}
