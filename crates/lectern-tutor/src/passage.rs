//! What retrieval returns, and the snippet that shows why a section matched.

use std::collections::HashSet;

use serde::Serialize;

use crate::text;

/// Snippets stay short enough for a source card in the widget.
pub(crate) const SNIPPET_MAX: usize = 240;

/// One retrieved section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Passage {
    /// `Doc › Heading`, or the doc title for a doc's opening text.
    pub title: String,
    pub url: String,
    /// At most 240 bytes of plain text: the section's sentences that best match
    /// the query.
    pub snippet: String,
    /// The whole section (see [`crate::Section::text`]), for prompts and quotes.
    pub text: String,
    pub score: f32,
    /// The cosine similarity of the section's meaning to the question's, when the index has
    /// embeddings (see [`crate::Index::embed`]).
    #[serde(skip)]
    pub similarity: Option<f32>,
}

/// The best-matching sentence of `section`, followed by the next one while it fits; the
/// opening sentences when nothing matches. Code blocks are used only when there is no prose.
pub(crate) fn snippet(section: &str, query: &HashSet<String>) -> String {
    let units = text::units(section);
    let prose: Vec<&str> = units.iter().filter(|u| !u.is_code).map(|u| u.text).collect();
    let pool = if prose.is_empty() { units.iter().map(|u| u.text).collect() } else { prose };
    let overlap = |s: &str| text::term_set(s).intersection(query).count();
    let Some((best, _)) =
        pool.iter().enumerate().max_by_key(|&(i, s)| (overlap(s), std::cmp::Reverse(i)))
    else {
        return String::new();
    };
    let mut snippet = text::flatten(pool[best]);
    for next in &pool[best + 1..] {
        let next = text::flatten(next);
        if snippet.len() + 1 + next.len() > SNIPPET_MAX {
            break;
        }
        snippet.push(' ');
        snippet.push_str(&next);
    }
    text::truncate(&snippet, SNIPPET_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_matching_sentence_and_strips_markup() {
        let section = format!(
            "{} Robots need power. Use `colcon build` to build the workspace. {}",
            "Filler words here.".repeat(5),
            "Tail sentence.".repeat(30)
        );
        let snippet = snippet(&section, &text::term_set("how to build a workspace"));
        assert!(snippet.starts_with("Use colcon build to build the workspace."), "{snippet}");
        assert!(snippet.len() <= SNIPPET_MAX && !snippet.contains('`'));
    }

    #[test]
    fn falls_back_to_the_opening_and_to_code() {
        assert_eq!(snippet("First. Second.", &text::term_set("unrelated")), "First. Second.");
        assert_eq!(snippet("```bash\nros2 run x\n```", &text::term_set("run")), "ros2 run x");
        assert_eq!(snippet("", &text::term_set("x")), "");
    }
}
