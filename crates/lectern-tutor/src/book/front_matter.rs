//! Docusaurus front matter: the `---` YAML block at the top of a doc. Only four scalar keys
//! matter here, so a line parser suffices; a YAML crate would be the biggest dependency in the
//! crate for `key: value`. Lists, maps and unknown keys are skipped, never an error, as
//! Docusaurus itself accepts many keys we do not use.

#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct FrontMatter {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub id: Option<String>,
    pub sidebar_position: Option<f64>,
}

/// Splits `source` into its front matter and the Markdown after it. Without a closed front
/// matter block the whole source is Markdown.
pub(crate) fn split(source: &str) -> (FrontMatter, &str) {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let Some(rest) = source.strip_prefix("---").and_then(after_line_break) else {
        return (FrontMatter::default(), source);
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let block = &rest[..offset];
            return (parse(block), &rest[offset + line.len()..]);
        }
        offset += line.len();
    }
    (FrontMatter::default(), source)
}

fn after_line_break(s: &str) -> Option<&str> {
    let s = s.trim_start_matches([' ', '\t']);
    s.strip_prefix("\r\n").or_else(|| s.strip_prefix('\n'))
}

fn parse(block: &str) -> FrontMatter {
    let mut fm = FrontMatter::default();
    // Indented lines belong to a nested value of the previous key.
    for line in block.lines().filter(|l| !l.starts_with([' ', '\t'])) {
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = scalar(value);
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "title" => fm.title = Some(value),
            "slug" => fm.slug = Some(value),
            "id" => fm.id = Some(value),
            "sidebar_position" => fm.sidebar_position = value.parse().ok(),
            _ => {}
        }
    }
    fm
}

/// A plain or quoted YAML scalar, with a trailing ` # comment` removed from plain ones.
fn scalar(raw: &str) -> String {
    let raw = raw.trim();
    for quote in ['"', '\''] {
        if let Some(inner) =
            raw.strip_prefix(quote).and_then(|r| r.rfind(quote).map(|end| &r[..end]))
        {
            return if quote == '\'' {
                inner.replace("''", "'")
            } else {
                inner.replace("\\\"", "\"")
            };
        }
    }
    raw.split(" #").next().unwrap_or(raw).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_four_keys_and_returns_the_body() {
        let src = "---\ntitle: \"ROS 2: Basics\"\nslug: /ros\nid: basics\nsidebar_position: 2\ntags:\n  - a\n---\n# Body\n";
        let (fm, body) = split(src);
        assert_eq!(fm.title.as_deref(), Some("ROS 2: Basics"));
        assert_eq!(fm.slug.as_deref(), Some("/ros"));
        assert_eq!(fm.id.as_deref(), Some("basics"));
        assert_eq!(fm.sidebar_position, Some(2.0));
        assert_eq!(body, "# Body\n");
    }

    #[test]
    fn single_quotes_and_comments() {
        let (fm, _) = split("---\r\ntitle: 'It''s here'\r\nid: plain # note\r\n---\r\ntext");
        assert_eq!(fm.title.as_deref(), Some("It's here"));
        assert_eq!(fm.id.as_deref(), Some("plain"));
    }

    #[test]
    fn without_a_closing_fence_everything_is_markdown() {
        let src = "---\ntitle: x\nno end";
        assert_eq!(split(src), (FrontMatter::default(), src));
        assert_eq!(split("# Title\n").1, "# Title\n");
    }
}
