//! Heading anchors exactly as Docusaurus makes them, so a cited `#anchor` lands on the
//! heading: an explicit `{#custom-id}` wins, otherwise github-slugger over the heading's
//! plain text, with `-1`, `-2` … for repeats within one doc.

use std::collections::HashMap;

/// Splits a trailing `{#custom-id}` off a heading's source text.
pub(crate) fn explicit_id(heading: &str) -> (&str, Option<&str>) {
    let trimmed = heading.trim_end();
    if let Some(open) = trimmed.rfind("{#")
        && trimmed.ends_with('}')
    {
        let id = &trimmed[open + 2..trimmed.len() - 1];
        if !id.is_empty() && !id.contains(char::is_whitespace) {
            return (trimmed[..open].trim_end(), Some(id));
        }
    }
    (trimmed, None)
}

/// github-slugger's `slug()`: lowercase, drop everything but letters, digits, spaces, `-`
/// and `_`, then turn each space into `-` (runs are not collapsed, as upstream).
pub(crate) fn slugify(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// One doc's slugger: remembers the anchors handed out so repeats get suffixes.
#[derive(Debug, Default)]
pub(crate) struct Slugger {
    occurrences: HashMap<String, usize>,
}

impl Slugger {
    /// Mirrors github-slugger's `BananaSlug.slug`, including its loop for a suffixed slug
    /// that collides with a heading literally named like it (`a`, `a`, `a-1` → `a-1-1`).
    pub fn slug(&mut self, text: &str) -> String {
        let original = slugify(text);
        let mut result = original.clone();
        while self.occurrences.contains_key(&result) {
            let count = self.occurrences.entry(original.clone()).or_default();
            *count += 1;
            result = format!("{original}-{count}");
        }
        self.occurrences.insert(result.clone(), 0);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_slugger_cases() {
        assert_eq!(slugify("Getting Started"), "getting-started");
        assert_eq!(slugify("What's new? (v2.0)"), "whats-new-v20");
        assert_eq!(slugify("ROS 2 & Jetson: a  guide"), "ros-2--jetson-a--guide");
        assert_eq!(slugify("snake_case-and-kebab"), "snake_case-and-kebab");
        assert_eq!(slugify("Überblick über Sensoren"), "überblick-über-sensoren");
        assert_eq!(slugify("Emoji 🚀 rocket"), "emoji--rocket");
    }

    #[test]
    fn repeats_get_suffixes_like_upstream() {
        let mut s = Slugger::default();
        let got: Vec<_> = ["Setup", "Setup", "Setup-1", "Setup"].map(|h| s.slug(h)).into();
        assert_eq!(got, ["setup", "setup-1", "setup-1-1", "setup-2"]);
    }

    #[test]
    fn explicit_ids_are_split_off() {
        assert_eq!(explicit_id("Install ROS {#install}"), ("Install ROS", Some("install")));
        assert_eq!(explicit_id("Sets {a, b}"), ("Sets {a, b}", None));
        assert_eq!(explicit_id("Plain  "), ("Plain", None));
    }
}
