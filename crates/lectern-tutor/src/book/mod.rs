//! A book: its Docusaurus docs split into [`Section`]s, each with the URL and anchor the
//! published site gives it, plus a hash of everything the sections were made from.

mod front_matter;
mod mdx;
mod page;
mod plain;
mod route;
mod sections;
mod slug;
mod source;

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Result, TutorError};

pub use page::Page;

/// A searchable unit: the text under one `##`/`###` heading, or a doc's text before its
/// first such heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub doc_title: String,
    /// The heading's plain text; the doc title for the text before the first heading.
    pub heading: String,
    /// The doc URL, with `#anchor` unless this is the text before the first heading.
    pub url: String,
    /// Plain text: no emphasis, link or table markup, but inline code in backticks and code
    /// blocks fenced, so it can go into a prompt or an answer as Markdown.
    pub text: String,
    /// The text of the section's `**strong**` spans, which in a textbook are mostly the terms
    /// it introduces: searched on their own, they tell the section that defines a term from
    /// the many that use it.
    pub key_terms: Vec<String>,
}

impl Section {
    /// `Doc › Heading`, or the doc title alone for the doc's own section.
    pub fn title(&self) -> String {
        if self.heading == self.doc_title {
            self.heading.clone()
        } else {
            format!("{} › {}", self.doc_title, self.heading)
        }
    }
}

#[derive(Debug, Clone)]
pub struct Book {
    sections: Vec<Section>,
    /// Each doc's route below the base, title and cleaned Markdown, in reading order.
    docs: Vec<(String, String, String)>,
    content_hash: String,
}

impl Book {
    /// Where Docusaurus serves docs unless configured otherwise.
    pub const DEFAULT_BASE: &'static str = "/docs";

    /// Reads every doc under `dir`; URLs start with `base` (a path or a full URL).
    pub fn from_dir(dir: impl AsRef<Path>, base: &str) -> Result<Self> {
        Self::from_files(source::read_dir(dir.as_ref())?, base)
    }

    /// The sample book embedded in the binary at build time.
    pub fn bundled(base: &str) -> Result<Self> {
        Self::from_files(source::bundled()?, base)
    }

    /// A book from `(path relative to the book root, contents)` pairs, `/`-separated; files
    /// that are not published docs (see the crate docs) are ignored.
    pub fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
        base: &str,
    ) -> Result<Self> {
        let mut docs: Vec<_> = files
            .into_iter()
            .filter(|(path, _)| source::is_doc(path))
            .map(|(path, contents)| {
                let (fm, body) = front_matter::split(&contents);
                let body = body.to_owned();
                (path, contents, fm, body)
            })
            .collect();
        if docs.is_empty() {
            return Err(TutorError::Book("no .md or .mdx documents found".into()));
        }
        // Reading order: by folder, then by sidebar position, then by path, so ties between
        // equally relevant sections fall to the earlier page in the sidebar.
        docs.sort_by(|a, b| {
            let folder = |p: &str| p.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
            let position = |fm: &front_matter::FrontMatter| fm.sidebar_position.unwrap_or(f64::MAX);
            folder(&a.0)
                .cmp(&folder(&b.0))
                .then(position(&a.2).total_cmp(&position(&b.2)))
                .then(a.0.cmp(&b.0))
        });

        let mut hasher = Sha256::new();
        hash_field(&mut hasher, base);
        let mut sections = Vec::new();
        let mut pages = Vec::new();
        for (path, contents, fm, body) in &docs {
            hash_field(&mut hasher, path);
            hash_field(&mut hasher, contents);
            let markdown = mdx::clean(body);
            let doc = doc_sections(path, fm, &markdown, base);
            let title = doc.first().map_or_else(|| file_stem(path), |s| s.doc_title.clone());
            pages.push((route::doc_url("", path, fm), title, markdown));
            sections.extend(doc);
        }
        Ok(Self { sections, docs: pages, content_hash: hex::encode(hasher.finalize()) })
    }

    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// Every doc as its page, in reading order, for serving the book itself.
    pub fn pages(&self) -> Vec<Page> {
        self.docs
            .iter()
            .map(|(path, title, markdown)| Page {
                path: path.clone(),
                title: title.clone(),
                html: page::html(markdown),
            })
            .collect()
    }

    /// SHA-256 over the base URL and every doc's path and contents: equal hashes mean equal
    /// sections.
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }
}

/// Length-prefixed, so moving text from a file name into its contents changes the hash.
fn hash_field(hasher: &mut Sha256, field: &str) {
    hasher.update((field.len() as u64).to_le_bytes());
    hasher.update(field.as_bytes());
}

/// The sections of one doc, from its MDX-cleaned Markdown.
fn doc_sections(
    path: &str,
    fm: &front_matter::FrontMatter,
    markdown: &str,
    base: &str,
) -> Vec<Section> {
    let url = route::doc_url(base, path, fm);
    let split = sections::split(markdown);
    // Docusaurus's own fallback order: front matter title, the `# H1`, then the doc id.
    let doc_title =
        fm.title.clone().or(split.h1).or_else(|| fm.id.clone()).unwrap_or_else(|| file_stem(path));
    split
        .sections
        .into_iter()
        .map(|raw| match raw.heading {
            Some((heading, anchor)) => Section {
                doc_title: doc_title.clone(),
                heading,
                url: format!("{url}#{anchor}"),
                text: raw.text,
                key_terms: raw.key_terms,
            },
            None => Section {
                doc_title: doc_title.clone(),
                heading: doc_title.clone(),
                url: url.clone(),
                text: raw.text,
                key_terms: raw.key_terms,
            },
        })
        .collect()
}

fn file_stem(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    route::strip_number_prefix(stem).to_owned()
}
