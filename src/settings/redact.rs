//! Redaction of the secrets we hold (the API key, proxy passwords) from text that came from
//! elsewhere: a server or proxy that echoes the key must not make us print it. `output` applies it
//! at the one place where server text becomes output.

use std::borrow::Cow;

/// Runs of a long secret this long or longer are redacted wherever they occur, so a server that
/// echoes a truncated or prefixed key is caught too.
const RUN: usize = 8;

/// The secrets to remove from shown text, each with what replaces it.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<Hidden>,
}

#[derive(Debug, Clone)]
struct Hidden {
    chars: Vec<char>,
    /// How many leading characters are the issuer's public prefix (`sk-proj-`): the same in every
    /// key of its kind, so a run that lies wholly inside it gives nothing away (and our own hints
    /// may name it).
    public: usize,
    replacement: String,
}

impl Redactor {
    /// Redacts nothing.
    pub fn none() -> Redactor {
        Redactor::default()
    }

    /// Adds a secret and its replacement. Empty secrets are ignored.
    pub fn with(mut self, secret: &str, replacement: String) -> Redactor {
        if !secret.is_empty() && !self.secrets.iter().any(|h| h.chars.iter().copied().eq(secret.chars())) {
            self.secrets.push(Hidden { chars: secret.chars().collect(), public: public_prefix(secret), replacement });
        }
        self
    }

    /// `text` with every secret replaced: for secrets of 8 characters or more, any run of 8 or more
    /// consecutive characters of it; for shorter ones, the whole secret where it stands as a word
    /// of its own (so a key `EMPTY` does not eat `EMPTYING`).
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for hidden in &self.secrets {
            if let Some(redacted) = redact_one(&text, hidden) {
                text = Cow::Owned(redacted);
            }
        }
        text
    }
}

/// The length of a key's issuer prefix: lowercase segments ending in `-` or `_` (`sk-`,
/// `sk-proj-`, `github_pat_`), each of at most 10 characters.
fn public_prefix(secret: &str) -> usize {
    let mut end = 0;
    let mut segment = 0;
    for (i, c) in secret.char_indices() {
        match c {
            'a'..='z' | '0'..='9' if segment < 10 => segment += 1,
            '-' | '_' if segment > 0 => {
                end = secret[..=i].chars().count();
                segment = 0;
            }
            _ => break,
        }
    }
    end
}

/// `Some(new text)` when the secret occurs in `text`.
fn redact_one(text: &str, hidden: &Hidden) -> Option<String> {
    let secret = &hidden.chars[..];
    // Cheap exit for the common case: no character of the text starts a match.
    let first = secret.first()?;
    if secret.len() < RUN && !text.contains(*first) {
        return None;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut found = false;
    let mut i = 0;
    while i < chars.len() {
        let matched = if secret.len() >= RUN {
            longest_run(&chars[i..], secret, hidden.public)
        } else {
            whole_word(&chars, i, secret)
        };
        if matched >= RUN.min(secret.len()) {
            out.push_str(&hidden.replacement);
            i += matched;
            found = true;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    found.then_some(out)
}

/// The length of the longest prefix of `text` that occurs somewhere in `secret` and reaches past
/// its first `public` characters.
fn longest_run(text: &[char], secret: &[char], public: usize) -> usize {
    (0..secret.len())
        .filter(|&j| secret[j] == text[0])
        .map(|j| (j, text.iter().zip(&secret[j..]).take_while(|(a, b)| a == b).count()))
        .filter(|&(j, len)| j + len > public)
        .map(|(_, len)| len)
        .max()
        .unwrap_or(0)
}

/// `secret.len()` when the whole secret starts at `at` and is not part of a longer token.
fn whole_word(text: &[char], at: usize, secret: &[char]) -> usize {
    let token = |c: &char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=');
    let end = at + secret.len();
    let fits = text.get(at..end) == Some(secret);
    let alone = (at == 0 || !token(&text[at - 1])) && !text.get(end).is_some_and(token);
    if fits && alone { secret.len() } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: &str = "sk-oaTESTKEY0123456789abcdef25xx";

    fn redactor() -> Redactor {
        Redactor::none().with(KEY, "sk-o…25xx".into())
    }

    #[test]
    fn the_whole_key_is_replaced_by_its_masked_form() {
        assert_eq!(
            redactor().redact(&format!("Incorrect API key provided: {KEY}. Try again")),
            "Incorrect API key provided: sk-o…25xx. Try again"
        );
    }

    #[test]
    fn truncated_and_prefixed_echoes_are_caught() {
        assert_eq!(redactor().redact("key sk-oaTEST… was revoked"), "key sk-o…25xx… was revoked");
        assert_eq!(redactor().redact("Bearer sk-oaTESTKEY0123******"), "Bearer sk-o…25xx******");
        assert_eq!(redactor().redact("ends with 89abcdef25xx!"), "ends with sk-o…25xx!");
        assert_eq!(redactor().redact(&format!("{KEY}{KEY}")), "sk-o…25xxsk-o…25xx");
    }

    #[test]
    fn short_runs_and_other_text_are_kept() {
        let text = "sk-oa is a prefix; 0123456 is seven";
        assert!(matches!(redactor().redact(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn short_secrets_are_redacted_as_whole_words_only() {
        let r = Redactor::none().with("EMPTY", "(5 characters)".into());
        assert_eq!(
            r.redact("key EMPTY rejected; EMPTYING the cache"),
            "key (5 characters) rejected; EMPTYING the cache"
        );
    }

    #[test]
    fn the_issuers_public_prefix_alone_is_not_a_secret() {
        assert_eq!(public_prefix("sk-proj-AbCdEf"), 8);
        assert_eq!(public_prefix("github_pat_11ABC"), 11);
        assert_eq!(public_prefix(KEY), 3);
        assert_eq!(public_prefix("EMPTY"), 0);
        let r = Redactor::none().with("sk-proj-AbCdEfGhIjKlMnOpQrSt", "sk-p…QrSt".into());
        assert_eq!(r.redact("an OpenAI project key (sk-proj-)"), "an OpenAI project key (sk-proj-)");
        assert_eq!(r.redact("got sk-proj-AbCd…"), "got sk-p…QrSt…");
    }

    #[test]
    fn several_secrets() {
        let r = redactor().with("hunter2", "****".into());
        assert_eq!(r.redact(&format!("proxy password hunter2, key {KEY}")), "proxy password ****, key sk-o…25xx");
    }

    proptest! {
        #[test]
        fn no_run_of_eight_survives(prefix in "\\PC{0,20}", start in 0usize..24, len in 8usize..32, suffix in "\\PC{0,20}") {
            let start = start.min(KEY.len() - 8);
            let end = (start + len).min(KEY.len());
            let text = format!("{prefix}{}{suffix}", &KEY[start..end]);
            let shown = redactor().redact(&text);
            for w in 0..=KEY.len() - 8 {
                prop_assert!(!shown.contains(&KEY[w..w + 8]), "{shown}");
            }
        }

        #[test]
        fn any_secret_and_text_never_panic(secret in any::<String>(), text in any::<String>()) {
            let _ = Redactor::none().with(&secret, "x".into()).redact(&text);
        }
    }
}
