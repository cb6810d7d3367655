//! One doc's cleaned Markdown → its sections. A section starts at each `##` or `###`
//! heading; the text before the first one is the doc's own section under its title. Every
//! heading, whatever its level, takes an anchor from the doc's slugger in document order, as
//! Docusaurus does, so suffixes for repeated headings match the site's.

use super::plain;
use super::slug::{Slugger, explicit_id};

#[derive(Debug, PartialEq)]
pub(crate) struct RawSection {
    /// `None` for the text before the first `##`.
    pub heading: Option<(String, String)>,
    pub text: String,
    pub key_terms: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct Split {
    /// The first `# H1` before any section heading, as plain text.
    pub h1: Option<String>,
    pub sections: Vec<RawSection>,
}

pub(crate) fn split(markdown: &str) -> Split {
    let mut slugger = Slugger::default();
    let mut h1 = None;
    let mut current: (Option<(String, String)>, String) = (None, String::new());
    let mut done = Vec::new();
    let mut fence: Option<&str> = None;
    for line in markdown.lines() {
        if let Some(open) = fence {
            if line.trim_end().starts_with(open)
                && line.trim_end().trim_start_matches(&open[..1]).is_empty()
            {
                fence = None;
            }
        } else if line.starts_with("```") || line.starts_with("~~~") {
            let ch = &line[..1];
            fence = Some(&line[..line.len() - line.trim_start_matches(ch).len()]);
        } else if let Some((level, source)) = atx_heading(line) {
            let (source, id) = explicit_id(source);
            let text = plain::heading(source);
            let anchor = id.map_or_else(|| slugger.slug(&text), str::to_owned);
            if level == 1 && h1.is_none() && done.is_empty() && current.0.is_none() {
                h1 = Some(text);
                continue;
            }
            if matches!(level, 2 | 3) {
                let finished =
                    std::mem::replace(&mut current, (Some((text, anchor)), String::new()));
                done.push(finished);
                continue;
            }
        }
        current.1.push_str(line);
        current.1.push('\n');
    }
    done.push(current);
    let sections = done
        .into_iter()
        .map(|(heading, body)| RawSection {
            heading,
            text: plain::body(&body),
            key_terms: plain::strong(&body),
        })
        .filter(|s| s.heading.is_some() || !s.text.is_empty())
        .collect();
    Split { h1, sections }
}

/// `## Title ##` → `(2, "Title")`; `#hashtag` is not a heading.
pub(crate) fn atx_heading(line: &str) -> Option<(usize, &str)> {
    let level = line.len() - line.trim_start_matches('#').len();
    let rest = &line[level..];
    if !(1..=6).contains(&level) || !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let text = rest.trim();
    let without_closing = text.trim_end_matches('#');
    let text = if without_closing.is_empty() || without_closing.ends_with(' ') {
        without_closing.trim_end()
    } else {
        text
    };
    Some((level, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headings(split: &Split) -> Vec<(String, String)> {
        split.sections.iter().filter_map(|s| s.heading.clone()).collect()
    }

    #[test]
    fn splits_at_h2_and_h3_with_docusaurus_anchors() {
        let md = "# Title\n\nIntro text.\n\n## Setup\n\nA.\n\n### Setup\n\n#### Detail\n\nB.\n\n## Custom name {#custom}\n\n## `ros2` & [links](x)? ##\n";
        let split = split(md);
        assert_eq!(split.h1.as_deref(), Some("Title"));
        let intro = RawSection { heading: None, text: "Intro text.".into(), key_terms: vec![] };
        assert_eq!(split.sections[0], intro);
        let expected = [
            ("Setup", "setup"),
            ("Setup", "setup-1"),
            ("Custom name", "custom"),
            ("ros2 & links?", "ros2--links"),
        ];
        assert_eq!(headings(&split), expected.map(|(h, a)| (h.to_owned(), a.to_owned())));
        assert_eq!(split.sections[2].text, "Detail\n\nB.", "#### stays inside its ### section");
    }

    #[test]
    fn hashes_in_code_blocks_do_not_split() {
        let md = "## Run\n\n```bash\n# comment\n## not a heading\n```\n\n~~~\n### nor this\n~~~\nAfter.\n";
        let split = split(md);
        assert_eq!(split.sections.len(), 1);
        assert!(split.sections[0].text.contains("## not a heading\n```"));
        assert!(split.sections[0].text.ends_with("After."));
    }

    #[test]
    fn empty_preamble_is_dropped_and_a_later_h1_is_text() {
        let split = split("# T\n## A\ntext\n# Again\n");
        assert_eq!(split.sections.len(), 1);
        assert_eq!(split.sections[0].text, "text\n\nAgain");
    }
}
