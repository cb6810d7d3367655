//! Answer Markdown → HTML that is safe to insert into the book's pages. The Markdown comes
//! from a model that reads reader-controlled text, so it is treated as hostile: pulldown-cmark
//! renders it (raw HTML included, so the sanitiser sees everything), then ammonia keeps only
//! formatting tags, drops scripts, styles, frames and event handlers, allows only http(s) and
//! mailto links, and marks every link `noopener noreferrer nofollow`. Images are dropped too:
//! a model steered by injected text could otherwise leak the conversation in an image URL
//! that the browser fetches unasked.

use std::collections::HashSet;

use pulldown_cmark::{Options, Parser, html};

pub fn markdown_to_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut rendered = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut rendered, Parser::new_ext(markdown, options));
    sanitizer().clean(&rendered).to_string()
}

/// A book page, which is the author's text rather than a model's, but goes through the same
/// sanitiser; headings keep their ids, which citations link to.
pub(crate) fn sanitize_page(html: &str) -> String {
    let mut builder = sanitizer();
    builder.add_tag_attributes("h1", ["id"]).add_tag_attributes("h2", ["id"]);
    builder.add_tag_attributes("h3", ["id"]).add_tag_attributes("h4", ["id"]);
    builder.add_tag_attributes("h5", ["id"]).add_tag_attributes("h6", ["id"]);
    builder.clean(html).to_string()
}

/// Text as HTML element content or a quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .rm_tags(["img"])
        // Task-list checkboxes, which can only ever be read-only ticks.
        .add_tags(["input"])
        .add_tag_attributes("input", ["checked"])
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "")
        .add_tag_attributes("code", ["class"])
        .attribute_filter(|element, attribute, value| {
            // Only pulldown-cmark's `language-x` class on code, for the widget's highlighter.
            let language = element == "code" && attribute == "class";
            if !language || is_language_class(value) { Some(value.into()) } else { None }
        });
    builder
}

fn is_language_class(value: &str) -> bool {
    value.strip_prefix("language-").is_some_and(|lang| {
        !lang.is_empty()
            && lang.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
    })
}
