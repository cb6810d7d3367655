//! Random identifiers and tokens in Better Auth's format (`generateId`: 32 characters
//! from `[a-zA-Z0-9]`, packages/core/src/utils/id.ts), from the operating system's CSPRNG.

use rand::Rng;
use rand::distributions::Alphanumeric;
use rand::rngs::OsRng;

pub fn generate_id() -> String {
    random_alphanumeric(32)
}

pub fn random_alphanumeric(len: usize) -> String {
    OsRng.sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// `generateRandomString(len, "0-9", "a-z")`: deletion links.
pub fn random_lowercase(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len).map(|_| char::from(ALPHABET[OsRng.gen_range(0..ALPHABET.len())])).collect()
}

/// `generateRandomString(len)`: `[a-zA-Z0-9_-]`, URL-safe (one-time tokens).
pub fn random_url_safe(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    (0..len).map(|_| char::from(ALPHABET[OsRng.gen_range(0..ALPHABET.len())])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_alphanumerics_and_differ() {
        let a = generate_id();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, generate_id());
    }

    #[test]
    fn url_safe_strings_use_all_64_characters_and_nothing_else() {
        let seen: std::collections::HashSet<char> =
            (0..200).flat_map(|_| random_url_safe(32).chars().collect::<Vec<_>>()).collect();
        assert_eq!(seen.len(), 64);
        assert!(seen.iter().all(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_'));
    }
}
