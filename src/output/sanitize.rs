//! Makes server text safe for a terminal: drops escape sequences (CSI, OSC, DCS and the other
//! string controls, ECMA-48) and control characters except newline and tab. It keeps its state
//! between chunks, so a sequence split across two chunks is still removed. A sequence that never
//! ends hides nothing: a string control (OSC, DCS, …) holds at most [`LONGEST_STRING`] bytes and
//! ends at a line break, a CSI ends at anything that cannot be part of it; then only its
//! introducer is dropped and what followed is shown. The 8-bit C1 controls (U+0080–U+009F, common
//! in mojibake such as `â€` + U+009D) are dropped one by one and start nothing.

/// The longest string control held back waiting for its end (OSC titles and hyperlinks are short).
pub const LONGEST_STRING: usize = 512;

/// The longest CSI or escape sequence: parameters and intermediates of a real one are a handful.
const LONGEST_SEQUENCE: usize = 32;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum State {
    #[default]
    Text,
    /// After ESC (and maybe intermediate bytes): how many bytes so far.
    Escape(usize),
    /// Inside a CSI sequence (ESC [), until its final byte (0x40..=0x7E).
    Csi(usize),
    /// Inside OSC/DCS/SOS/PM/APC (ESC ] P X ^ _), until BEL or ST (ESC \); its text is held.
    Str,
    /// ESC seen inside a string control: `\` ends it.
    StrEscape,
}

#[derive(Debug, Default)]
pub struct Sanitizer {
    state: State,
    /// A string control's text so far, shown if it turns out never to end.
    held: String,
}

impl Sanitizer {
    pub fn new() -> Sanitizer {
        Sanitizer::default()
    }

    /// Appends the printable part of `input` to `out`.
    pub fn push(&mut self, input: &str, out: &mut String) {
        for c in input.chars() {
            self.take(c, out);
        }
    }

    /// Ends the text: a string control still open never ended, so its text is shown.
    pub fn finish(&mut self, out: &mut String) {
        if matches!(self.state, State::Str | State::StrEscape) {
            self.abandon(out);
        }
        self.state = State::Text;
    }

    fn take(&mut self, c: char, out: &mut String) {
        self.state = match (self.state, c) {
            (State::Text, '\u{1b}') => State::Escape(0),
            (State::Text, c) => {
                if c == '\n' || c == '\t' || !c.is_control() {
                    out.push(c);
                }
                State::Text
            }
            (State::Escape(_), '[') => State::Csi(0),
            (State::Escape(_), ']' | 'P' | 'X' | '^' | '_') => State::Str,
            // Intermediate bytes of an nF escape (e.g. ESC ( B) keep the sequence open.
            (State::Escape(n), '\u{20}'..='\u{2f}') if n < LONGEST_SEQUENCE => State::Escape(n + 1),
            // A final byte ends it (ESC c, ESC ( B).
            (State::Escape(_), '\u{30}'..='\u{7e}') => State::Text,
            (State::Csi(_), '\u{40}'..='\u{7e}') => State::Text,
            (State::Csi(n), '\u{20}'..='\u{3f}') if n < LONGEST_SEQUENCE => State::Csi(n + 1),
            // Anything else cannot be part of the sequence: it ends there, and the character is text.
            (State::Escape(_) | State::Csi(_), c) => {
                self.state = State::Text;
                return self.take(c, out);
            }
            (State::Str, '\u{7}' | '\u{9c}') | (State::StrEscape, '\\') => {
                self.held.clear();
                State::Text
            }
            (State::Str | State::StrEscape, '\u{1b}') => State::StrEscape,
            // A line break, or more than a title holds: it never ends. What it held is text.
            (State::Str | State::StrEscape, c) if c == '\n' || self.held.len() >= LONGEST_STRING => {
                self.abandon(out);
                return self.take(c, out);
            }
            (State::Str | State::StrEscape, c) => {
                self.held.push(c);
                State::Str
            }
        };
    }

    /// A string control that never ends: only its introducer is dropped; what it held is shown.
    fn abandon(&mut self, out: &mut String) {
        self.state = State::Text;
        let held = std::mem::take(&mut self.held);
        for c in held.chars() {
            self.take(c, out);
        }
    }

    /// Sanitises a whole text at once.
    pub fn clean(input: &str) -> String {
        let mut out = String::with_capacity(input.len());
        let mut sanitizer = Sanitizer::new();
        sanitizer.push(input, &mut out);
        sanitizer.finish(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_text_newlines_tabs_and_unicode() {
        assert_eq!(Sanitizer::clean("héllo\tworld\n✓ 日本"), "héllo\tworld\n✓ 日本");
    }

    #[test]
    fn drops_escape_sequences_and_controls() {
        assert_eq!(Sanitizer::clean("a\x1b[31mred\x1b[0m b"), "ared b");
        assert_eq!(Sanitizer::clean("x\x1b]0;title\x07y"), "xy");
        assert_eq!(Sanitizer::clean("x\x1b]8;;http://e\x1b\\link\x1b]8;;\x1b\\y"), "xlinky");
        assert_eq!(Sanitizer::clean("bell\x07 cr\r bs\x08 del\x7f"), "bell cr bs del");
        assert_eq!(Sanitizer::clean("a\u{9b}2Jb"), "a2Jb");
        assert_eq!(Sanitizer::clean("a\x1b(Bb"), "ab");
        assert_eq!(Sanitizer::clean("a\x1bcb"), "ab");
    }

    #[test]
    fn an_unterminated_sequence_hides_nothing_after_it() {
        // Mojibake of a closing quote: â€ then U+009D, which an 8-bit terminal takes for OSC.
        assert_eq!(Sanitizer::clean("he said â€\u{9d}hello€\u{9d} and left"), "he said â€hello€ and left");
        for c1 in ['\u{90}', '\u{98}', '\u{9d}', '\u{9e}', '\u{9f}'] {
            assert_eq!(Sanitizer::clean(&format!("a{c1}rest of the answer")), "arest of the answer");
        }
        assert_eq!(Sanitizer::clean("lone \x1b]osc never ends\nnext line"), "lone osc never ends\nnext line");
        assert_eq!(Sanitizer::clean("\x1b[12;日本 text"), "日本 text");
        let long = format!("\x1b]{}tail", "x".repeat(2 * LONGEST_STRING));
        let shown = Sanitizer::clean(&long);
        assert!(shown.ends_with("tail") && shown.len() == 2 * LONGEST_STRING + 4, "{}", shown.len());
    }

    #[test]
    fn state_survives_a_split_at_every_position() {
        let input = "start \x1b[1;31mbold\x1b[0m \x1b]0;t\x1b\\end";
        let expected = Sanitizer::clean(input);
        assert_eq!(expected, "start bold end");
        for split in 0..input.len() {
            let (a, b) = input.split_at(split);
            let mut s = Sanitizer::new();
            let mut out = String::new();
            s.push(a, &mut out);
            s.push(b, &mut out);
            s.finish(&mut out);
            assert_eq!(out, expected, "split at {split}");
        }
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        fn split_clean(input: &str, cut: usize) -> String {
            let mut at = cut.min(input.len());
            while !input.is_char_boundary(at) {
                at -= 1;
            }
            let mut s = Sanitizer::new();
            let mut out = String::new();
            s.push(&input[..at], &mut out);
            s.push(&input[at..], &mut out);
            s.finish(&mut out);
            out
        }

        fn noise() -> impl Strategy<Value = String> {
            "(\\PC|[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}]|\\x1b[\\[\\]P^_X(]|\\x1b\\[[0-9;]{0,4}[a-zA-Z]){0,64}"
        }

        proptest! {
            #[test]
            fn output_has_no_controls_and_any_split_agrees(input in noise(), cut in 0usize..400) {
                let whole = Sanitizer::clean(&input);
                prop_assert!(!whole.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{:?}", whole);
                prop_assert_eq!(split_clean(&input, cut), whole);
            }

            #[test]
            fn the_text_after_any_sequence_survives(prefix in noise(), text in "[a-zA-Z0-9 .,é日]{1,40}") {
                let shown = Sanitizer::clean(&format!("{prefix}\n{text}"));
                prop_assert!(shown.ends_with(&format!("\n{text}")), "{:?} -> {:?}", prefix, shown);
            }

            #[test]
            fn printable_text_passes_unchanged(input in "[\\PC\\n\\t]{0,200}") {
                prop_assert_eq!(Sanitizer::clean(&input), input);
            }
        }
    }
}
