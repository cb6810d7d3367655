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
}
