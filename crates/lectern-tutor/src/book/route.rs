//! Docusaurus doc URLs, so retrieved passages link to the page the reader is reading: the
//! path under the book directory with `NN-`/`NN_` ordering prefixes and the extension
//! removed, `index` standing for its folder, and the front matter `id` and `slug` applied as
//! the docs plugin applies them.

use super::front_matter::FrontMatter;

/// The URL of the doc at `rel_path` (relative to the book, `/`-separated) under `base`
/// (`/docs`, or a full `https://book.example.com/docs`).
pub(crate) fn doc_url(base: &str, rel_path: &str, fm: &FrontMatter) -> String {
    let base = base.trim_end_matches('/');
    let mut segments: Vec<&str> = rel_path.split('/').filter(|s| !s.is_empty()).collect();
    let file = segments.pop().unwrap_or_default();
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let mut dirs: Vec<String> =
        segments.into_iter().map(strip_number_prefix).map(str::to_owned).collect();

    let path = match fm.slug.as_deref().map(str::trim) {
        Some(slug) if slug.starts_with('/') => slug.trim_end_matches('/').to_owned(),
        // A relative slug is resolved against the doc's folder, which for a plain file is
        // "replace the last segment" and for an `index` doc keeps the folder it stands for.
        Some(slug) => {
            dirs.push(slug.trim_end_matches('/').to_owned());
            join(&dirs)
        }
        None => {
            match fm.id.as_deref() {
                Some(id) => dirs.push(id.to_owned()),
                None if stem.eq_ignore_ascii_case("index") => {}
                None => dirs.push(strip_number_prefix(stem).to_owned()),
            }
            join(&dirs)
        }
    };
    format!("{base}{path}")
}

fn join(segments: &[String]) -> String {
    segments.iter().map(|s| format!("/{s}")).collect()
}

/// `01-intro` → `intro`, `2_setup` → `setup`; a segment that is only a number stays.
pub(crate) fn strip_number_prefix(segment: &str) -> &str {
    let digits = segment.len() - segment.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    match segment[digits..].strip_prefix(['-', '_']) {
        Some(rest) if digits > 0 && !rest.is_empty() => rest,
        _ => segment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(path: &str, id: Option<&str>, slug: Option<&str>) -> String {
        let fm = FrontMatter {
            id: id.map(Into::into),
            slug: slug.map(Into::into),
            ..Default::default()
        };
        doc_url("/docs", path, &fm)
    }

    #[test]
    fn prefixes_extensions_and_index() {
        assert_eq!(url("intro.md", None, None), "/docs/intro");
        assert_eq!(url("01-basics/02_sensors.mdx", None, None), "/docs/basics/sensors");
        assert_eq!(url("01-basics/index.md", None, None), "/docs/basics");
        assert_eq!(url("index.mdx", None, None), "/docs");
        assert_eq!(url("2024/notes.md", None, None), "/docs/2024/notes");
    }

    #[test]
    fn id_and_slug() {
        assert_eq!(
            url("01-basics/03-motors.md", Some("actuators"), None),
            "/docs/basics/actuators"
        );
        assert_eq!(url("01-basics/x.md", None, Some("/custom/path")), "/docs/custom/path");
        assert_eq!(url("01-basics/x.md", None, Some("renamed")), "/docs/basics/renamed");
        assert_eq!(url("01-basics/index.md", None, Some("overview")), "/docs/basics/overview");
        assert_eq!(url("x.md", None, Some("/")), "/docs");
    }

    #[test]
    fn a_full_base_url_works() {
        let fm = FrontMatter::default();
        assert_eq!(
            doc_url("https://book.example.com/docs/", "01-a/b.md", &fm),
            "https://book.example.com/docs/a/b"
        );
    }
}
