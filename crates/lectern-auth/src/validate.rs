//! Field rules shared by the flows: Better Auth's, plus length limits it lacks so that no
//! field can grow a row without bound.

use unicode_normalization::UnicodeNormalization;

use crate::error::{AuthError, AuthResult};

pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 128;
pub const MAX_EMAIL: usize = 254;
pub const MAX_NAME: usize = 256;
pub const MAX_IMAGE: usize = 2048;
pub const MAX_BACKGROUND: usize = 2000;

/// Lower-cases and checks an email with the same rule as zod's `z.email()`, which Better
/// Auth uses. Sign-in answers a bad one with 400 `INVALID_EMAIL`; the flows whose zod schema
/// checks it (sign-up, the mail flows) with `routes::email_field`'s `VALIDATION_ERROR`.
pub fn email(raw: &str) -> Option<String> {
    let email = raw.to_lowercase();
    (email.len() <= MAX_EMAIL && is_email(&email)).then_some(email)
}

pub fn invalid_email() -> AuthError {
    AuthError::bad_request("INVALID_EMAIL", "Invalid email")
}

/// zod 4's email pattern:
/// `^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$`
fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "_'+-.".contains(c))
        && local.chars().last().is_some_and(|c| c.is_ascii_alphanumeric() || "_+-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let Some((tld, hosts)) = labels.split_last() else {
        return false;
    };
    let hosts_ok = !hosts.is_empty()
        && hosts.iter().all(|l| {
            l.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    let tld_ok = tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic());
    local_ok && hosts_ok && tld_ok && !email.contains("..")
}

/// A new password: 8 to 128 characters, counted as JavaScript counts them (UTF-16 units),
/// both as typed (Better Auth's rule) and after NFKC (what is hashed), so that four
/// mathematical letters that normalise to "ABCD" do not pass for an 8-character password.
pub fn new_password(password: &str) -> AuthResult<()> {
    let typed = utf16_len(password);
    let hashed: usize = password.nfkc().map(char::len_utf16).sum();
    if typed.min(hashed) < MIN_PASSWORD {
        Err(AuthError::bad_request("PASSWORD_TOO_SHORT", "Password too short"))
    } else {
        password_not_too_long(password)?;
        if hashed > MAX_PASSWORD { Err(too_long()) } else { Ok(()) }
    }
}

/// Every password a request carries, new or not: at most 128 UTF-16 units as typed, so
/// no request can make the server hash an unbounded input.
pub fn password_not_too_long(password: &str) -> AuthResult<()> {
    if utf16_len(password) > MAX_PASSWORD { Err(too_long()) } else { Ok(()) }
}

fn too_long() -> AuthError {
    AuthError::bad_request("PASSWORD_TOO_LONG", "Password too long")
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// A free-text field of at most `max` characters.
pub fn text<'a>(field: &str, value: &'a str, max: usize) -> AuthResult<&'a str> {
    if value.chars().count() > max {
        Err(AuthError::validation(format!("{field} must be at most {max} characters")))
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_follow_zod() {
        for good in
            ["a@b.co", "first.last+tag@sub.example.org", "o'neil@x-y.io", "UPPER@Example.COM"]
        {
            assert!(email(good).is_some(), "{good}");
        }
        assert_eq!(email("Reader@Example.COM").as_deref(), Some("reader@example.com"));
        assert!(email(" reader@example.com").is_none(), "zod does not trim");
        for bad in [
            "",
            "a",
            "a@b",
            "a@b.c",
            ".a@b.co",
            "a.@b.co",
            "a..b@c.co",
            "a@-b.co",
            "a@b..co",
            "a b@c.co",
            "a@b.c0m",
        ] {
            assert!(email(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn password_length_counts_utf16_as_typed_and_after_nfkc() {
        assert!(new_password("1234567").is_err());
        assert!(new_password("12345678").is_ok());
        assert!(new_password(&"x".repeat(128)).is_ok());
        assert!(new_password(&"x".repeat(129)).is_err());
        // Emoji count two units each, as in JavaScript.
        assert!(new_password("😀😀😀😀").is_ok());
        // Four ligatures are four characters as typed: too short, as in Better Auth.
        assert!(new_password("\u{FB00}\u{FB00}\u{FB00}\u{FB00}").is_err());
        // Four mathematical letters are eight units typed but "ABCD" once normalised.
        assert!(new_password("\u{1D400}\u{1D401}\u{1D402}\u{1D403}").is_err());
        // 128 ligatures are 384 characters once normalised.
        assert!(new_password(&"\u{FB03}".repeat(128)).is_err());
        assert!(password_not_too_long(&"x".repeat(128)).is_ok());
        assert!(password_not_too_long(&"x".repeat(129)).is_err());
    }
}
