//! The tutor as the reader API uses it: the book's index, the answerer, and the reader's
//! background turned into the tutor's cues, from the questionnaire's data (the tutor itself
//! knows no question ids).

use lectern_tutor::{Answerer, Background, Index, Level};

use crate::profile::{Answers, Questionnaire};

/// Passages retrieved per question unless configured (`LECTERN_TOP_K`).
pub const DEFAULT_TOP_K: usize = 3;
/// The longest answer kept (`LECTERN_MAX_ANSWER_CHARS`): a model that never stops would
/// otherwise fill the reader's screen and the database. Ten times a long answer.
pub const DEFAULT_MAX_ANSWER_CHARS: usize = 20_000;

#[derive(Debug)]
pub struct Tutor {
    pub index: Index,
    pub answerer: Answerer,
    pub top_k: usize,
    /// Where an answer is cut off.
    pub max_answer_chars: usize,
    /// The book's pages and sections in reading order, for the author's dashboard.
    pub toc: Toc,
}

/// The book's table of contents: its pages in reading order, each with its sections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Toc {
    pub pages: Vec<TocPage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocPage {
    pub title: String,
    /// The page's URL, without an anchor; its opening text is cited by this URL.
    pub url: String,
    /// The headed sections (`url#anchor`), in order.
    pub sections: Vec<TocSection>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocSection {
    pub heading: String,
    pub url: String,
}

impl Toc {
    /// The contents of a book from its sections, which come page by page in order.
    pub fn of(sections: &[lectern_tutor::Section]) -> Self {
        let mut pages: Vec<TocPage> = Vec::new();
        for s in sections {
            let page_url = s.url.split('#').next().unwrap_or(&s.url);
            if pages.last().is_none_or(|p| p.url != page_url) {
                pages.push(TocPage {
                    title: s.doc_title.clone(),
                    url: page_url.to_owned(),
                    sections: Vec::new(),
                });
            }
            if s.url.contains('#') {
                if let Some(page) = pages.last_mut() {
                    page.sections
                        .push(TocSection { heading: s.heading.clone(), url: s.url.clone() });
                }
            }
        }
        Self { pages }
    }

    /// The page and the section (`None` for the page's opening text) a cited URL names.
    pub fn find(&self, url: &str) -> Option<(&TocPage, Option<&TocSection>)> {
        let page_url = url.split('#').next().unwrap_or(url);
        let page = self.pages.iter().find(|p| p.url == page_url)?;
        Some((page, page.sections.iter().find(|s| s.url == url)))
    }
}

/// The reader's background for the prompt and for retrieval: every answered question as a
/// fact, the level of the first chosen option that names one, and the chosen options'
/// boost terms.
pub fn background(questionnaire: &Questionnaire, answers: &Answers) -> Background {
    let facts = questionnaire
        .questions
        .iter()
        .filter_map(|q| {
            let labels = answers.labels(q)?;
            Some((q.summary_label.clone().unwrap_or_else(|| q.label.clone()), labels.join(", ")))
        })
        .collect();
    let level = answers.choices(questionnaire).find_map(|c| match c.level.as_deref() {
        Some("beginner") => Some(Level::Beginner),
        Some("intermediate") => Some(Level::Intermediate),
        Some("advanced") => Some(Level::Advanced),
        _ => None,
    });
    let mut boost_terms: Vec<String> = Vec::new();
    for term in answers.choices(questionnaire).flat_map(|c| c.boost.iter()) {
        if !boost_terms.contains(term) {
            boost_terms.push(term.clone());
        }
    }
    Background { level, facts, boost_terms }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn answers_become_cues() {
        let q = Questionnaire::default();
        let raw = json!({
            "softwareExperience": "none", "operatingSystem": "linux", "gpu": "none",
            "roboticsHardware": ["jetson", "arduino"], "learningGoals": "walk"
        });
        let answers = Answers::validate(&q, raw.as_object().expect("object")).expect("valid");
        let background = background(&q, &answers);
        assert_eq!(background.level, Some(Level::Beginner));
        assert_eq!(background.boost_terms, ["Jetson", "Arduino", "micro-ROS"]);
        assert!(background.facts.contains(&("Experience".into(), "None yet".into())));
        assert!(
            background
                .facts
                .contains(&("What do you want to learn or build?".into(), "walk".into()))
        );
    }
}
