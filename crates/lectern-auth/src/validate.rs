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
/// Auth uses. Sign-in answers a bad one with 400 `INVALID_EMAIL`, sign-up (where the zod
/// schema checks it) with [`invalid_email_field`].
pub fn email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    (email.len() <= MAX_EMAIL && is_email(&email)).then_some(email)
}

pub fn invalid_email() -> AuthError {
    AuthError::bad_request("INVALID_EMAIL", "Invalid email")
}

pub fn invalid_email_field() -> AuthError {
    AuthError::validation("[body.email] Invalid email address")
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
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_'+-.".contains(c))
        && local
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || "_+-".contains(c));
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

/// 8 to 128 characters, counted as JavaScript counts them (UTF-16 units) after NFKC.
pub fn password(password: &str) -> AuthResult<()> {
    let len: usize = password.nfkc().map(char::len_utf16).sum();
    if len < MIN_PASSWORD {
        Err(AuthError::bad_request(
            "PASSWORD_TOO_SHORT",
            "Password too short",
        ))
    } else if len > MAX_PASSWORD {
        Err(AuthError::bad_request(
            "PASSWORD_TOO_LONG",
            "Password too long",
        ))
    } else {
        Ok(())
    }
}

/// A free-text field of at most `max` characters.
pub fn text<'a>(field: &str, value: &'a str, max: usize) -> AuthResult<&'a str> {
    if value.chars().count() > max {
        Err(AuthError::validation(format!(
            "{field} must be at most {max} characters"
        )))
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_follow_zod() {
        for good in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "o'neil@x-y.io",
            "UPPER@Example.COM",
        ] {
            assert!(email(good).is_some(), "{good}");
        }
        assert_eq!(
            email(" Reader@Example.COM ").ok().as_deref(),
            Some("reader@example.com")
        );
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
    fn password_length_counts_utf16_after_nfkc() {
        assert!(password("1234567").is_err());
        assert!(password("12345678").is_ok());
        assert!(password(&"x".repeat(128)).is_ok());
        assert!(password(&"x".repeat(129)).is_err());
        // Four ligatures "ﬃ" (U+FB03) normalise to twelve characters.
        assert!(password("\u{FB03}\u{FB03}\u{FB03}").is_ok());
        // Emoji count two units each, as in JavaScript.
        assert!(password("😀😀😀😀").is_ok());
    }
}
