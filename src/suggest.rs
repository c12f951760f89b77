//! "Did you mean": the catalog IDs closest to a model ID the server did not know, by
//! case-insensitive match, a missing provider prefix, substring, and edit distance.

/// Up to `limit` IDs from `catalog` that `wanted` was probably meant to be, best first.
pub fn closest<'a>(wanted: &str, catalog: impl IntoIterator<Item = &'a str>, limit: usize) -> Vec<String> {
    let want = wanted.trim().to_lowercase();
    let want_name = name_part(&want);
    let mut scored: Vec<(u32, usize, &str)> = catalog
        .into_iter()
        .filter_map(|id| {
            let lower = id.to_lowercase();
            let name = name_part(&lower);
            let score = if lower == want {
                0
            } else if name == want || name == want_name {
                1 // a missing or different provider prefix
            } else if lower.contains(&want) || (want.len() >= 3 && want.contains(name)) {
                2
            } else {
                let distance = strsim::levenshtein(&want, &lower).min(strsim::levenshtein(want_name, name));
                let allowed = (want_name.chars().count() / 3).max(2);
                if distance > allowed {
                    return None;
                }
                3 + distance as u32
            };
            Some((score, lower.len(), id))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(b.2)));
    scored.into_iter().take(limit).map(|(_, _, id)| id.to_string()).collect()
}

/// `omniva/kimi-k2.6` → `kimi-k2.6`.
fn name_part(id: &str) -> &str {
    id.rsplit_once('/').map_or(id, |(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: [&str; 6] = [
        "Omniva/Kimi-K2.6",
        "moonshotai/Kimi-K2.6",
        "Omniva/Kimi-K2.5",
        "meta-llama/Llama-3.3-70B-Instruct",
        "Qwen/Qwen3-235B-A22B",
        "deepseek-ai/DeepSeek-R1",
    ];

    #[test]
    fn wrong_case() {
        assert_eq!(closest("omniva/kimi-k2.6", CATALOG, 1), ["Omniva/Kimi-K2.6"]);
    }

    #[test]
    fn missing_prefix() {
        let found = closest("kimi-k2.6", CATALOG, 3);
        assert_eq!(&found[..2], ["Omniva/Kimi-K2.6", "moonshotai/Kimi-K2.6"]);
    }

    #[test]
    fn version_typo() {
        let mut found = closest("Omniva/Kimi-K2.7", CATALOG, 2);
        found.sort();
        assert_eq!(found, ["Omniva/Kimi-K2.5", "Omniva/Kimi-K2.6"]);
        assert_eq!(closest("Llama-3.3-70b-instruc", CATALOG, 1), ["meta-llama/Llama-3.3-70B-Instruct"]);
    }

    #[test]
    fn substring() {
        assert_eq!(closest("deepseek", CATALOG, 3), ["deepseek-ai/DeepSeek-R1"]);
    }

    #[test]
    fn nothing_close() {
        assert!(closest("gpt-4o", CATALOG, 3).is_empty());
    }
}
