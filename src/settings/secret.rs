//! The API key: a type that never shows its value, the one masking function, and the well-formedness
//! check shared by every command and by doctor.

use std::fmt;

/// The API key as read from `OMNIVA_API_KEY`. Debug and Display print nothing of the value; the only
/// ways out are [`Secret::expose`] (for the Authorization header) and [`Secret::masked`].
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The raw value, for the Authorization header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key as doctor and `--verbose` show it: see [`mask`].
    pub fn masked(&self) -> String {
        mask(&self.0)
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
    let chars: Vec<char> = key.chars().collect();
    if chars.len() >= 16 {
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    } else {
        format!("({} characters)", chars.len())
    }
}

/// Ways a key pasted into the environment goes wrong. Each names the fault without the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    Empty,
    LineBreak { len: usize },
    Whitespace { len: usize },
    Quotes { len: usize },
    BearerPrefix { len: usize },
    Placeholder { len: usize },
    TooShort { len: usize },
}

/// Shorter than any real key; catches `sk-` alone or a truncated paste.
const MIN_KEY_LEN: usize = 20;

impl KeyProblem {
    fn find(key: &str) -> Option<KeyProblem> {
        let len = key.chars().count();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            return Some(KeyProblem::Empty);
        }
        if key.contains(['\n', '\r']) {
            return Some(KeyProblem::LineBreak { len });
        }
        if key.starts_with(['"', '\'']) || key.ends_with(['"', '\'']) {
            return Some(KeyProblem::Quotes { len });
        }
        if trimmed.len() >= 7 && trimmed[..7].eq_ignore_ascii_case("bearer ") {
            return Some(KeyProblem::BearerPrefix { len });
        }
        if key.chars().any(char::is_whitespace) {
            return Some(KeyProblem::Whitespace { len });
        }
        let lower = key.to_ascii_lowercase();
        let placeholder = (key.starts_with('<') && key.ends_with('>'))
            || key.contains("...")
            || key.contains('…')
            || [
                "your-key",
                "your_key",
                "yourkey",
                "your-api-key",
                "your_api_key",
                "xxxx",
                "changeme",
                "replace-me",
                "insert",
            ]
            .iter()
            .any(|p| lower.contains(p));
        if placeholder {
            return Some(KeyProblem::Placeholder { len });
        }
        if len < MIN_KEY_LEN {
            return Some(KeyProblem::TooShort { len });
        }
        None
    }

    /// One line saying what is wrong, with the key's length but never the key.
    pub fn describe(&self) -> String {
        match self {
            KeyProblem::Empty => "OMNIVA_API_KEY is set but empty or only whitespace".into(),
            KeyProblem::LineBreak { len } => {
                format!(
                    "OMNIVA_API_KEY contains a line break ({len} characters); it was probably pasted with its newline"
                )
            }
            KeyProblem::Whitespace { len } => {
                format!("OMNIVA_API_KEY contains spaces or tabs ({len} characters)")
            }
            KeyProblem::Quotes { len } => {
                format!(
                    "OMNIVA_API_KEY is wrapped in quote characters ({len} characters); the quotes became part of the value"
                )
            }
            KeyProblem::BearerPrefix { len } => {
                format!("OMNIVA_API_KEY starts with \"Bearer \" ({len} characters); the tool adds that itself")
            }
            KeyProblem::Placeholder { len } => {
                format!("OMNIVA_API_KEY looks like placeholder text, not a real key ({len} characters)")
            }
            KeyProblem::TooShort { len } => {
                format!("OMNIVA_API_KEY is only {len} characters long; keys are longer (was it cut off?)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_shows_first_and_last_four_of_long_keys() {
        assert_eq!(mask("sk-oa1234567890abcd25xx"), "sk-o…25xx");
    }

    #[test]
    fn mask_shows_only_length_of_short_keys() {
        assert_eq!(mask("sk-short"), "(8 characters)");
    }

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("sk-verysecretvalue123456".into());
        assert!(!format!("{s:?}{s}").contains("verysecret"));
    }

    #[test]
    fn problems_are_recognised() {
        let p = |k: &str| KeyProblem::find(k);
        assert_eq!(p("sk-abcdefghijklmnopqrstuv"), None);
        assert_eq!(p(""), Some(KeyProblem::Empty));
        assert_eq!(p("sk-abcdefghijklmnopqrstuv\n"), Some(KeyProblem::LineBreak { len: 26 }));
        assert_eq!(p(" sk-abcdefghijklmnopqrstuv"), Some(KeyProblem::Whitespace { len: 26 }));
        assert_eq!(p("\"sk-abcdefghijklmnopqrstuv\""), Some(KeyProblem::Quotes { len: 27 }));
        assert_eq!(p("Bearer sk-abcdefghijklmnopqrstuv"), Some(KeyProblem::BearerPrefix { len: 32 }));
        assert_eq!(p("<your-key>"), Some(KeyProblem::Placeholder { len: 10 }));
        assert_eq!(p("sk-..."), Some(KeyProblem::Placeholder { len: 6 }));
        assert_eq!(p("sk-abc"), Some(KeyProblem::TooShort { len: 6 }));
    }
}
