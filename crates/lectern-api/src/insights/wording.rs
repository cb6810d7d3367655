//! Questions grouped by similar wording, in Rust and without any outside service: each
//! question becomes the set of its stemmed content words as the book's index sees them
//! (`lectern_tutor::content_terms`: "How do I install ROS 2 on Windows?" and "installing
//! ros2 on windows" share `instal`, `ros`, `window`), and a question joins the first group
//! whose first question shares at least half of their words (Jaccard ≥ 0.5).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use lectern_store::{MessageId, MessageWithFeedback};

/// Questions as alike as this are the same question in other words.
const ALIKE: f64 = 0.5;
/// A question asked this soon after the previous answer, in words this alike, asks it again.
const AGAIN_WITHIN: chrono::Duration = chrono::Duration::minutes(10);

/// The stemmed content words of a question.
pub fn terms(question: &str) -> HashSet<String> {
    lectern_tutor::content_terms(question)
}

/// Jaccard similarity of two term sets; 0 when both are empty.
pub fn similarity(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

/// The answer `question` asks again, if it does: the chat's last message (`earlier` is
/// newest first) is an answer given less than ten minutes before `now`, to a question in
/// other words that mean the same.
pub fn repeat_of(
    earlier: &[MessageWithFeedback],
    question: &str,
    now: DateTime<Utc>,
) -> Option<MessageId> {
    let [answer, asked, ..] = earlier else { return None };
    let (answer, asked) = (&answer.message, &asked.message);
    let fresh = answer.role == "assistant"
        && asked.role == "user"
        && now.signed_duration_since(answer.created_at) <= AGAIN_WITHIN;
    (fresh && similarity(&terms(&asked.content), &terms(question)) >= ALIKE)
        .then(|| answer.id.clone())
}

/// A group of questions in alike words: the first one seen stands for them all.
#[derive(Debug, Clone, PartialEq)]
pub struct Group<T> {
    pub items: Vec<T>,
    terms: HashSet<String>,
}

/// Groups `items` by the wording of `question(item)`, largest group first (then in the
/// order first seen).
pub fn group<T>(items: Vec<T>, question: impl Fn(&T) -> &str) -> Vec<Group<T>> {
    let mut groups: Vec<Group<T>> = Vec::new();
    for item in items {
        let words = terms(question(&item));
        let home = groups.iter_mut().find(|g| {
            if words.is_empty() || g.terms.is_empty() {
                return g.terms.is_empty() && words.is_empty();
            }
            similarity(&g.terms, &words) >= ALIKE
        });
        match home {
            Some(group) => group.items.push(item),
            None => groups.push(Group { items: vec![item], terms: words }),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.items.len()));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_question_in_other_words_is_one_group() {
        let questions = vec![
            "How do I install ROS 2 on Windows?",
            "What is a URDF file?",
            "installing ROS 2 on windows",
            "how to install ros2 on Windows 11",
            "what's a URDF file",
            "Can I bake bread with a robot?",
        ];
        let groups = group(questions, |q| q);
        let sizes: Vec<usize> = groups.iter().map(|g| g.items.len()).collect();
        assert_eq!(sizes, [2, 2, 1, 1], "{groups:#?}");
        assert_eq!(groups[0].items[0], "How do I install ROS 2 on Windows?");
        assert!(groups[0].items.contains(&"installing ROS 2 on windows"));
    }

    #[test]
    fn unrelated_questions_are_not_alike() {
        let a = terms("How do I install ROS 2 on Windows?");
        let b = terms("What is a URDF file?");
        assert!(similarity(&a, &b) < ALIKE);
        assert!(similarity(&a, &a) > 0.99);
    }
}
