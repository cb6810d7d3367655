//! A doc rendered as its page, with the heading ids Docusaurus gives them, so that a
//! citation's `#anchor` lands on its heading when Lectern serves the book itself.

use pulldown_cmark::{Event, Options, Parser, Tag, html};

use super::plain;
use super::sections::atx_heading;
use super::slug::{Slugger, explicit_id, slugify};

/// A published doc: its route below the docs base (`/ros2/nodes-and-topics`, empty for the
/// book's root index), its title, and its body as sanitised HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub path: String,
    pub title: String,
    pub html: String,
}

pub(crate) fn html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut slugger = Slugger::default();
    let events =
        Parser::new_ext(markdown, options).into_offset_iter().map(|(event, range)| match event {
            Event::Start(Tag::Heading { level, classes, attrs, .. }) => {
                let id = anchor(&markdown[range], &mut slugger);
                Event::Start(Tag::Heading { level, id: Some(id.into()), classes, attrs })
            }
            other => other,
        });
    let mut rendered = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut rendered, events);
    crate::render::sanitize_page(&rendered)
}

/// The anchor of the heading whose source is `source`, computed from the source line as
/// the sections are (so both agree); a heading the sections do not see (setext, or nested
/// in a quote) takes its slug without counting towards repeats.
fn anchor(source: &str, slugger: &mut Slugger) -> String {
    let line = source.lines().next().unwrap_or_default();
    match atx_heading(line) {
        Some((_, text)) => {
            let (text, id) = explicit_id(text);
            id.map_or_else(|| slugger.slug(&plain::heading(text)), str::to_owned)
        }
        None => {
            let (text, id) = explicit_id(line.trim_start_matches(['>', ' ']));
            id.map_or_else(|| slugify(&plain::heading(text)), str::to_owned)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_docusaurus_ids() {
        let html = html("# Title\n\nText.\n\n## Setup\n\n## Setup\n\n### Custom {#mine}\n");
        assert!(html.contains(r#"<h1 id="title">Title</h1>"#), "{html}");
        assert!(html.contains(r#"<h2 id="setup">Setup</h2>"#), "{html}");
        assert!(html.contains(r#"<h2 id="setup-1">Setup</h2>"#), "{html}");
        assert!(html.contains(r#"<h3 id="mine">Custom</h3>"#), "{html}");
    }

    #[test]
    fn the_page_is_sanitised() {
        let html = html("## Hi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n");
        assert!(!html.contains("<script") && !html.contains("javascript:"), "{html}");
    }
}
