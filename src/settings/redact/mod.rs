//! Redaction of the secrets we hold (the API key, proxy passwords) from text that came from
//! elsewhere: a server or proxy that echoes the key must not make us print it, whether it echoes
//! the key as sent, in another case, or encoded in base64 (a Basic-auth header, standard or
//! URL-safe, at any alignment). `output` applies it at the one place where server text becomes
//! output.

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
    /// The blocks of every long secret, in lower case, as one bitset: a text none of whose aligned
    /// blocks is in it holds no run of any of them, so it is passed by with one scan however many
    /// forms of the key there are.
    any_block: Vec<u64>,
}

#[derive(Debug, Clone)]
struct Hidden {
    bytes: Vec<u8>,
    /// At least `RUN` characters: runs are redacted; shorter: the whole word.
    long: bool,
    /// Runs match whatever the case of their ASCII letters (`bytes` is then lower case).
    fold: bool,
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
    /// `secret`, matched in any case of its letters when `fold` (only a long secret folds: a short
    /// one stands as a word, and `EMPTY` must not hide `empty`).
    fn new(secret: &str, replacement: String, fold: bool) -> Hidden {
        let long = secret.chars().count() >= RUN;
        let fold = fold && long;
        let bytes = if fold { secret.to_ascii_lowercase().into_bytes() } else { secret.as_bytes().to_vec() };
        let mut blocks = Vec::new();
        if long {
            blocks = vec![0u64; BLOCK_BITS / 64];
            for block in bytes.windows(BLOCK) {
                let bit = block_bit(block, false);
                blocks[bit / 64] |= 1 << (bit % 64);
            }
        }
        Hidden { public: public_prefix(secret), bytes, long, fold, blocks, replacement }
    }

    /// A text byte as the secret's bytes are kept.
    fn norm(&self, b: u8) -> u8 {
        if self.fold { b.to_ascii_lowercase() } else { b }
    }

    /// The length in bytes of the secret's run that starts at `at` in `text`, or 0.
    fn run_at(&self, text: &str, at: usize) -> usize {
        let t = text.as_bytes();
        if at + RUN > t.len() || !text.is_char_boundary(at) {
            return 0;
        }
        let mut len = longest_run(&t[at..], self);
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

    /// Adds a secret and its replacement. Empty secrets are ignored. A long secret is also hidden
    /// in any case of its letters, and in base64 (standard and URL-safe, at each of the three
    /// alignments it can take inside an encoded text).
    pub fn with(mut self, secret: &str, replacement: String) -> Redactor {
        if secret.is_empty() || self.secrets.iter().any(|h| h.bytes == secret.as_bytes()) {
            return self;
        }
        let long = secret.chars().count() >= RUN;
        let mut forms = vec![Hidden::new(secret, replacement.clone(), true)];
        if long {
            for encoded in base64_forms(secret.as_bytes()) {
                if encoded.len() >= RUN && !self.secrets.iter().any(|h| h.bytes == encoded.as_bytes()) {
                    forms.push(Hidden::new(&encoded, replacement.clone(), false));
                }
            }
        }
        for hidden in forms {
            if hidden.long {
                self.any_block.resize(BLOCK_BITS / 64, 0);
                for block in hidden.bytes.windows(BLOCK) {
                    let bit = block_bit(block, true);
                    self.any_block[bit / 64] |= 1 << (bit % 64);
                }
            }
            self.secrets.push(hidden);
        }
        self
    }

    /// Whether `text` may hold a run of a long secret: one of its blocks at a multiple of
    /// `BLOCK` is one of theirs (any run of `RUN` bytes holds such a block).
    fn may_hold_a_run(&self, text: &[u8]) -> bool {
        !self.any_block.is_empty()
            && text.chunks_exact(BLOCK).any(|block| {
                let bit = block_bit(block, true);
                self.any_block[bit / 64] & (1 << (bit % 64)) != 0
            })
    }

    /// `text` with every secret replaced: for secrets of 8 characters or more, any run of 8 or more
    /// consecutive characters of it; for shorter ones, the whole secret where it stands as a word
    /// of its own (so a key `EMPTY` does not eat `EMPTYING`).
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let runs = self.may_hold_a_run(text.as_bytes());
        let mut text = Cow::Borrowed(text);
        for hidden in self.secrets.iter().filter(|h| runs || !h.long) {
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
            let bit = block_bit(block, self.hidden.fold);
            if self.hidden.blocks[bit / 64] & (1 << (bit % 64)) == 0 {
                continue;
            }
            let hidden = self.hidden;
            let same = |w: &[u8]| w.iter().zip(block).all(|(s, &b)| *s == hidden.norm(b));
            for (j, _) in secret.windows(BLOCK).enumerate().filter(|(_, w)| same(w)) {
                let back = (1..=j.min(at)).take_while(|&k| hidden.norm(t[at - k]) == secret[j - k]).count();
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
    /// The last characters of the stream as it came, and the next piece after them: what the
    /// one-scan check looks at.
    seen: String,
}

impl Redactor {
    /// Redacts one piece of a stream (an answer as it arrives). A run split between two pieces is
    /// caught as well: what was written cannot be taken back, so at most 7 characters of a run show
    /// before the rest is replaced, and nothing is held back (no token waits for the next one).
    pub fn redact_piece<'a>(&self, state: &mut StreamRedaction, piece: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(piece);
        state.tails.resize_with(self.secrets.len(), Default::default);
        // A run that goes on from the last piece has its last characters in `seen`: together they
        // hold an aligned block, so one scan tells whether any long secret can be in this piece.
        state.seen.push_str(piece);
        let runs = self.may_hold_a_run(state.seen.as_bytes());
        let keep = state.seen.char_indices().rev().nth(RUN - 2).map_or(0, |(i, _)| i);
        state.seen.drain(..keep);
        for (hidden, (tail, masking)) in self.secrets.iter().zip(state.tails.iter_mut()) {
            if !hidden.long {
                if let Some(redacted) = redact_one(&text, hidden) {
                    text = Cow::Owned(redacted);
                }
                continue;
            }
            if !runs {
                tail.push_str(&text);
                let keep = tail.char_indices().rev().nth(RUN - 2).map_or(0, |(i, _)| i);
                tail.drain(..keep);
                *masking = false;
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

/// Where a block falls in a secret's bitset (its letters in lower case when `fold`).
fn block_bit(block: &[u8], fold: bool) -> usize {
    let b = |i: usize| if fold { block[i].to_ascii_lowercase() } else { block[i] };
    let word = u32::from_le_bytes([b(0), b(1), b(2), b(3)]);
    (word.wrapping_mul(0x9E37_79B1) >> 16) as usize
}

/// The length of the longest prefix of `text` that occurs somewhere in the secret and reaches past
/// its public prefix.
fn longest_run(text: &[u8], hidden: &Hidden) -> usize {
    let secret = &hidden.bytes;
    (0..secret.len())
        .filter(|&j| secret[j] == hidden.norm(text[0]))
        .map(|j| (j, text.iter().zip(&secret[j..]).take_while(|(a, b)| hidden.norm(**a) == **b).count()))
        .filter(|&(j, len)| j + len > hidden.public)
        .map(|(_, len)| len)
        .max()
        .unwrap_or(0)
}

/// The parts of a secret's base64 that are the same wherever it stands in an encoded text: for
/// each of the three alignments, the characters that its whole 3-byte groups give, in the standard
/// and the URL-safe alphabet.
fn base64_forms(secret: &[u8]) -> Vec<String> {
    const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut forms = Vec::new();
    for skip in 0..3.min(secret.len()) {
        let whole = &secret[skip..skip + (secret.len() - skip) / 3 * 3];
        let mut encoded = String::with_capacity(whole.len() / 3 * 4);
        for group in whole.chunks(3) {
            let n = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
            for shift in [18, 12, 6, 0] {
                encoded.push(char::from(STANDARD[(n >> shift & 63) as usize]));
            }
        }
        let url_safe = encoded.replace('+', "-").replace('/', "_");
        if url_safe != encoded {
            forms.push(url_safe);
        }
        forms.push(encoded);
    }
    forms
}

#[cfg(test)]
mod tests;
