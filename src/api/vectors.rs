//! Reading the vectors out of an embeddings reply without parsing a float: each input's vector is
//! the slice of the server's text that holds it, matched to the input by `index`.
//!
//! serde_json finds those slices (`RawValue`) but steps through every digit to skip a vector:
//! half of `embed --lines`' CPU time. So the arrays of numbers that follow an `"embedding"` key
//! are first checked against JSON's number grammar here, in one tight pass, and blanked out (as
//! strings of the same length) in a copy that serde then reads quickly for the rest: the items,
//! their indexes, the usage. Each item's vector must be one of the checked arrays, found at the
//! same place; anything unexpected (other values, other shapes, invalid JSON) falls back to serde
//! reading the reply itself, which also words any error. Whichever path found them, a vector is
//! a non-empty list of finite numbers, or the reply holds no answer: `null`, a string, an object,
//! a nested list or `1e400` never pass for a vector.

use std::borrow::Cow;
use std::ops::Range;

use super::client::decode_error;
use super::error::ApiError;
use super::wire::EmbeddingList;

/// What an embeddings reply holds: its vectors in input order, as the server wrote them.
#[derive(Debug)]
pub struct Vectors<'a> {
    pub each: Vec<&'a str>,
    /// The tokens the inputs counted, when the server says.
    pub tokens: Option<u64>,
}

/// What a reply holds, in the server's order: each vector with the index the server gave it, and
/// the tokens counted.
#[derive(Debug, PartialEq)]
struct Located<'a> {
    indexed: Vec<(usize, &'a str)>,
    tokens: Option<u64>,
}

/// Reads the vectors of a reply to `count` inputs, matching them by `index`: each input must have
/// exactly one.
pub fn vectors(raw: &str, count: usize) -> Result<Vectors<'_>, ApiError> {
    // The quick path found only arrays of finite numbers; what serde found is checked below.
    let (Located { indexed: found, tokens }, checked) = match locate_quickly(raw) {
        Some(located) => (located, true),
        None => (locate(raw)?, false),
    };
    let wrong = |detail: String| ApiError::Decode { what: "embeddings", detail };
    let mut by_index: Vec<Option<&str>> = vec![None; count];
    for (index, vector) in found {
        let slot = by_index
            .get_mut(index)
            .ok_or_else(|| wrong(format!("a vector has index {index}, but only {count} inputs were sent")))?;
        if slot.replace(vector).is_some() {
            return Err(wrong(format!("two vectors have index {index}")));
        }
    }
    let each: Vec<&str> = by_index
        .into_iter()
        .enumerate()
        .map(|(i, v)| v.ok_or_else(|| wrong(format!("there is no vector for input {i}"))))
        .collect::<Result<_, _>>()?;
    for (i, vector) in each.iter().enumerate() {
        let empty = || vector.trim_start_matches('[').trim_end_matches(']').trim().is_empty();
        let result = if checked { if empty() { Err("an empty list".into()) } else { Ok(()) } } else { check(vector) };
        result.map_err(|what| ApiError::NoAnswer {
            what: "embeddings",
            detail: format!("the vector of input {i} is {what}, not a list of numbers"),
        })?;
    }
    Ok(Vectors { each, tokens })
}

/// A vector is a non-empty list of finite numbers; otherwise, what it is instead.
fn check(vector: &str) -> Result<(), String> {
    let bytes = vector.as_bytes();
    match bytes.first() {
        Some(b'[') if number_array_end(bytes, 0) == Some(bytes.len()) => {
            if dimensions(vector) == 0 {
                Err("an empty list".into())
            } else {
                Ok(())
            }
        }
        Some(b'[') => Err("a list of something else (or a number too large)".into()),
        Some(b'n') => Err("null".into()),
        Some(b'"') => Err("a string".into()),
        Some(b'{') => Err("an object".into()),
        Some(b't' | b'f') => Err("a boolean".into()),
        _ => Err(format!("{:?}", vector.chars().take(20).collect::<String>())),
    }
}

/// serde_json reading the whole reply: any valid reply, and the words for an invalid one.
fn locate(raw: &str) -> Result<Located<'_>, ApiError> {
    let list: EmbeddingList = serde_json::from_str(raw).map_err(|e| decode_error("embeddings", &e, raw))?;
    let tokens = list.usage.and_then(|u| u.prompt_tokens.or(u.total_tokens));
    Ok(Located { indexed: list.data.iter().map(|item| (item.index, item.embedding.get())).collect(), tokens })
}

/// The same result as `locate` for a reply whose vectors are arrays of numbers; `None` for
/// anything else.
fn locate_quickly(raw: &str) -> Option<Located<'_>> {
    let bytes = raw.as_bytes();
    let mut arrays: Vec<Range<usize>> = Vec::new();
    for key in memchr::memmem::find_iter(bytes, b"\"embedding\"") {
        let colon = skip_space(bytes, key + "\"embedding\"".len());
        if bytes.get(colon) != Some(&b':') {
            continue; // the value "embedding" (of `object`), not the key
        }
        let start = skip_space(bytes, colon + 1);
        if bytes.get(start) == Some(&b'[') {
            arrays.push(start..number_array_end(bytes, start)?);
        }
    }
    // The closing quote of `"embedding"` ends a string wherever it is, so what follows the colon
    // is a value; blanked, each array becomes a string serde skips eight bytes at a time.
    let mut blanked = bytes.to_vec();
    for array in &arrays {
        blanked[array.start] = b'"';
        blanked[array.start + 1..array.end - 1].fill(b'0');
        blanked[array.end - 1] = b'"';
    }
    let blanked = String::from_utf8(blanked).ok()?;
    let list: EmbeddingList = serde_json::from_str(&blanked).ok()?;
    let mut found = Vec::with_capacity(list.data.len());
    for item in &list.data {
        let value = item.embedding.get();
        let start = value.as_ptr() as usize - blanked.as_ptr() as usize;
        let array = &arrays[arrays.binary_search_by_key(&start, |a| a.start).ok()?];
        if array.len() != value.len() {
            return None;
        }
        found.push((item.index, &raw[array.clone()]));
    }
    let tokens = list.usage.and_then(|u| u.prompt_tokens.or(u.total_tokens));
    Some(Located { indexed: found, tokens })
}

/// Where the array of JSON numbers that opens at `open` ends (just past its `]`), or `None` when
/// it holds anything but numbers or is not valid JSON. Each number must match JSON's grammar,
/// `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`, and be finite as a 64-bit float (only a
/// number with an exponent or hundreds of digits can be out of range: those are parsed to see).
/// One loop with a peek that reads past the end as 0: twice as fast as serde_json skipping the
/// same array.
fn number_array_end(b: &[u8], open: usize) -> Option<usize> {
    let peek = |at: usize| b.get(at).copied().unwrap_or(0);
    let digits_from = |mut at: usize| {
        while peek(at).is_ascii_digit() {
            at += 1;
        }
        at
    };
    let mut at = skip_space(b, open + 1);
    if peek(at) == b']' {
        return Some(at + 1);
    }
    loop {
        let start = at;
        if peek(at) == b'-' {
            at += 1;
        }
        at = match peek(at) {
            b'0' => at + 1,
            b'1'..=b'9' => digits_from(at + 1),
            _ => return None,
        };
        if peek(at) == b'.' {
            if !peek(at + 1).is_ascii_digit() {
                return None;
            }
            at = digits_from(at + 2);
        }
        if matches!(peek(at), b'e' | b'E') {
            at += 1;
            if matches!(peek(at), b'+' | b'-') {
                at += 1;
            }
            if !peek(at).is_ascii_digit() {
                return None;
            }
            at = digits_from(at + 1);
            if !finite(&b[start..at]) {
                return None;
            }
        } else if at - start > 300 && !finite(&b[start..at]) {
            return None;
        }
        at = skip_space(b, at);
        match peek(at) {
            b',' => at = skip_space(b, at + 1),
            b']' => return Some(at + 1),
            _ => return None,
        }
    }
}

/// Whether a JSON number is within a 64-bit float's range.
fn finite(number: &[u8]) -> bool {
    std::str::from_utf8(number).ok().and_then(|n| n.parse::<f64>().ok()).is_some_and(f64::is_finite)
}

/// JSON's whitespace (space, tab, line feed, carriage return) from `at` on.
fn skip_space(b: &[u8], mut at: usize) -> usize {
    while matches!(b.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// A vector as one line of JSON (the server's text, unless it spread it over lines).
pub fn one_line(vector: &str) -> Cow<'_, str> {
    if memchr::memchr2(b'\n', b'\r', vector.as_bytes()).is_some() {
        Cow::Owned(vector.split_whitespace().collect())
    } else {
        Cow::Borrowed(vector)
    }
}

/// How many numbers a vector holds.
pub fn dimensions(vector: &str) -> usize {
    serde_json::from_str::<Vec<serde::de::IgnoredAny>>(vector).map_or(0, |v| v.len())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn reply(items: &[(usize, &str)]) -> String {
        let data: Vec<String> =
            items.iter().map(|(i, v)| format!(r#"{{"object":"embedding","index":{i},"embedding":{v}}}"#)).collect();
        format!(
            r#"{{"object":"list","data":[{}],"model":"m","usage":{{"prompt_tokens":7,"total_tokens":7}}}}"#,
            data.join(",")
        )
    }

    #[test]
    fn arrays_of_numbers_are_read_quickly_and_matched_by_index() {
        let raw = reply(&[(1, "[1e-3, -0.5 ,2E+10]"), (0, "[ ]"), (2, "[0,-0,10.25]")]);
        let Located { indexed, tokens } = locate_quickly(&raw).expect("the quick path reads it");
        assert_eq!(indexed, vec![(1, "[1e-3, -0.5 ,2E+10]"), (0, "[ ]"), (2, "[0,-0,10.25]")]);
        assert_eq!(tokens, Some(7));
        assert!(vectors(&raw, 3).is_err(), "an empty vector is no vector");
        let raw = reply(&[(1, "[1e-3, -0.5 ,2E+10]"), (0, "[ 3 ]"), (2, "[0,-0,10.25]")]);
        let v = vectors(&raw, 3).expect("three vectors");
        assert_eq!(v.each, vec!["[ 3 ]", "[1e-3, -0.5 ,2E+10]", "[0,-0,10.25]"]);
    }

    #[test]
    fn anything_but_numbers_is_left_to_serde() {
        for vector in
            ["[01]", "[1.]", "[.5]", "[1e]", "[+1]", "[1,]", "[,1]", "[1 2]", "[null]", "[[1]]", r#"["a"]"#, "[1"]
        {
            let raw = reply(&[(0, vector)]);
            assert!(locate_quickly(&raw).is_none(), "{vector}");
        }
        // A vector as a string (base64) is read by serde, and is no vector of numbers.
        let raw = reply(&[(0, r#""AAAA""#)]);
        assert!(locate_quickly(&raw).is_none());
        assert!(locate(&raw).is_ok());
    }

    #[test]
    fn what_is_not_a_list_of_finite_numbers_is_no_answer() {
        for (vector, what) in [
            ("null", "null"),
            (r#""AAAA""#, "a string"),
            ("{}", "an object"),
            ("[[1]]", "a list of something else"),
            ("[1e400]", "a list of something else"),
            ("[]", "an empty list"),
            ("true", "a boolean"),
        ] {
            let error = vectors(&reply(&[(0, vector)]), 1).expect_err(vector).to_string();
            assert!(
                error.starts_with(&format!("the server's embeddings holds no answer: the vector of input 0 is {what}")),
                "{vector}: {error}"
            );
        }
        assert!(vectors(&reply(&[(0, "[1e300, -2.5e-400, 1e-5]")]), 1).is_ok(), "tiny numbers round to zero: finite");
    }

    #[test]
    fn an_embedding_key_anywhere_else_does_not_fool_it() {
        // A key that ends in `embedding` after an escaped quote, and the word inside strings.
        let raw = r#"{"data":[{"index":0,"x\"embedding":[9],"embedding":[1,2],"note":"\"embedding\":[5]"}],"model":"embedding"}"#;
        let located = locate_quickly(raw).expect("the quick path reads it");
        assert_eq!(located.indexed, vec![(0, "[1,2]")]);
    }

    #[test]
    fn invalid_json_is_worded_by_serde() {
        let raw = r#"{"data":[{"index":0,"embedding":[1,2]}"#;
        let error = vectors(raw, 1).expect_err("the reply is cut").to_string();
        assert!(error.contains("EOF while parsing"), "{error}");
    }

    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<f32>().prop_map(|f| f.to_string()),
            any::<f64>().prop_map(|f| format!("{f:e}")),
            any::<i64>().prop_map(|i| i.to_string()),
            "-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,4})?([eE][+-]?[0-9]{1,3})?",
            // Edges of the grammar, and what is not a JSON number, now and then.
            prop::sample::select(
                &["01", "-01", "00", "-", "1.", ".5", "+1", "1e", "1e+", "1.e5", "-0.0e-0", "0E+7", "true"][..]
            )
            .prop_map(str::to_string),
            "[-+.eE0-9a-z\" ]{1,5}",
        ]
    }

    fn vector() -> impl Strategy<Value = String> {
        (prop::collection::vec((number(), "[ \n]{0,2}"), 0..6), "[ \t]{0,2}").prop_map(|(numbers, space)| {
            let items: Vec<String> = numbers.into_iter().map(|(n, s)| format!("{s}{n}{s}")).collect();
            format!("[{space}{}]", items.join(","))
        })
    }

    /// Whether `vector` is a JSON array of numbers (serde's reading).
    fn numbers_only(vector: &str) -> bool {
        match serde_json::from_str::<serde_json::Value>(vector) {
            Ok(serde_json::Value::Array(items)) => items.iter().all(serde_json::Value::is_number),
            _ => false,
        }
    }

    proptest! {
        /// Whatever the quick path reads, serde reads the same; whatever it cannot, serde decides.
        #[test]
        fn the_quick_path_agrees_with_serde(vectors in prop::collection::vec(vector(), 0..5), pretty in any::<bool>()) {
            let items: Vec<(usize, &str)> = vectors.iter().enumerate().rev().map(|(i, v)| (i, v.as_str())).collect();
            let mut raw = reply(&items);
            if pretty && let Ok(value) = serde_json::from_str::<serde_json::Value>(&raw) {
                raw = serde_json::to_string_pretty(&value).expect("a value prints");
            }
            let slow = locate(&raw).ok();
            match locate_quickly(&raw) {
                Some(quick) => prop_assert_eq!(Some(quick), slow),
                None => prop_assert!(slow.is_none() || vectors.iter().any(|v| !numbers_only(v)), "{}", raw),
            }
        }
    }
}
