//! An incremental decoder for `text/event-stream` bodies, following the WHATWG HTML "server-sent
//! events" parsing rules: LF, CRLF and CR line endings, `field: value` lines with one optional
//! space, multi-line data, comments, and a leading BOM. Bytes may be split anywhere, even inside a
//! UTF-8 character; each complete line is decoded lossily (invalid bytes become U+FFFD), so a bad
//! byte never stalls or drops what follows. (eventsource-stream 0.2.3 does stall on one, see
//! shared/crates.md, hence this ~150-line decoder.) Decoded events land in a reusable batch: no
//! allocation per event. A server may send anything: a line or an event longer than
//! [`MAX_LINE`] / [`MAX_EVENT`] stops the decoder with an error instead of growing without bound.

use std::ops::Range;

/// The longest line the decoder holds (4 MiB): a chunk of an answer is a few hundred bytes.
pub const MAX_LINE: usize = 4 << 20;

/// The most data one event may gather over its `data:` lines (4 MiB).
pub const MAX_EVENT: usize = 4 << 20;

/// A stream whose line or event passed its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooLarge {
    /// A line with no line break after [`MAX_LINE`] bytes.
    Line,
    /// `data:` lines with no blank line after [`MAX_EVENT`] bytes.
    Event,
}

impl TooLarge {
    /// What the stream did, for an error message.
    pub fn describe(self) -> String {
        match self {
            TooLarge::Line => format!("a line of more than {} MiB without a line break", MAX_LINE >> 20),
            TooLarge::Event => {
                format!("an event of more than {} MiB without the blank line that ends it", MAX_EVENT >> 20)
            }
        }
    }
}

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

    /// Feeds bytes as they arrive; complete events are appended to `out`. A line or an event past
    /// its limit is an error; the events completed before it are in `out`.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut SseBatch) -> Result<(), TooLarge> {
        if !self.started {
            // Wait until three bytes are known before deciding whether the stream starts with a BOM.
            let take = bytes.len().min(BOM.len());
            self.line.extend_from_slice(&bytes[..take]);
            if self.line.len() < BOM.len() && BOM.starts_with(&self.line) {
                return Ok(());
            }
            self.started = true;
            let buffered = std::mem::take(&mut self.line);
            let head = buffered.strip_prefix(BOM).unwrap_or(&buffered);
            self.feed_started(head, out)?;
            if self.after_cr && bytes.get(take) == Some(&b'\n') {
                bytes = &bytes[1..];
            }
            self.after_cr = false;
            return self.feed_started(&bytes[take..], out);
        }
        if bytes.is_empty() {
            return Ok(()); // keeps `after_cr` for the next read
        }
        if self.after_cr && bytes.first() == Some(&b'\n') {
            bytes = &bytes[1..];
        }
        self.after_cr = false;
        self.feed_started(bytes, out)
    }

    fn feed_started(&mut self, mut bytes: &[u8], out: &mut SseBatch) -> Result<(), TooLarge> {
        while let Some(end) = memchr::memchr2(b'\n', b'\r', bytes) {
            if self.line.len() + end > MAX_LINE {
                return Err(TooLarge::Line);
            }
            if self.line.is_empty() {
                // The whole line is in this read: no copy.
                self.process_line(&bytes[..end], out)?;
            } else {
                self.line.extend_from_slice(&bytes[..end]);
                let line = std::mem::take(&mut self.line);
                let result = self.process_line(&line, out);
                self.line = line;
                self.line.clear();
                result?;
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
        if self.line.len() + bytes.len() > MAX_LINE {
            return Err(TooLarge::Line);
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn process_line(&mut self, line: &[u8], out: &mut SseBatch) -> Result<(), TooLarge> {
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(()); // a comment, e.g. a keep-alive
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
                if self.data.len() + value.len() + 1 > MAX_EVENT {
                    return Err(TooLarge::Event);
                }
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
        Ok(())
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
            d.feed(p, &mut out).expect("within the limits");
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

    #[test]
    fn an_endless_line_or_event_stops_at_its_limit_keeping_the_events_before_it() {
        let mut d = SseDecoder::new();
        let mut out = SseBatch::default();
        d.feed(b"data: kept\n\ndata: ", &mut out).expect("fine so far");
        let mut result = Ok(());
        for _ in 0..(MAX_LINE / 65_536 + 2) {
            result = d.feed(&[b'x'; 65_536], &mut out);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(TooLarge::Line));
        assert_eq!(out.iter().map(|e| e.data).collect::<Vec<_>>(), ["kept"]);

        let mut d = SseDecoder::new();
        let line = format!("data: {}\n", "y".repeat(60_000));
        let mut result = Ok(());
        for _ in 0..(MAX_EVENT / 60_000 + 2) {
            result = d.feed(line.as_bytes(), &mut out);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(TooLarge::Event));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn the_limits_hold_however_the_bytes_are_split(cut in 1usize..70_000, newline_every in prop::option::of(1usize..200_000)) {
            // A stream of 9 MiB: one line with no break, or short `data:` lines with no blank line.
            let mut d = SseDecoder::new();
            let mut out = SseBatch::default();
            let chunk: Vec<u8> = (0..cut).map(|i| match newline_every {
                Some(n) if i % n == n - 1 => b'\n',
                _ if i % 97 == 0 => b'd',
                _ => b'a',
            }).collect();
            let mut fed = 0;
            let mut stopped = false;
            while fed < (MAX_LINE + MAX_EVENT) / 2 + (1 << 20) {
                if d.feed(&chunk, &mut out).is_err() {
                    stopped = true;
                    break;
                }
                fed += chunk.len();
                prop_assert!(d.line.len() <= MAX_LINE && d.data.len() <= MAX_EVENT);
            }
            // Lines of letters are unknown fields (ignored): only a long line must stop it.
            if newline_every.is_none_or(|n| n > MAX_LINE) {
                prop_assert!(stopped);
            }
        }
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
            prop_assert!(at <= bytes.len());
            prop_assert_eq!(decode_parts(&[&bytes[..at], &bytes[at..]]), whole);
        }
    }
}
