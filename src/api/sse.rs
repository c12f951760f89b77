//! An incremental decoder for `text/event-stream` bodies, following the WHATWG HTML "server-sent
//! events" parsing rules: LF, CRLF and CR line endings, `field: value` lines with one optional
//! space, multi-line data, comments, and a leading BOM. Bytes may be split anywhere, even inside a
//! UTF-8 character; each complete line is decoded lossily (invalid bytes become U+FFFD), so a bad
//! byte never stalls or drops what follows. (eventsource-stream 0.2.3 does stall on one, see
//! shared/crates.md, hence this ~150-line decoder.) Decoded events land in a reusable batch: no
//! allocation per event.

use std::ops::Range;

/// One dispatched event, borrowed from its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SseEvent<'a> {
    /// The `event:` field; `None` means the default type, "message".
    pub event: Option<&'a str>,
    pub data: &'a str,
}

/// The events that one or more reads completed. Their text lives in one buffer that is reused
/// from read to read, so a stream of thousands of events costs no allocation per event.
#[derive(Debug, Default)]
pub struct SseBatch {
    text: String,
    events: Vec<(Range<usize>, Option<Range<usize>>)>,
}

impl SseBatch {
    pub fn clear(&mut self) {
        self.text.clear();
        self.events.clear();
    }

    pub fn iter(&self) -> impl Iterator<Item = SseEvent<'_>> {
        self.events.iter().map(|(data, event)| SseEvent {
            event: event.clone().map(|r| &self.text[r]),
            data: &self.text[data.clone()],
        })
    }

    fn push(&mut self, data: &str, event: &str) {
        let event = (!event.is_empty()).then(|| {
            let start = self.text.len();
            self.text.push_str(event);
            start..self.text.len()
        });
        let start = self.text.len();
        self.text.push_str(data);
        self.events.push((start..self.text.len(), event));
    }
}

#[derive(Debug, Default)]
pub struct SseDecoder {
    /// Bytes of the current line when it spans two reads.
    line: Vec<u8>,
    /// The last byte fed was CR: an LF right after it belongs to the same line ending.
    after_cr: bool,
    /// The stream's first bytes were checked for a BOM.
    started: bool,
    /// The pending event's data (each line followed by LF) and type.
    data: String,
    has_data: bool,
    event: String,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl SseDecoder {
    pub fn new() -> SseDecoder {
        SseDecoder::default()
    }

    /// Feeds bytes as they arrive; complete events are appended to `out`.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut SseBatch) {
        if !self.started {
            // Wait until three bytes are known before deciding whether the stream starts with a BOM.
            self.line.extend_from_slice(bytes);
            if self.line.len() < BOM.len() && BOM.starts_with(&self.line) {
                return;
            }
            self.started = true;
            let buffered = std::mem::take(&mut self.line);
            let rest = buffered.strip_prefix(BOM).unwrap_or(&buffered);
            self.feed_started(rest, out);
            return;
        }
        if bytes.is_empty() {
            return; // keeps `after_cr` for the next read
        }
        if self.after_cr && bytes.first() == Some(&b'\n') {
            bytes = &bytes[1..];
        }
        self.after_cr = false;
        self.feed_started(bytes, out);
    }

    fn feed_started(&mut self, mut bytes: &[u8], out: &mut SseBatch) {
        while let Some(end) = memchr::memchr2(b'\n', b'\r', bytes) {
            if self.line.is_empty() {
                // The whole line is in this read: no copy.
                self.process_line(&bytes[..end], out);
            } else {
                self.line.extend_from_slice(&bytes[..end]);
                let line = std::mem::take(&mut self.line);
                self.process_line(&line, out);
                self.line = line;
                self.line.clear();
            }
            let mut next = end + 1;
            if bytes[end] == b'\r' {
                match bytes.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            bytes = &bytes[next..];
        }
        self.line.extend_from_slice(bytes);
    }

    fn process_line(&mut self, line: &[u8], out: &mut SseBatch) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line[0] == b':' {
            return; // a comment, e.g. a keep-alive
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                match std::str::from_utf8(value) {
                    Ok(text) => self.data.push_str(text),
                    Err(_) => self.data.push_str(&String::from_utf8_lossy(value)),
                }
                self.data.push('\n');
                self.has_data = true;
            }
            b"event" => {
                self.event.clear();
                self.event.push_str(&String::from_utf8_lossy(value));
            }
            // `id` and `retry` serve reconnection, which a one-shot POST never does; unknown
            // fields are ignored, as the spec says.
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut SseBatch) {
        if self.has_data {
            let data = self.data.strip_suffix('\n').unwrap_or(&self.data); // the last data line's LF
            out.push(data, &self.event);
        }
        self.data.clear();
        self.event.clear();
        self.has_data = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Each event as (type, data), owned.
    type Owned = Vec<(Option<String>, String)>;

    fn decode_parts(parts: &[&[u8]]) -> Owned {
        let mut d = SseDecoder::new();
        let mut out = SseBatch::default();
        let mut all = Vec::new();
        for p in parts {
            d.feed(p, &mut out);
            // Batches are cleared between reads, as the stream reader does.
            all.extend(out.iter().map(|e| (e.event.map(str::to_string), e.data.to_string())));
            out.clear();
        }
        all
    }

    fn decode(bytes: &[u8]) -> Owned {
        decode_parts(&[bytes])
    }

    fn data(events: &Owned) -> Vec<&str> {
        events.iter().map(|(_, d)| d.as_str()).collect()
    }

    #[test]
    fn line_endings_lf_crlf_and_cr() {
        assert_eq!(data(&decode(b"data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\n\n")), ["a", "b", "c", "d"]);
    }

    #[test]
    fn crlf_split_between_reads_is_one_line_ending() {
        assert_eq!(data(&decode_parts(&[b"data: a\r", b"\n\r", b"\ndata: b\n\n"])), ["a", "b"]);
    }

    #[test]
    fn data_with_and_without_space_and_multi_line() {
        assert_eq!(
            data(&decode(b"data:x\n\ndata:  two spaces\n\ndata: l1\ndata: l2\n\n")),
            ["x", " two spaces", "l1\nl2"]
        );
    }

    #[test]
    fn event_and_id_fields_comments_and_unknown_fields() {
        let events = decode(b": keep-alive\nevent: delta\nid: 7\nretry: 100\nfoo: bar\ndata: {}\n\ndata: x\n\n");
        assert_eq!(events, [(Some("delta".to_string()), "{}".to_string()), (None, "x".to_string())]);
    }

    #[test]
    fn empty_data_field_dispatches_an_empty_event_but_no_data_dispatches_nothing() {
        assert_eq!(data(&decode(b"data:\n\n")), [""]);
        assert!(decode(b"event: ping\n\n\n").is_empty());
    }

    #[test]
    fn bom_is_skipped_even_when_split() {
        assert_eq!(data(&decode_parts(&[b"\xEF", b"\xBB", b"\xBFdata: a\n\n"])), ["a"]);
        assert_eq!(data(&decode(b"\xEF\xBB\xBFdata: a\n\n")), ["a"]);
    }

    #[test]
    fn multibyte_character_split_across_reads() {
        let bytes = "data: héllo ✓\n\n".as_bytes();
        for split in 0..bytes.len() {
            assert_eq!(data(&decode_parts(&[&bytes[..split], &bytes[split..]])), ["héllo ✓"], "split at {split}");
        }
    }

    #[test]
    fn invalid_utf8_becomes_replacement_and_later_events_still_arrive() {
        let events = decode(b"data: a\xffb\n\ndata: next\n\ndata: [DONE]\n\n");
        assert_eq!(data(&events), ["a\u{fffd}b", "next", "[DONE]"]);
    }

    #[test]
    fn unterminated_event_at_the_end_is_not_dispatched() {
        assert_eq!(data(&decode(b"data: a\n\ndata: partial")), ["a"]);
    }

    fn sse_stream() -> impl Strategy<Value = Vec<u8>> {
        let line_end = prop_oneof![Just("\n"), Just("\r\n"), Just("\r")];
        let field = prop_oneof![
            "[a-z{}\":, é✓]{0,12}".prop_map(|v| format!("data: {v}")),
            "[a-z]{0,6}".prop_map(|v| format!("data:{v}")),
            Just(": keep-alive".to_string()),
            "[a-z]{1,5}".prop_map(|v| format!("event: {v}")),
            Just(String::new()),
        ];
        proptest::collection::vec((field, line_end), 0..30).prop_map(|lines| {
            let mut s = String::new();
            for (l, e) in lines {
                s.push_str(&l);
                s.push_str(e);
            }
            s.into_bytes()
        })
    }

    proptest! {
        #[test]
        fn any_split_decodes_to_the_same_events(bytes in sse_stream(), cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6)) {
            let whole = decode(&bytes);
            let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
            points.sort_unstable();
            let mut parts = Vec::new();
            let mut last = 0;
            for p in points {
                parts.push(&bytes[last..p]);
                last = p;
            }
            parts.push(&bytes[last..]);
            prop_assert_eq!(decode_parts(&parts), whole);
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_splitting_changes_nothing(bytes in proptest::collection::vec(any::<u8>(), 0..200), cut in any::<prop::sample::Index>()) {
            let whole = decode(&bytes);
            let at = cut.index(bytes.len() + 1);
            prop_assert_eq!(decode_parts(&[&bytes[..at], &bytes[at..]]), whole);
        }
    }
}
