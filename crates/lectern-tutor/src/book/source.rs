//! Where a book's files come from: a directory on disk or the copy embedded at build time.
//! Both become the same sorted list of `(relative path, contents)`, so ingestion and the
//! content hash cannot tell them apart.

use std::path::Path;

use include_dir::{Dir, DirEntry, include_dir};

use crate::error::{Result, TutorError};

static BUNDLED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../examples/book");

/// Whether Docusaurus would publish this file as a doc: `.md`/`.mdx`, and no segment that is
/// hidden, `_`-prefixed (partials, `_category_.json`) or `node_modules`.
pub(crate) fn is_doc(rel_path: &str) -> bool {
    let lower = rel_path.to_ascii_lowercase();
    (lower.ends_with(".md") || lower.ends_with(".mdx")) && rel_path.split('/').all(keeps_segment)
}

fn keeps_segment(segment: &str) -> bool {
    !(segment.starts_with(['_', '.']) || segment == "node_modules")
}

pub(crate) fn read_dir(root: &Path) -> Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    walk(root, "", &mut files)?;
    Ok(files)
}

fn walk(dir: &Path, prefix: &str, files: &mut Vec<(String, String)>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| TutorError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| TutorError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !keeps_segment(&name) {
            continue;
        }
        let path = entry.path();
        let rel = format!("{prefix}{name}");
        let kind = entry.file_type().map_err(|e| TutorError::io(&path, e))?;
        if kind.is_dir() {
            walk(&path, &format!("{rel}/"), files)?;
        } else if is_doc(&rel) {
            let contents = std::fs::read_to_string(&path).map_err(|e| TutorError::io(&path, e))?;
            files.push((rel, contents));
        }
    }
    Ok(())
}

pub(crate) fn bundled() -> Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    collect(&BUNDLED, &mut files)?;
    Ok(files)
}

fn collect(dir: &Dir<'static>, files: &mut Vec<(String, String)>) -> Result<()> {
    for entry in dir.entries() {
        let rel = entry.path().to_string_lossy().replace('\\', "/");
        match entry {
            DirEntry::Dir(sub) if keeps_segment(rel.rsplit('/').next().unwrap_or_default()) => {
                collect(sub, files)?;
            }
            DirEntry::File(file) if is_doc(&rel) => {
                let contents = file
                    .contents_utf8()
                    .ok_or_else(|| TutorError::Book(format!("bundled {rel} is not UTF-8")))?;
                files.push((rel, contents.to_owned()));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_doc;

    #[test]
    fn only_published_docs() {
        assert!(is_doc("intro.md") && is_doc("01-a/b.MDX"));
        for skipped in [
            "_category_.json",
            "a/_partial.md",
            "_drafts/x.md",
            ".git/x.md",
            "node_modules/p/readme.md",
            "img.png",
            "notes.txt",
        ] {
            assert!(!is_doc(skipped), "{skipped}");
        }
    }
}
