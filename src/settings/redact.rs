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
    bytes: Vec<u8>,
    /// At least `RUN` characters: runs are redacted; shorter: the whole word.
    long: bool,
    /// How many leading bytes are the issuer's public prefix (`sk-proj-`): the same in every key of
    /// its kind, so a run that lies wholly inside it gives nothing away (and our own hints may name
    /// it).
    public: usize,
    /// Every 8-byte window of the secret, sorted, and a bitmap of their first two bytes: a text
    /// position is checked only when both say it may start a run (long texts, e.g. a history
    /// prompt of megabytes, are scanned at memory speed).
    windows: Vec<u64>,
    pairs: Vec<u64>,
    replacement: String,
}

impl Hidden {
    fn new(secret: &str, replacement: String) -> Hidden {
        let bytes = secret.as_bytes().to_vec();
        let long = secret.chars().count() >= RUN;
        let mut windows: Vec<u64> = if long { bytes.windows(8).map(word).collect() } else { Vec::new() };
        windows.sort_unstable();
        windows.dedup();
        let mut pairs = vec![0u64; 1024];
        for w in bytes.windows(2) {
            let pair = usize::from(w[0]) << 8 | usize::from(w[1]);
            pairs[pair / 64] |= 1 << (pair % 64);
        }
        Hidden { public: public_prefix(secret), bytes, long, windows, pairs, replacement }
    }

    /// The length in bytes of the secret's run that starts at `at` in `text`, or 0.
    fn run_at(&self, text: &str, at: usize) -> usize {
        let t = text.as_bytes();
        let Some(window) = t.get(at..at + 8) else { return 0 };
        let pair = usize::from(window[0]) << 8 | usize::from(window[1]);
        if self.pairs[pair / 64] & (1 << (pair % 64)) == 0
            || self.windows.binary_search(&word(window)).is_err()
            || !text.is_char_boundary(at)
        {
            return 0;
        }
        let mut len = longest_run(&t[at..], &self.bytes, self.public);
        while !text.is_char_boundary(at + len) {
            len -= 1; // the texts parted inside a character
        }
        if text[at..at + len].chars().count() >= RUN { len } else { 0 }
    }

    /// The secret's length when the whole of it stands at `at` as a word of its own, or 0.
    fn word_at(&self, text: &str, at: usize) -> usize {
        let token = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=');
        let end = at + self.bytes.len();
        let fits = text.as_bytes().get(at..end) == Some(&self.bytes[..]) && text.is_char_boundary(at);
        let alone = !text[..at].chars().next_back().is_some_and(token)
            && !text.get(end..).and_then(|rest| rest.chars().next()).is_some_and(token);
        if fits && alone { self.bytes.len() } else { 0 }
    }
}

fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(w)
}

impl Redactor {
    /// Redacts nothing.
    pub fn none() -> Redactor {
        Redactor::default()
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Adds a secret and its replacement. Empty secrets are ignored.
    pub fn with(mut self, secret: &str, replacement: String) -> Redactor {
        if !secret.is_empty() && !self.secrets.iter().any(|h| h.bytes == secret.as_bytes()) {
            self.secrets.push(Hidden::new(secret, replacement));
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

/// The length of a key's issuer prefix in bytes: lowercase segments ending in `-` or `_` (`sk-`,
/// `sk-proj-`, `github_pat_`), each of at most 10 characters.
fn public_prefix(secret: &str) -> usize {
    let mut end = 0;
    let mut segment = 0;
    for (i, c) in secret.char_indices() {
        match c {
            'a'..='z' | '0'..='9' if segment < 10 => segment += 1,
            '-' | '_' if segment > 0 => {
                end = i + 1;
                segment = 0;
            }
            _ => break,
        }
    }
    end
}

/// `Some(new text)` when the secret occurs in `text`.
fn redact_one(text: &str, hidden: &Hidden) -> Option<String> {
    let (out, replaced, _) = redact_from(text, 0, false, hidden);
    replaced.then_some(out)
}

/// Redacts `text[from..]`, where `text[..from]` was written already: a run that started there is
/// cut off at `from` (its rest replaced, unless `masking` says the earlier piece already ended with
/// the replacement). Returns the text from `from` on, whether anything was replaced, and whether
/// it ends inside a replaced run.
fn redact_from(text: &str, from: usize, masking: bool, hidden: &Hidden) -> (String, bool, bool) {
    let candidates: Box<dyn Iterator<Item = usize>> = if hidden.long {
        Box::new(0..text.len().saturating_sub(7))
    } else {
        Box::new(memchr::memmem::find_iter(text.as_bytes(), &hidden.bytes).filter(move |&at| at >= from))
    };
    let mut out = String::new();
    let mut copied = from;
    let mut replaced = false;
    for at in candidates {
        if at < copied && at >= from {
            continue; // inside a run already replaced
        }
        let len = if hidden.long { hidden.run_at(text, at) } else { hidden.word_at(text, at) };
        if len == 0 || at + len <= copied {
            continue;
        }
        out.push_str(&text[copied..at.max(copied)]);
        if !(at < from && masking) {
            out.push_str(&hidden.replacement);
        }
        copied = at + len;
        replaced = true;
    }
    let ends_masked = replaced && copied == text.len();
    out.push_str(&text[copied..]);
    (out, replaced, ends_masked)
}

/// Where a stream's redaction stands between two pieces: the last characters written (raw) and
/// whether they ended inside a replaced run, for each long secret.
#[derive(Debug, Default)]
pub struct StreamRedaction {
    tails: Vec<(String, bool)>,
}

impl Redactor {
    /// Redacts one piece of a stream (an answer as it arrives). A run split between two pieces is
    /// caught as well: what was written cannot be taken back, so at most 7 characters of a run show
    /// before the rest is replaced, and nothing is held back (no token waits for the next one).
    pub fn redact_piece<'a>(&self, state: &mut StreamRedaction, piece: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(piece);
        state.tails.resize_with(self.secrets.len(), Default::default);
        for (hidden, (tail, masking)) in self.secrets.iter().zip(state.tails.iter_mut()) {
            if !hidden.long {
                if let Some(redacted) = redact_one(&text, hidden) {
                    text = Cow::Owned(redacted);
                }
                continue;
            }
            let from = tail.len();
            let mut combined = std::mem::take(tail);
            combined.push_str(&text);
            let (out, replaced, ends_masked) = redact_from(&combined, from, *masking, hidden);
            *masking = ends_masked || (*masking && !replaced && out.is_empty());
            let keep = combined.char_indices().rev().nth(RUN - 2).map_or(0, |(i, _)| i);
            *tail = combined[keep..].to_string();
            if replaced {
                text = Cow::Owned(out);
            }
        }
        text
    }
}

/// The length of the longest prefix of `text` that occurs somewhere in `secret` and reaches past
/// its first `public` bytes.
fn longest_run(text: &[u8], secret: &[u8], public: usize) -> usize {
    (0..secret.len())
        .filter(|&j| secret[j] == text[0])
        .map(|j| (j, text.iter().zip(&secret[j..]).take_while(|(a, b)| a == b).count()))
        .filter(|&(j, len)| j + len > public)
        .map(|(_, len)| len)
        .max()
        .unwrap_or(0)
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
    fn a_run_split_between_stream_pieces_is_cut_off_where_it_is_seen() {
        let r = redactor();
        let mut state = StreamRedaction::default();
        let pieces = ["Your key is sk-oaTE", "STKEY0123456789ab", "cdef25xx, keep it safe."];
        let shown: String = pieces.iter().map(|p| r.redact_piece(&mut state, p).into_owned()).collect();
        assert_eq!(shown, "Your key is sk-oaTEsk-o…25xx, keep it safe.");
        for w in 0..=KEY.len() - 8 {
            assert!(!shown.contains(&KEY[w..w + 8]), "{shown}");
        }
        let mut state = StreamRedaction::default();
        let plain: String =
            ["Nothing ", "secret ", "here."].iter().map(|p| r.redact_piece(&mut state, p).into_owned()).collect();
        assert_eq!(plain, "Nothing secret here.");
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

        #[test]
        fn no_run_of_eight_survives_any_split_of_a_stream(cuts in proptest::collection::vec(0usize..60, 0..6), prefix in "[a-z ]{0,10}") {
            let text = format!("{prefix}echo {KEY} and again {} end", &KEY[5..20]);
            let mut points: Vec<usize> = cuts.into_iter().map(|c| c.min(text.len())).collect();
            points.sort_unstable();
            let r = redactor();
            let mut state = StreamRedaction::default();
            let mut shown = String::new();
            let mut last = 0;
            for p in points.into_iter().chain([text.len()]) {
                shown.push_str(&r.redact_piece(&mut state, &text[last..p]));
                last = p;
            }
            for w in 0..=KEY.len() - 8 {
                prop_assert!(!shown.contains(&KEY[w..w + 8]), "{}", shown);
            }
            prop_assert!(shown.ends_with(" end"));
        }
    }
}
