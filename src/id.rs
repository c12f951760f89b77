//! Random identifiers: conversation IDs, and the names of temporary files.

use std::time::{SystemTime, UNIX_EPOCH};

/// A new random ID: 16 hex digits. (The standard library's `RandomState` is seeded from the OS;
/// hashing the clock and process ID with it gives independent IDs without a crate.)
pub fn new() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_16_hex_digits_and_differ() {
        let (a, b) = (super::new(), super::new());
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
