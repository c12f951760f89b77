//! Makes server text safe for a terminal: drops escape sequences (CSI, OSC, DCS and the other
//! string controls, ECMA-48) and control characters except newline and tab. It keeps its state
//! between chunks, so a sequence split across two chunks is still removed.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum State {
    #[default]
    Text,
    /// After ESC.
    Escape,
    /// Inside a CSI sequence, until its final byte (0x40..=0x7E).
    Csi,
    /// Inside OSC/DCS/SOS/PM/APC, until BEL or ST (ESC \).
    Str,
    /// ESC seen inside a string control: `\` ends it.
    StrEscape,
}

#[derive(Debug, Default)]
pub struct Sanitizer {
    state: State,
}

impl Sanitizer {
    pub fn new() -> Sanitizer {
        Sanitizer::default()
    }

    /// Appends the printable part of `input` to `out`.
    pub fn push(&mut self, input: &str, out: &mut String) {
        for c in input.chars() {
            self.state = match (self.state, c) {
                (State::Text, '\u{1b}') => State::Escape,
                (State::Text, '\u{9b}') => State::Csi,
                (State::Text, '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}') => State::Str,
                (State::Text, c) => {
                    if c == '\n' || c == '\t' || !c.is_control() {
                        out.push(c);
                    }
                    State::Text
                }
                (State::Escape, '[') => State::Csi,
                (State::Escape, ']' | 'P' | 'X' | '^' | '_') => State::Str,
                // Intermediate bytes of an nF escape (e.g. ESC ( B) keep the sequence open.
                (State::Escape, '\u{20}'..='\u{2f}') => State::Escape,
                (State::Escape, _) => State::Text,
                (State::Csi, '\u{40}'..='\u{7e}') => State::Text,
                (State::Csi, _) => State::Csi,
                (State::Str, '\u{7}' | '\u{9c}') => State::Text,
                (State::Str, '\u{1b}') => State::StrEscape,
                (State::Str, _) => State::Str,
                (State::StrEscape, '\\') => State::Text,
                (State::StrEscape, '\u{1b}') => State::StrEscape,
                (State::StrEscape, _) => State::Str,
            };
        }
    }

    /// Sanitises a whole text at once.
    pub fn clean(input: &str) -> String {
        let mut out = String::with_capacity(input.len());
        Sanitizer::new().push(input, &mut out);
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
        assert_eq!(Sanitizer::clean("a\u{9b}2Jb"), "ab");
        assert_eq!(Sanitizer::clean("a\x1b(Bb"), "ab");
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
            out
        }

        proptest! {
            #[test]
            fn output_has_no_controls_and_any_split_agrees(input in "(\\PC|[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}]|\\x1b\\[[0-9;]{0,4}[a-zA-Z]){0,64}", cut in 0usize..400) {
                let whole = Sanitizer::clean(&input);
                prop_assert!(!whole.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{:?}", whole);
                prop_assert_eq!(split_clean(&input, cut), whole);
            }

            #[test]
            fn printable_text_passes_unchanged(input in "[\\PC\\n\\t]{0,200}") {
                prop_assert_eq!(Sanitizer::clean(&input), input);
            }
        }
    }
}
