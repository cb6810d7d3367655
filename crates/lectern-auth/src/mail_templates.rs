//! The words of every mail Lectern sends, in plain text and HTML, with the book's name. An
//! author overrides any of them from a folder (`LECTERN_MAIL_TEMPLATES`): `<name>.txt` holds
//! `Subject: …`, a blank line and the text; `<name>.html`, if present, the HTML body.
//! Placeholders: `{{book}}`, `{{url}}`, `{{email}}`, `{{new_email}}`. Templates are read and
//! checked at start, so a typo stops the start instead of a mail going out wrong.

use std::collections::HashMap;
use std::path::Path;

use crate::mail::Mail;

/// Which mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Letter {
    ResetPassword,
    VerifyEmail,
    ConfirmEmailChange,
    VerifyNewEmail,
    DeleteAccount,
}

impl Letter {
    const ALL: [Self; 5] = [
        Self::ResetPassword,
        Self::VerifyEmail,
        Self::ConfirmEmailChange,
        Self::VerifyNewEmail,
        Self::DeleteAccount,
    ];

    /// The file name stem of its override.
    pub fn name(self) -> &'static str {
        match self {
            Self::ResetPassword => "reset-password",
            Self::VerifyEmail => "verify-email",
            Self::ConfirmEmailChange => "confirm-email-change",
            Self::VerifyNewEmail => "verify-new-email",
            Self::DeleteAccount => "delete-account",
        }
    }

    fn default_text(self) -> (&'static str, &'static str) {
        match self {
            Self::ResetPassword => (
                "Reset your password",
                "Someone, hopefully you, asked to reset the password of your reader account for {{book}}.\n\nTo choose a new password, open this link within an hour:\n{{url}}\n\nIf it was not you, ignore this mail: your password stays as it is.\n",
            ),
            Self::VerifyEmail => (
                "Confirm your email address",
                "Open this link within an hour to confirm {{email}} as the address of your reader account for {{book}}:\n\n{{url}}\n\nIf you did not create an account, ignore this mail.\n",
            ),
            Self::ConfirmEmailChange => (
                "Confirm the change of your email address",
                "Someone, hopefully you, asked to change the address of your reader account for {{book}} to {{new_email}}.\n\nIf it was you, open this link within an hour; we then send a last confirmation to the new address:\n\n{{url}}\n\nIf it was not you, ignore this mail: your address stays as it is.\n",
            ),
            Self::VerifyNewEmail => (
                "Confirm your new email address",
                "Open this link within an hour to make {{email}} the address of your reader account for {{book}}:\n\n{{url}}\n",
            ),
            Self::DeleteAccount => (
                "Confirm deleting your reader account",
                "Someone, hopefully you, asked to delete your reader account for {{book}} and everything in it: your questionnaire answers and all your conversations.\n\nTo delete it, open this link within a day (you must be signed in):\n\n{{url}}\n\nIf you did not ask for this, ignore this mail: nothing happens without the link.\n",
            ),
        }
    }
}

const PLACEHOLDERS: [&str; 4] = ["book", "url", "email", "new_email"];

#[derive(Debug, Clone)]
struct Template {
    subject: String,
    text: String,
    html: Option<String>,
}

/// Every letter, with the book's name.
#[derive(Debug, Clone)]
pub struct Templates {
    book: String,
    letters: HashMap<Letter, Template>,
}

impl Templates {
    /// The built-in words, for `book` (its title, or the site's address).
    pub fn built_in(book: &str) -> Self {
        let letters = Letter::ALL
            .into_iter()
            .map(|letter| {
                let (subject, text) = letter.default_text();
                let html = default_html(text);
                (letter, Template { subject: subject.into(), text: text.into(), html: Some(html) })
            })
            .collect();
        Self { book: book.to_owned(), letters }
    }

    /// The built-in words, with whatever `dir` overrides.
    pub fn from_dir(book: &str, dir: &Path) -> Result<Self, String> {
        if !dir.is_dir() {
            return Err(format!("{} is not a directory", dir.display()));
        }
        let mut templates = Self::built_in(book);
        for letter in Letter::ALL {
            let path = dir.join(format!("{}.txt", letter.name()));
            let Ok(file) = std::fs::read_to_string(&path) else { continue };
            let (first, text) = file.split_once('\n').unwrap_or((&file, ""));
            let subject = first
                .strip_prefix("Subject:")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                format!("{}: the first line must be `Subject: …`", path.display())
            })?;
            let text = text.trim_start_matches(['\r', '\n']).to_owned();
            if !text.contains("{{url}}") {
                return Err(format!(
                    "{}: the text must hold the link, {{{{url}}}}",
                    path.display()
                ));
            }
            let html_path = dir.join(format!("{}.html", letter.name()));
            let html = std::fs::read_to_string(&html_path).ok();
            for (what, body) in [(&path, Some(text.as_str())), (&html_path, html.as_deref())] {
                let Some(body) = body else { continue };
                check(body, &what.display().to_string())?;
            }
            check(subject, &path.display().to_string())?;
            let template = Template { subject: subject.to_owned(), text, html };
            templates.letters.insert(letter, template);
        }
        Ok(templates)
    }

    /// The mail `letter` to `to`, with `url` and, for changes of address, `new_email`.
    pub fn render(&self, letter: Letter, to: &str, url: &str, new_email: Option<&str>) -> Mail {
        let template = &self.letters[&letter];
        let values = [
            ("book", self.book.as_str()),
            ("url", url),
            ("email", to),
            ("new_email", new_email.unwrap_or("")),
        ];
        Mail {
            to: to.to_owned(),
            subject: fill(&template.subject, &values, |v| v.replace(['\r', '\n'], " ")),
            text: fill(&template.text, &values, str::to_owned),
            html: template.html.as_ref().map(|h| fill(h, &values, escape)),
        }
    }
}

/// Every `{{…}}` must be a known placeholder, and the body must hold the link.
fn check(body: &str, source: &str) -> Result<(), String> {
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..].find("}}").ok_or_else(|| format!("{source}: unclosed `{{{{`"))?;
        let name = rest[start + 2..start + end].trim();
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "{source}: unknown placeholder {{{{{name}}}}} (known: {PLACEHOLDERS:?})"
            ));
        }
        rest = &rest[start + end + 2..];
    }
    Ok(())
}

fn fill(template: &str, values: &[(&str, &str)], encode: impl Fn(&str) -> String) -> String {
    values.iter().fold(template.to_owned(), |text, (name, value)| {
        text.replace(&format!("{{{{{name}}}}}"), &encode(value))
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The text as simple HTML: paragraphs, and the link as a button.
fn default_html(text: &str) -> String {
    let paragraphs: String = text
        .split("\n\n")
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| {
            if p.contains("{{url}}") {
                let before = p.replace("{{url}}", "").trim().replace('\n', " ");
                format!(
                    "<p>{before}</p><p><a href=\"{{{{url}}}}\" style=\"display:inline-block;padding:10px 16px;background:#2f5bd3;color:#fff;border-radius:6px;text-decoration:none\">Open the link</a></p><p style=\"font-size:12px;color:#666\">{{{{url}}}}</p>"
                )
            } else {
                format!("<p>{}</p>", p.replace('\n', "<br>"))
            }
        })
        .collect();
    format!(
        "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:auto;padding:1rem;color:#222\">{paragraphs}</body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_letters_name_the_book_and_escape_html() {
        let t = Templates::built_in("Physical AI <& Robotics>");
        let mail =
            t.render(Letter::VerifyEmail, "ada@example.com", "https://x/verify?a=1&b=2", None);
        assert_eq!(mail.subject, "Confirm your email address");
        assert!(mail.text.contains("reader account for Physical AI <& Robotics>"));
        assert!(mail.text.contains("https://x/verify?a=1&b=2"));
        let html = mail.html.expect("html");
        assert!(html.contains("href=\"https://x/verify?a=1&amp;b=2\""), "{html}");
        assert!(html.contains("Physical AI &lt;&amp; Robotics&gt;"));
        assert!(!html.contains("{{"));
    }

    #[test]
    fn an_author_overrides_from_a_folder_and_typos_stop_the_start() {
        let dir = std::env::temp_dir()
            .join(format!("lectern-templates-{}", crate::ids::random_alphanumeric(8)));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(
            dir.join("reset-password.txt"),
            "Subject: {{book}}: new password\n\nHi! {{url}}\n",
        )
        .expect("write");
        let t = Templates::from_dir("Book", &dir).expect("valid");
        let mail = t.render(Letter::ResetPassword, "a@example.com", "https://x/r", None);
        assert_eq!(
            (mail.subject.as_str(), mail.text.as_str(), mail.html),
            ("Book: new password", "Hi! https://x/r\n", None)
        );
        std::fs::write(dir.join("verify-email.txt"), "Subject: Hello\n\n{{url}} {{link}}\n")
            .expect("write");
        assert!(
            Templates::from_dir("Book", &dir)
                .expect_err("typo")
                .contains("unknown placeholder {{link}}")
        );
        std::fs::write(dir.join("verify-email.txt"), "Hello\n\n{{url}}\n").expect("write");
        assert!(Templates::from_dir("Book", &dir).is_err(), "no subject line");
    }
}
