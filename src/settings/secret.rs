//! The API key: a type that never shows its value, the one masking function, and the check that
//! refuses only what cannot be a working key or is certainly a paste mistake.

use std::fmt;

/// The API key as read from `OMNIVA_API_KEY`. Debug and Display print nothing of the value; the only
/// ways out are [`Secret::expose`] (for the Authorization header) and [`Secret::masked`].
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The raw value, for the Authorization header and the redactor only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key as doctor and `--verbose` show it: see [`mask`].
    pub fn masked(&self) -> String {
        mask(&self.0)
    }

    /// How many characters the key has.
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// What is wrong with the key, if anything.
    pub fn problem(&self) -> Option<KeyProblem> {
        KeyProblem::find(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Masks a key: the first 4 and last 4 characters for keys of 16 characters or more (`sk-o…25xx`),
/// only the length for shorter ones, where 8 shown characters would give away too much.
pub fn mask(key: &str) -> String {
    let count = key.chars().count();
    if count >= 16 {
        let head: String = key.chars().take(4).collect();
        let tail: String = key.chars().skip(count - 4).collect();
        format!("{head}…{tail}")
    } else {
        format!("({count} characters)")
    }
}

/// Why a key cannot work. Each names the fault, the length and the position, never the key.
/// Positions count characters from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    /// Set, but only whitespace.
    Empty {
        len: usize,
    },
    BearerPrefix {
        len: usize,
    },
    LineBreak {
        at: usize,
        len: usize,
    },
    Control {
        ch: char,
        at: usize,
        len: usize,
    },
    /// Keys are ASCII: a typographic quote or a non-breaking space came from a web page.
    NonAscii {
        ch: char,
        at: usize,
        len: usize,
    },
    Quoted {
        len: usize,
    },
    Space {
        at: usize,
        len: usize,
    },
    /// The whole value is documentation text (`sk-...`, `<your-api-key>`, `$OMNIVA_API_KEY`).
    Placeholder {
        len: usize,
    },
}

impl KeyProblem {
    /// The first fault of `key`, or `None` when a server could accept it. Length is never a
    /// fault: `EMPTY` (vLLM) and `sk-1234` (LiteLLM) are real keys.
    pub fn find(key: &str) -> Option<KeyProblem> {
        let len = key.chars().count();
        if key.trim().is_empty() {
            return Some(KeyProblem::Empty { len });
        }
        if key.as_bytes().get(..7).is_some_and(|p| p.eq_ignore_ascii_case(b"bearer ")) {
            return Some(KeyProblem::BearerPrefix { len });
        }
        let mut chars = key.chars().zip(1..);
        if let Some((ch, at)) = chars.find(|(c, _)| c.is_control() || !c.is_ascii()) {
            return Some(match ch {
                '\n' | '\r' => KeyProblem::LineBreak { at, len },
                c if c.is_control() => KeyProblem::Control { ch, at, len },
                _ => KeyProblem::NonAscii { ch, at, len },
            });
        }
        const QUOTES: [char; 3] = ['"', '\'', '`'];
        if key.starts_with(QUOTES) || key.ends_with(QUOTES) {
            return Some(KeyProblem::Quoted { len });
        }
        if let Some(at) = key.chars().position(|c| c == ' ') {
            return Some(KeyProblem::Space { at: at + 1, len });
        }
        is_placeholder(key).then_some(KeyProblem::Placeholder { len })
    }

    /// One line saying what is wrong, with the key's length but never the key.
    pub fn describe(&self) -> String {
        const VAR: &str = "OMNIVA_API_KEY";
        match *self {
            KeyProblem::Empty { len } => format!("{VAR} is set but holds only whitespace ({len} characters)"),
            KeyProblem::BearerPrefix { len } => {
                format!("{VAR} starts with \"Bearer \" ({len} characters); tokenfactory adds that itself")
            }
            KeyProblem::LineBreak { at, len } => format!(
                "{VAR} contains a line break at character {at} ({len} characters); it was probably pasted with its newline"
            ),
            KeyProblem::Control { ch, at, len } => {
                format!("{VAR} contains the control character {} at character {at} ({len} characters)", name(ch))
            }
            KeyProblem::NonAscii { ch, at, len } => format!(
                "{VAR} contains {} at character {at} ({len} characters); keys are plain ASCII, so it was probably copied from a web page or document",
                name(ch)
            ),
            KeyProblem::Quoted { len } => {
                format!("{VAR} is wrapped in quotes ({len} characters); the quotes became part of the value")
            }
            KeyProblem::Space { at, len } => format!("{VAR} contains a space at character {at} ({len} characters)"),
            KeyProblem::Placeholder { len } => {
                format!("{VAR} is placeholder text from documentation, not a key ({len} characters)")
            }
        }
    }
}

/// Whether the whole value is documentation text, never whether it merely contains such letters
/// (`sk-insertABCDEF0123` is a key).
fn is_placeholder(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    // `$OMNIVA_API_KEY` or `${OMNIVA_API_KEY}` kept literally by single quotes.
    if let Some(var) = lower.strip_prefix('$') {
        let var = var.strip_prefix('{').and_then(|v| v.strip_suffix('}')).unwrap_or(var);
        if !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return true;
        }
    }
    // `<your-api-key>`, `[API_KEY]`, `{token}`: brackets never occur in a bearer token.
    if [('<', '>'), ('[', ']'), ('{', '}')]
        .iter()
        .any(|&(open, close)| lower.starts_with(open) && lower.ends_with(close))
    {
        return true;
    }
    let body = ["sk-oais-", "sk-oais", "sk-proj-", "sk-"].iter().find_map(|p| lower.strip_prefix(p)).unwrap_or(&lower);
    // `sk-...`, `sk-xxxx`, `sk-****`, `xxxxxxxx`
    if body.len() >= 3 && body.chars().all(|c| matches!(c, '.' | 'x' | '*' | '#' | '-' | '_')) {
        return true;
    }
    let words: String = body.chars().filter(char::is_ascii_alphanumeric).collect();
    PLACEHOLDER_WORDS.contains(&words.as_str())
}

/// Documentation placeholders, lowercased with separators removed (`YOUR_API_KEY` → `yourapikey`).
const PLACEHOLDER_WORDS: &[&str] = &[
    "yourapikey",
    "yourapikeyhere",
    "yourkey",
    "yourkeyhere",
    "yourtoken",
    "yourtokenhere",
    "yoursecretkey",
    "youromnivaapikey",
    "youromnivakey",
    "yourtokenfactorykey",
    "yourtokenfactoryapikey",
    "apikey",
    "apikeyhere",
    "keyhere",
    "omnivaapikey",
    "insertkeyhere",
    "insertapikeyhere",
    "insertyourkey",
    "insertyourkeyhere",
    "insertyourapikey",
    "insertyourapikeyhere",
    "pasteyourkeyhere",
    "pasteyourapikeyhere",
    "changeme",
    "replaceme",
    "placeholder",
];

/// `U+201C LEFT DOUBLE QUOTATION MARK`: the code point, and the name of the characters that paste
/// mistakes bring in (the full Unicode name table is half a megabyte; these are the ones seen).
fn name(ch: char) -> String {
    let known = match ch {
        '\0' => "NULL",
        '\t' => "CHARACTER TABULATION",
        '\u{b}' => "LINE TABULATION",
        '\u{c}' => "FORM FEED",
        '\u{1b}' => "ESCAPE",
        '\u{7f}' => "DELETE",
        '\u{85}' => "NEXT LINE",
        '\u{a0}' => "NO-BREAK SPACE",
        '\u{ab}' => "LEFT-POINTING DOUBLE ANGLE QUOTATION MARK",
        '\u{ad}' => "SOFT HYPHEN",
        '\u{bb}' => "RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK",
        '\u{2002}' => "EN SPACE",
        '\u{2003}' => "EM SPACE",
        '\u{2007}' => "FIGURE SPACE",
        '\u{2009}' => "THIN SPACE",
        '\u{200a}' => "HAIR SPACE",
        '\u{200b}' => "ZERO WIDTH SPACE",
        '\u{200c}' => "ZERO WIDTH NON-JOINER",
        '\u{200d}' => "ZERO WIDTH JOINER",
        '\u{200e}' => "LEFT-TO-RIGHT MARK",
        '\u{200f}' => "RIGHT-TO-LEFT MARK",
        '\u{2010}' => "HYPHEN",
        '\u{2011}' => "NON-BREAKING HYPHEN",
        '\u{2012}' => "FIGURE DASH",
        '\u{2013}' => "EN DASH",
        '\u{2014}' => "EM DASH",
        '\u{2018}' => "LEFT SINGLE QUOTATION MARK",
        '\u{2019}' => "RIGHT SINGLE QUOTATION MARK",
        '\u{201a}' => "SINGLE LOW-9 QUOTATION MARK",
        '\u{201c}' => "LEFT DOUBLE QUOTATION MARK",
        '\u{201d}' => "RIGHT DOUBLE QUOTATION MARK",
        '\u{201e}' => "DOUBLE LOW-9 QUOTATION MARK",
        '\u{2026}' => "HORIZONTAL ELLIPSIS",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{202f}' => "NARROW NO-BREAK SPACE",
        '\u{2032}' => "PRIME",
        '\u{2033}' => "DOUBLE PRIME",
        '\u{2060}' => "WORD JOINER",
        '\u{2212}' => "MINUS SIGN",
        '\u{3000}' => "IDEOGRAPHIC SPACE",
        '\u{feff}' => "ZERO WIDTH NO-BREAK SPACE",
        '\u{fffd}' => "REPLACEMENT CHARACTER",
        _ => "",
    };
    let code = format!("U+{:04X}", u32::from(ch));
    match known {
        "" if ch.is_control() => format!("{code} (a control character)"),
        "" => format!("{code} (a non-ASCII character)"),
        name => format!("{code} {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mask_shows_first_and_last_four_of_long_keys() {
        assert_eq!(mask("sk-oa1234567890abcd25xx"), "sk-o…25xx");
        assert_eq!(mask("ééééééééééééééééé"), "éééé…éééé");
    }

    #[test]
    fn mask_shows_only_length_of_short_keys() {
        assert_eq!(mask("sk-short"), "(8 characters)");
        assert_eq!(mask(""), "(0 characters)");
    }

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("sk-verysecretvalue123456".into());
        assert_eq!(format!("{s:?} {s}"), "Secret([redacted]) [redacted]");
    }

    #[test]
    fn keys_of_other_servers_are_accepted_whatever_their_length_or_letters() {
        for key in [
            "sk-1234",
            "EMPTY",
            "sk-no-key-required",
            "sk-insertABCDEF0123",
            "sk-xxxxABCDEF",
            "x",
            "sk-abc...def",
            "tok_123",
            "sk-oaisABCDEF0123456789",
        ] {
            assert_eq!(KeyProblem::find(key), None, "{key}");
        }
    }

    #[test]
    fn faults_are_named_with_position_and_length() {
        let p = KeyProblem::find;
        assert_eq!(p("   "), Some(KeyProblem::Empty { len: 3 }));
        assert_eq!(p("Bearer sk-abc"), Some(KeyProblem::BearerPrefix { len: 13 }));
        assert_eq!(p("bearer sk-abc"), Some(KeyProblem::BearerPrefix { len: 13 }));
        assert_eq!(p("sk-abc\n"), Some(KeyProblem::LineBreak { at: 7, len: 7 }));
        assert_eq!(p("sk\tabc"), Some(KeyProblem::Control { ch: '\t', at: 3, len: 6 }));
        assert_eq!(p("“sk-abc”"), Some(KeyProblem::NonAscii { ch: '\u{201c}', at: 1, len: 8 }));
        assert_eq!(p("sk-abc\u{a0}def"), Some(KeyProblem::NonAscii { ch: '\u{a0}', at: 7, len: 10 }));
        assert_eq!(p("Bearéééééééééééééééééé"), Some(KeyProblem::NonAscii { ch: 'é', at: 5, len: 22 }));
        assert_eq!(p("'sk-abc'"), Some(KeyProblem::Quoted { len: 8 }));
        assert_eq!(p("\"sk-abc"), Some(KeyProblem::Quoted { len: 7 }));
        assert_eq!(p(" sk-abc"), Some(KeyProblem::Space { at: 1, len: 7 }));
        assert_eq!(p("sk-abc def"), Some(KeyProblem::Space { at: 7, len: 10 }));
    }

    #[test]
    fn placeholders_are_refused_only_as_a_whole() {
        for placeholder in [
            "sk-...",
            "sk-xxxx",
            "sk-xxxxxxxxxxxxxxxxxxxx",
            "sk-****",
            "<your-api-key>",
            "YOUR_API_KEY",
            "your-api-key-here",
            "$OMNIVA_API_KEY",
            "${OMNIVA_API_KEY}",
            "OMNIVA_API_KEY",
            "INSERT_YOUR_KEY_HERE",
            "sk-oais-...",
        ] {
            let found = KeyProblem::find(placeholder);
            assert!(matches!(found, Some(KeyProblem::Placeholder { .. })), "{placeholder}: {found:?}");
        }
        // With a space inside, the space is what is said first.
        assert_eq!(KeyProblem::find("[api key]"), Some(KeyProblem::Space { at: 5, len: 9 }));
        assert_eq!(KeyProblem::find("sk-..."), Some(KeyProblem::Placeholder { len: 6 }));
    }

    #[test]
    fn descriptions_name_the_character_by_code_point() {
        let d = |k: &str| KeyProblem::find(k).map(|p| p.describe()).unwrap_or_default();
        assert_eq!(
            d("“sk-abcdef0123456789”"),
            "OMNIVA_API_KEY contains U+201C LEFT DOUBLE QUOTATION MARK at character 1 (21 characters); \
             keys are plain ASCII, so it was probably copied from a web page or document"
        );
        assert!(d("sk-abc\u{a0}def").contains("U+00A0 NO-BREAK SPACE at character 7 (10 characters)"));
        assert!(d("sk-é").contains("U+00E9 (a non-ASCII character) at character 4"));
        assert!(d("sk\tx").contains("the control character U+0009 CHARACTER TABULATION at character 3"));
    }

    proptest! {
        #[test]
        fn any_string_is_checked_and_masked_without_panicking_or_quoting_it(key in any::<String>()) {
            let message = KeyProblem::find(&key).map(|p| p.describe()).unwrap_or_default();
            let masked = mask(&key);
            if key.chars().count() >= 10 {
                prop_assert!(!message.contains(&key), "{message}");
                prop_assert!(!masked.contains(&key), "{masked}");
            }
        }

        #[test]
        fn ascii_strings_without_faults_are_never_refused_for_their_letters(key in "[A-Za-z0-9_.-]{1,40}") {
            if let Some(problem) = KeyProblem::find(&key) {
                prop_assert!(matches!(problem, KeyProblem::Placeholder { .. }), "{problem:?}");
            }
        }
    }
}
