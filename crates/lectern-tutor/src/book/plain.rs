//! Markdown to the plain text that is indexed, quoted and put in prompts: no emphasis, link
//! or table markup, but inline code keeps its backticks and code blocks their fences, because
//! prompts and extractive answers are Markdown again and code must stay recognisable.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// The plain text of a Markdown body: paragraphs separated by blank lines, list items and
/// table rows on their own lines.
pub(crate) fn body(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                block_break(&mut out);
                out.push_str("```");
                if let CodeBlockKind::Fenced(lang) = kind {
                    out.push_str(lang.split_whitespace().next().unwrap_or_default());
                }
                out.push('\n');
            }
            Event::End(TagEnd::CodeBlock) => {
                if !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str("```\n\n");
            }
            Event::Text(text) => out.push_str(&text),
            Event::Code(code) => {
                out.push('`');
                out.push_str(&code);
                out.push('`');
            }
            Event::SoftBreak => out.push(' '),
            Event::HardBreak | Event::End(TagEnd::Item | TagEnd::TableHead | TagEnd::TableRow) => {
                out.push('\n');
            }
            Event::End(TagEnd::TableCell) => out.push_str(" | "),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::List(_) | TagEnd::Table,
            )
            | Event::Rule => block_break(&mut out),
            _ => {}
        }
    }
    tidy(&out)
}

/// The text of each `**strong**` span, in order: where a textbook marks the terms it
/// introduces ("A **topic** is a named channel …").
pub(crate) fn strong(markdown: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut open: Option<String> = None;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(Tag::Strong) => open = Some(String::new()),
            Event::End(TagEnd::Strong) => spans.extend(open.take()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(span) = &mut open {
                    span.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(span) = &mut open {
                    span.push(' ');
                }
            }
            _ => {}
        }
    }
    spans.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

/// A heading's text as Docusaurus shows it (and slugs it): inline markup and code
/// backticks removed, link text kept.
pub(crate) fn heading(markdown: &str) -> String {
    let source = format!("# {markdown}");
    let text: String = Parser::new(&source)
        .filter_map(|event| match event {
            Event::Text(t) | Event::Code(t) => Some(t.into_string()),
            _ => None,
        })
        .collect();
    text.trim().to_owned()
}

fn block_break(out: &mut String) {
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
    }
}

/// Trailing spaces and cell separators off each line, at most one blank line in a row.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let line = line.trim_end().trim_end_matches(" |").trim_end();
        if line.is_empty() && blank {
            continue;
        }
        blank = line.is_empty();
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_goes_code_stays() {
        let md = "Use **ROS 2** with [colcon](https://colcon.readthedocs.io) &amp; `ros2 run`.\n\n- one\n- two\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n```bash title=\"x\"\n# not a heading\nros2 run demo talker\n```\n";
        assert_eq!(
            body(md),
            "Use ROS 2 with colcon & `ros2 run`.\n\none\ntwo\n\nA | B\n1 | 2\n\n```bash\n# not a heading\nros2 run demo talker\n```"
        );
    }

    #[test]
    fn strong_spans_are_collected() {
        let md = "A **topic** is a `x`. **Quality of\nservice (`QoS`)**, *not this*, ** **.\n\n```\n**code**\n```";
        assert_eq!(strong(md), ["topic", "Quality of service (QoS)"]);
    }

    #[test]
    fn headings_lose_markup() {
        assert_eq!(
            heading("Install `ros2` with [apt](https://x) **now**"),
            "Install ros2 with apt now"
        );
        assert_eq!(heading("1. Numbered"), "1. Numbered");
    }
}
