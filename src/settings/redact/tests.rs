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
    assert_eq!(r.redact("key EMPTY rejected; EMPTYING the cache"), "key (5 characters) rejected; EMPTYING the cache");
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
        let hidden = Hidden::new(&secret, "#".into(), true);
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
        let hidden = Hidden::new(&secret, "#".into(), true);
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

/// Standard base64 of `bytes`, padded (as a Basic-auth header carries it).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let b = [group[0], *group.get(1).unwrap_or(&0), *group.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            out.push(if i <= group.len() { char::from(A[(n >> shift & 63) as usize]) } else { '=' });
        }
    }
    out
}

#[test]
fn an_echo_in_another_case_is_redacted() {
    let upper = KEY.to_ascii_uppercase();
    assert_eq!(redactor().redact(&format!("got {upper}!")), "got sk-o…25xx!");
    let mixed = format!("token: {}", &KEY[..20].to_ascii_uppercase());
    assert!(!redactor().redact(&mixed).to_ascii_lowercase().contains(&KEY[5..13].to_ascii_lowercase()));
    // A short secret stays a word of its own, case and all.
    let r = Redactor::none().with("EMPTY", "#".into());
    assert_eq!(r.redact("EMPTY or empty"), "# or empty");
}

#[test]
fn an_echo_in_base64_at_any_alignment_is_redacted() {
    for prefix in ["", "u:", "us:", "user:"] {
        for suffix in ["", ":", ":x"] {
            let encoded = base64(format!("{prefix}{KEY}{suffix}").as_bytes());
            for form in [encoded.clone(), encoded.replace('+', "-").replace('/', "_")] {
                let shown = redactor().redact(&format!("Authorization: Basic {form}")).into_owned();
                assert!(shown.contains("sk-o…25xx"), "{prefix}|{suffix}: {shown}");
                let inner = &form[form.len() / 2 - 4..form.len() / 2 + 4];
                assert!(!shown.contains(inner), "{prefix}|{suffix}: {shown}");
            }
        }
    }
}

proptest! {
    #[test]
    fn no_base64_or_case_changed_echo_survives(
        prefix in proptest::collection::vec(any::<u8>(), 0..5),
        flips in proptest::collection::vec(any::<bool>(), 32),
    ) {
        let flipped: String = KEY.chars().zip(&flips).map(|(c, &f)| if f { c.to_ascii_uppercase() } else { c }).collect();
        let shown = redactor().redact(&format!("echo {flipped} end")).into_owned();
        for w in 0..=KEY.len() - 8 {
            prop_assert!(!shown.to_ascii_lowercase().contains(&KEY[w..w + 8].to_ascii_lowercase()), "{}", shown);
        }
        let mut bytes = prefix.clone();
        bytes.extend_from_slice(KEY.as_bytes());
        let encoded = base64(&bytes);
        let shown = redactor().redact(&encoded).into_owned();
        // Past the first group the prefix touches, nothing of the encoded key is left.
        let start = prefix.len() / 3 * 4 + 4;
        let tail = &encoded[start.min(encoded.len())..encoded.len().saturating_sub(4)];
        if tail.len() >= 8 {
            prop_assert!(!shown.contains(tail), "{} -> {}", encoded, shown);
        }
    }
}
