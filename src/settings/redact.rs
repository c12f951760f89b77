//! Redaction of the secrets we hold (the API key, proxy passwords) from text that came from
//! elsewhere: a server or proxy that echoes the key must not make us print it. `output` applies it
//! at the one place where server text becomes output.

use std::borrow::Cow;

/// Runs of a long secret this long or longer are redacted wherever they occur, so a server that
/// echoes a truncated or prefixed key is caught too.
const RUN: usize = 8;

/// Any `RUN` consecutive bytes of a text hold a whole block of this many bytes that starts at a
/// multiple of it (`RUN >= 2 × BLOCK - 1`), so a scan for runs looks up one block in four.
const BLOCK: usize = 4;

/// Bits in the set of a secret's blocks (8 KiB: it stays in the first-level cache).
const BLOCK_BITS: usize = 1 << 16;

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
    /// The secret's 4-byte blocks (at every offset) as a bitset over their hash: a text block not
    /// in it cannot be part of a run, so long texts (a history prompt, a file of vectors) are
    /// scanned at memory speed. Empty for a short secret.
    blocks: Vec<u64>,
    replacement: String,
}

impl Hidden {
    fn new(secret: &str, replacement: String) -> Hidden {
        let bytes = secret.as_bytes().to_vec();
        let long = secret.chars().count() >= RUN;
        let mut blocks = Vec::new();
        if long {
            blocks = vec![0u64; BLOCK_BITS / 64];
            for block in bytes.windows(BLOCK) {
                let bit = block_bit(block);
                blocks[bit / 64] |= 1 << (bit % 64);
            }
        }
        Hidden { public: public_prefix(secret), bytes, long, blocks, replacement }
    }

    /// The length in bytes of the secret's run that starts at `at` in `text`, or 0.
    fn run_at(&self, text: &str, at: usize) -> usize {
        let t = text.as_bytes();
        if at + RUN > t.len() || !text.is_char_boundary(at) {
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
/// the replacement). Returns the redacted text from `from` on (empty when nothing was replaced),
/// whether anything was replaced, and whether it ends inside a replaced run.
fn redact_from(text: &str, from: usize, masking: bool, hidden: &Hidden) -> (String, bool, bool) {
    let mut candidates = if hidden.long {
        Candidates::Runs(Starts { hidden, text, block: 0, pending: Vec::new(), last: None })
    } else {
        Candidates::Words(Box::new(memchr::memmem::find_iter(text.as_bytes(), &hidden.bytes)))
    };
    let mut out = String::new();
    let mut copied = from;
    let mut replaced = false;
    // Where the last replaced run ended: a run may start there that no block scan names.
    let mut ended: Option<usize> = None;
    loop {
        let at = match ended.take() {
            Some(at) => at,
            None => match candidates.next(if replaced { copied } else { 0 }) {
                Some(at) => at,
                None => break,
            },
        };
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
        ended = hidden.long.then_some(copied);
    }
    let ends_masked = replaced && copied == text.len();
    if replaced {
        out.push_str(&text[copied..]);
    }
    (out, replaced, ends_masked)
}

/// Where a secret may stand in a text, in order.
enum Candidates<'a> {
    /// A long secret: where a run of it may start.
    Runs(Starts<'a>),
    /// A short secret: where the whole of it occurs (boxed: the searcher is large).
    Words(Box<memchr::memmem::FindIter<'a, 'a>>),
}

impl Candidates<'_> {
    /// The next candidate at or after `min` (earlier ones may be left out).
    fn next(&mut self, min: usize) -> Option<usize> {
        match self {
            Candidates::Runs(starts) => starts.next(min),
            Candidates::Words(found) => found.find(|&at| at >= min),
        }
    }
}

/// The places where a run of a long secret may start, found as they are needed: for each block of
/// the text at a multiple of `BLOCK` that the secret holds, as far back as the text goes on
/// matching the secret there. Every run of `RUN` bytes contains such a block, so the start of
/// every run is among them, except a run whose match reaches back into one replaced before it:
/// that one starts where the replaced run ended, which `redact_from` tries on its own.
struct Starts<'a> {
    hidden: &'a Hidden,
    text: &'a str,
    /// The next block to look at.
    block: usize,
    /// The current block's places not given yet, last first.
    pending: Vec<usize>,
    last: Option<usize>,
}

impl Starts<'_> {
    fn next(&mut self, min: usize) -> Option<usize> {
        let t = self.text.as_bytes();
        let secret = &self.hidden.bytes;
        loop {
            while let Some(start) = self.pending.pop() {
                if start >= min && self.last.is_none_or(|last| start > last) {
                    self.last = Some(start);
                    return Some(start);
                }
            }
            // A block before `min` only leads back to places before it.
            let n = self.block.max(min / BLOCK);
            let at = n * BLOCK;
            let block = t.get(at..at + BLOCK)?;
            self.block = n + 1;
            let bit = block_bit(block);
            if self.hidden.blocks[bit / 64] & (1 << (bit % 64)) == 0 {
                continue;
            }
            for (j, _) in secret.windows(BLOCK).enumerate().filter(|(_, w)| *w == block) {
                let back = (1..=j.min(at)).take_while(|&k| t[at - k] == secret[j - k]).count();
                let mut start = at - back;
                while !self.text.is_char_boundary(start) {
                    start += 1;
                }
                self.pending.push(start);
            }
            self.pending.sort_unstable_by(|a, b| b.cmp(a));
        }
    }
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
            *masking = ends_masked || (*masking && !replaced && combined.len() == from);
            let keep = combined.char_indices().rev().nth(RUN - 2).map_or(0, |(i, _)| i);
            *tail = combined[keep..].to_string();
            if replaced {
                text = Cow::Owned(out);
            }
        }
        text
    }
}

/// Where a block falls in a secret's bitset.
fn block_bit(block: &[u8]) -> usize {
    let word = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
    (word.wrapping_mul(0x9E37_79B1) >> 16) as usize
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

    /// The redaction of `text` trying every position: what the block scan must match.
    fn every_position(hidden: &Hidden, text: &str) -> String {
        let (mut out, mut copied) = (String::new(), 0);
        for at in 0..text.len() {
            let len = if at < copied { 0 } else { hidden.run_at(text, at) };
            if len > 0 {
                out.push_str(&text[copied..at]);
                out.push_str(&hidden.replacement);
                copied = at + len;
            }
        }
        out + &text[copied..]
    }

    #[test]
    fn a_run_that_starts_where_a_replaced_one_ended_is_caught() {
        // From 0 the longest match is "pqrs1234"; "wxyzuvwx" follows it, and the block scan finds
        // it only from "1234", inside the run already replaced.
        let r = Redactor::none().with("pqrs12341234wxyzuvwx", "#".into());
        assert_eq!(r.redact("pqrs1234wxyzuvwx!"), "##!");
    }

    proptest! {
        #[test]
        fn pieces_of_the_secret_side_by_side_are_redacted_as_trying_every_position_does(
            secret in "[ab1é]{8,20}", cuts in proptest::collection::vec((0usize..20, 0usize..20), 1..4), glue in "[ab1é ]{0,3}",
        ) {
            let hidden = Hidden::new(&secret, "#".into());
            let chars: Vec<char> = secret.chars().collect();
            let text: String = cuts
                .iter()
                .map(|&(a, b)| chars[a.min(b).min(chars.len())..a.max(b).min(chars.len())].iter().collect::<String>())
                .collect::<Vec<_>>()
                .join(&glue);
            let r = Redactor::none().with(&secret, "#".into());
            prop_assert_eq!(r.redact(&text).into_owned(), every_position(&hidden, &text));
        }

        #[test]
        fn the_block_scan_finds_every_run_that_trying_every_position_finds(
            secret in "[ab1é]{8,16}", text in "[ab1é ]{0,40}", start in 0usize..16, len in 0usize..16, at in 0usize..40,
        ) {
            let hidden = Hidden::new(&secret, "#".into());
            let chars: Vec<char> = secret.chars().collect();
            let piece: String = chars[start.min(chars.len())..(start + len).min(chars.len())].iter().collect();
            let mut text = text;
            let at = text.char_indices().map(|(i, _)| i).nth(at).unwrap_or(text.len());
            text.insert_str(at, &piece);
            let r = Redactor::none().with(&secret, "#".into());
            prop_assert_eq!(r.redact(&text).into_owned(), every_position(&hidden, &text));
        }

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
