//! Turns Docusaurus MDX into plain CommonMark before sectioning: top-level `import`/`export`
//! statements go, JSX and HTML tags go but their children stay (a `<TabItem>`'s text is book
//! content), admonition fences (`:::tip Title`) become their title, and fenced code is kept
//! verbatim. Lines outside code are dedented because MDX has no indented code blocks: text
//! nested in `<TabItem>` is often indented four spaces and must not become code.

enum Chunk {
    Text(String),
    Code(String),
}

/// A fence opener: its character, length and indentation.
struct Fence {
    ch: char,
    len: usize,
    indent: usize,
}

pub(crate) fn clean(markdown: &str) -> String {
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut fence: Option<Fence> = None;
    let mut statement_depth: Option<i32> = None;
    let mut block_start = true;
    for line in markdown.lines() {
        let at_block_start = std::mem::replace(&mut block_start, line.trim().is_empty());
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(open) = &fence {
            let closes = trimmed.trim_end().len() >= open.len
                && trimmed.trim_end().chars().all(|c| c == open.ch);
            let kept = if closes { trimmed } else { strip_indent(line, open.indent) };
            push(&mut chunks, kept, true);
            if closes {
                fence = None;
            }
            continue;
        }
        if let Some(depth) = statement_depth {
            statement_depth = statement_continues(depth, line);
            block_start = statement_depth.is_none();
            continue;
        }
        if let Some(open) = fence_opener(trimmed, indent) {
            fence = Some(open);
            push(&mut chunks, trimmed, true);
        } else if indent == 0 && at_block_start && is_statement(line) {
            statement_depth = statement_continues(0, line);
            block_start = statement_depth.is_none();
        } else if let Some(rest) = trimmed.strip_prefix(":::") {
            push(&mut chunks, "", false);
            push(&mut chunks, &admonition_title(rest), false);
            push(&mut chunks, "", false);
        } else {
            push(&mut chunks, trimmed, false);
        }
    }
    chunks
        .into_iter()
        .map(|chunk| match chunk {
            Chunk::Text(text) => strip_tags(&text),
            Chunk::Code(code) => code,
        })
        .collect()
}

fn push(chunks: &mut Vec<Chunk>, line: &str, code: bool) {
    match (chunks.last_mut(), code) {
        (Some(Chunk::Code(s)), true) | (Some(Chunk::Text(s)), false) => s.push_str(line),
        (_, true) => chunks.push(Chunk::Code(line.to_owned())),
        (_, false) => chunks.push(Chunk::Text(line.to_owned())),
    }
    if let Some(Chunk::Code(s) | Chunk::Text(s)) = chunks.last_mut() {
        s.push('\n');
    }
}

fn strip_indent(line: &str, indent: usize) -> &str {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    &line[spaces.min(indent)..]
}

fn fence_opener(trimmed: &str, indent: usize) -> Option<Fence> {
    let ch = trimmed.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = trimmed.len() - trimmed.trim_start_matches(ch).len();
    (len >= 3).then_some(Fence { ch, len, indent })
}

/// MDX's ESM: `import`/`export` opening a block, in a form prose does not take, so a
/// paragraph line "import the package first" stays text.
fn is_statement(line: &str) -> bool {
    if let Some(rest) = line.strip_prefix("import") {
        return rest.starts_with(['{', '\'', '"'])
            || rest.starts_with(" {")
            || rest.contains(" from ");
    }
    line.strip_prefix("export").is_some_and(|rest| {
        ["{", " {", " const ", " let ", " var ", " function ", " default ", " class ", " async "]
            .iter()
            .any(|form| rest.starts_with(form))
    })
}

/// The bracket depth after `line`, or `None` once the statement is complete.
fn statement_continues(depth: i32, line: &str) -> Option<i32> {
    let depth = depth
        + line
            .chars()
            .map(|c| match c {
                '{' | '(' | '[' => 1,
                '}' | ')' | ']' => -1,
                _ => 0,
            })
            .sum::<i32>();
    let open_ended = line.trim_end().ends_with([',', '=', '{', '(']);
    (depth > 0 || open_ended).then_some(depth.max(0))
}

/// `tip Title`, `tip[Title]`, `note` → `Title`, `Title`, ``; a bare `:::` closes.
fn admonition_title(rest: &str) -> String {
    let rest = rest.trim_start_matches(':');
    let after_kind = rest.trim_start_matches(|c: char| c.is_alphanumeric() || c == '-').trim();
    if let Some(bracketed) = after_kind.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or_default().trim().to_owned();
    }
    if after_kind.starts_with('{') {
        return String::new();
    }
    after_kind.to_owned()
}

/// Removes JSX/HTML tags, `<!-- -->` and `{/* */}` comments, keeping text between tags and
/// inline code untouched. A `<` that does not open a well-formed tag (`a < b`, an autolink
/// `<https://…>`) is text.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(['<', '`', '{']) {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let skip = if rest.starts_with('`') {
            let ticks = rest.len() - rest.trim_start_matches('`').len();
            let close = rest[ticks..].find(&rest[..ticks]).map_or(ticks, |i| 2 * ticks + i);
            out.push_str(&rest[..close]);
            close
        } else if let Some(after) = rest.strip_prefix("<!--") {
            after.find("-->").map_or(rest.len(), |i| 4 + i + 3)
        } else if let Some(after) = rest.strip_prefix("{/*") {
            after.find("*/}").map_or(rest.len(), |i| 3 + i + 3)
        } else if let Some(len) = tag_len(rest) {
            out.push_str(&visible_attributes(&rest[..len]));
            len
        } else {
            out.push_str(&rest[..1]);
            1
        };
        rest = &rest[skip..];
    }
    out.push_str(rest);
    out
}

/// What a component shows as text through its attributes, such as a `<TabItem label>` or a
/// `<Figure caption>`, as a sentence of its own; nothing for HTML tags and closing tags.
fn visible_attributes(tag: &str) -> String {
    if !tag[1..].starts_with(|c: char| c.is_ascii_uppercase()) {
        return String::new();
    }
    let mut out = String::new();
    for name in ["label", "title", "caption"] {
        let Some(start) =
            tag.find(&format!(" {name}=")).or_else(|| tag.find(&format!("\n{name}=")))
        else {
            continue;
        };
        let value = &tag[start + name.len() + 2..];
        let Some(quote) = value.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
            continue;
        };
        let Some(text) = value[1..].split(quote).next().map(str::trim).filter(|t| !t.is_empty())
        else {
            continue;
        };
        let stop = if text.ends_with(['.', '?', '!', ':']) { "" } else { "." };
        out.push_str(&format!(" {text}{stop} "));
    }
    out
}

/// The byte length of the tag at the start of `s`, if `s` starts with one.
fn tag_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix('<')?;
    let body = body.strip_prefix('/').unwrap_or(body);
    let name_start = s.len() - body.len();
    if !body.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let name_len =
        body.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))?;
    let after_name = &body[name_len..];
    if !after_name.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/') {
        return None;
    }
    let mut quote: Option<char> = None;
    let mut braces = 0usize;
    for (i, c) in after_name.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '{') => braces += 1,
            (None, '}') => braces = braces.saturating_sub(1),
            (None, '>') if braces == 0 => return Some(name_start + name_len + i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_exports_and_tags_go_text_stays() {
        let src = "import Tabs from '@theme/Tabs';\nimport {\n  A,\n  B,\n} from 'x';\nexport const meta = {\n  a: 1,\n};\n\n<Tabs>\n  <TabItem value=\"jetson\" label=\"Jetson\" default>\n    Flash the **Jetson** first.\n  </TabItem>\n</Tabs>\n\n<Figure\n  src={require('./a.png').default}\n  caption=\"A > B\"\n/>\nPress <kbd>Ctrl</kbd>+<kbd>C</kbd>; a < b; see <https://ros.org>.\n{/* hidden */}<!-- gone -->\n";
        let out = clean(src);
        assert!(!out.contains("import") && !out.contains("export"), "{out}");
        for tag in ["Tabs", "TabItem", "Figure", "kbd", "src"] {
            assert!(!out.contains(tag), "{tag} in {out}");
        }
        assert!(
            out.contains(" Jetson. \n") && out.contains(" A > B. \n"),
            "labels and captions stay: {out}"
        );
        assert!(out.contains("\nFlash the **Jetson** first.\n"), "dedented: {out}");
        assert!(out.contains("Press Ctrl+C; a < b; see <https://ros.org>."), "{out}");
        assert!(
            !out.contains("caption") && !out.contains("hidden") && !out.contains("gone"),
            "{out}"
        );
    }

    #[test]
    fn prose_that_starts_with_import_is_text() {
        let out = clean("You will need to\nimport the package first.\n\nimport the rest later.\n");
        assert!(
            out.contains("import the package first.") && out.contains("import the rest later."),
            "{out}"
        );
    }

    #[test]
    fn admonitions_keep_title_and_content() {
        let out = clean(
            ":::tip Power first\nUse a 5 A supply.\n:::\n\n:::warning[Heat]\nHot.\n:::\n:::note\nPlain.\n:::",
        );
        let lines: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(lines, ["Power first", "Use a 5 A supply.", "Heat", "Hot.", "Plain."]);
    }

    #[test]
    fn code_is_verbatim_even_with_tags_imports_and_indentation() {
        let src = "  ```python\n  import rclpy\n  # <Node> comment\n      indented\n  ```\n`<Inline/>` text";
        let out = clean(src);
        assert_eq!(
            out,
            "```python\nimport rclpy\n# <Node> comment\n    indented\n```\n`<Inline/>` text\n"
        );
    }
}
