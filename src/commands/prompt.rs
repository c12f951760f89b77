//! Where the prompt (`chat`) or the text (`embed`) comes from: the arguments, piped stdin, or both
//! (stdin first, a blank line, then the arguments). Stdin is read only when it is not a terminal
//! or `-` asks for it.

use std::io::Read;
use std::sync::mpsc;
use std::time::Duration;

use super::Context;
use crate::output::Tone;
use crate::report::{Error, UsageError};

/// How long piped stdin may stay silent, while arguments were given, before we say we wait for it.
pub const STDIN_HINT_AFTER: Duration = Duration::from_secs(3);

/// How a command's errors name what it reads, and the example they offer.
pub struct Wording {
    /// `prompt`, `text`.
    noun: &'static str,
    example: &'static str,
    /// What to do instead of `-` with other words.
    instead_of_dash: &'static str,
}

pub const CHAT: Wording = Wording {
    noun: "prompt",
    example: "try: tokenfactory chat \"What is retrieval-augmented generation?\"  or  cat notes.md | tokenfactory chat \"summarize\"",
    instead_of_dash: "pipe the text and pass the words: cat notes.md | tokenfactory chat \"summarize\"",
};

pub const EMBED: Wording = Wording {
    noun: "text",
    example: "try: tokenfactory embed \"What is retrieval-augmented generation?\"  or  tokenfactory embed --lines passages.txt",
    instead_of_dash: "pipe the text or pass it as words: echo \"some text\" | tokenfactory embed",
};

/// What to do with stdin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdinUse {
    /// `--no-stdin`, or stdin is a terminal and `-` was not given.
    Ignore,
    /// Piped stdin: read it; empty means absent.
    IfPiped,
    /// `-`: stdin is the whole prompt, even from a terminal.
    Only,
}

/// Stdin that is not UTF-8.
#[derive(Debug, thiserror::Error)]
#[error("stdin is not valid UTF-8 text (invalid byte at offset {offset}); convert it first, e.g. with iconv")]
pub struct NotUtf8 {
    pub offset: usize,
}

/// The text from `words` and stdin, with the note on stderr when piped stdin stays silent.
pub fn gather(ctx: &Context, words: &[String], no_stdin: bool, wording: &Wording) -> crate::report::Result<String> {
    let mode = stdin_use(words, no_stdin, ctx.settings.display.terminals.stdin, wording)?;
    let stdin = match mode {
        StdinUse::Ignore => None,
        StdinUse::Only => Some(read_stdin(None)?),
        StdinUse::IfPiped => {
            let hint = || {
                ctx.ui.say(
                    Tone::Note,
                    &format!(
                        "note: waiting for stdin, which is not a terminal; nothing has arrived after {} s. \
                         Pass --no-stdin to use only the arguments.",
                        STDIN_HINT_AFTER.as_secs()
                    ),
                );
            };
            let with_hint: Option<&dyn Fn()> = if words.is_empty() { None } else { Some(&hint) };
            Some(read_stdin(with_hint)?)
        }
    };
    Ok(assemble(words, stdin, mode, wording)?)
}

/// Decides how stdin is used, or rejects the arguments.
pub fn stdin_use(
    words: &[String],
    no_stdin: bool,
    stdin_is_terminal: bool,
    wording: &Wording,
) -> Result<StdinUse, UsageError> {
    let noun = wording.noun;
    let dash = words.iter().any(|w| w == "-");
    if dash && words.len() > 1 {
        return Err(UsageError {
            message: format!("`-` (read the {noun} from stdin) cannot be combined with other {noun} words"),
            hint: Some(wording.instead_of_dash.into()),
        });
    }
    if dash && no_stdin {
        return Err(UsageError {
            message: format!("`-` reads the {noun} from stdin, but --no-stdin says not to read it"),
            hint: None,
        });
    }
    Ok(if dash {
        StdinUse::Only
    } else if no_stdin || stdin_is_terminal {
        StdinUse::Ignore
    } else {
        StdinUse::IfPiped
    })
}

/// Builds the prompt from the words and the stdin text (already read, if it was to be read).
pub fn assemble(
    words: &[String],
    stdin: Option<String>,
    mode: StdinUse,
    wording: &Wording,
) -> Result<String, UsageError> {
    let (noun, example) = (wording.noun, wording.example);
    let stdin = stdin.filter(|s| !s.trim().is_empty());
    let joined = if mode == StdinUse::Only { String::new() } else { words.join(" ") };
    let prompt = match stdin {
        Some(text) if joined.is_empty() => text,
        Some(mut text) => {
            let kept = text.trim_end_matches(['\n', '\r']).len();
            text.truncate(kept);
            text.push_str("\n\n");
            text.push_str(&joined);
            text
        }
        None if mode == StdinUse::Only => {
            return Err(UsageError {
                message: format!("`-` asked for the {noun} on stdin, but stdin was empty"),
                hint: Some(example.into()),
            });
        }
        None if words.is_empty() => {
            return Err(UsageError {
                message: format!("no {noun}: give it as arguments or pipe it on stdin"),
                hint: Some(example.into()),
            });
        }
        None => joined,
    };
    if prompt.trim().is_empty() {
        return Err(UsageError { message: format!("the {noun} is blank"), hint: Some(example.into()) });
    }
    Ok(prompt)
}

/// Reads all of stdin. When `hint` is given and nothing at all has arrived after
/// `STDIN_HINT_AFTER`, calls it once (the user may have forgotten stdin is still open) and keeps
/// reading.
pub fn read_stdin(hint: Option<&dyn Fn()>) -> crate::report::Result<String> {
    let (first_tx, first_rx) = mpsc::channel::<()>();
    let reader = std::thread::spawn(move || -> std::io::Result<Vec<u8>> {
        let mut stdin = std::io::stdin().lock();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 64 * 1024];
        let n = loop {
            match stdin.read(&mut chunk) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        let _ = first_tx.send(());
        buf.extend_from_slice(&chunk[..n]);
        if n > 0 {
            stdin.read_to_end(&mut buf)?;
        }
        Ok(buf)
    });
    if let Some(hint) = hint
        && first_rx.recv_timeout(STDIN_HINT_AFTER) == Err(mpsc::RecvTimeoutError::Timeout)
    {
        hint();
    }
    let bytes = reader
        .join()
        .map_err(|_| Error::Other("reading stdin failed".into()))?
        .map_err(|e| Error::io("cannot read stdin", e))?;
    String::from_utf8(bytes).map_err(|e| Error::Other(NotUtf8 { offset: e.utf8_error().valid_up_to() }.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn stdin_comes_first_then_a_blank_line_then_the_words() {
        let p = assemble(&words(&["summarize", "this"]), Some("notes\n\n".into()), StdinUse::IfPiped, &CHAT)
            .expect("prompt");
        assert_eq!(p, "notes\n\nsummarize this");
    }

    #[test]
    fn stdin_alone_is_kept_as_is_and_blank_stdin_is_absent() {
        assert_eq!(assemble(&[], Some("hello\n".into()), StdinUse::IfPiped, &CHAT).expect("prompt"), "hello\n");
        assert_eq!(assemble(&words(&["hi"]), Some(" \n".into()), StdinUse::IfPiped, &CHAT).expect("prompt"), "hi");
    }

    #[test]
    fn usage_errors() {
        assert!(assemble(&[], None, StdinUse::Ignore, &CHAT).is_err());
        assert!(assemble(&words(&["  "]), None, StdinUse::Ignore, &CHAT).is_err());
        assert!(assemble(&words(&["-"]), Some("".into()), StdinUse::Only, &CHAT).is_err());
        let embed = assemble(&[], None, StdinUse::Ignore, &EMBED).expect_err("no text");
        assert_eq!(embed.message, "no text: give it as arguments or pipe it on stdin");
        assert!(embed.hint.is_some_and(|h| h.contains("tokenfactory embed --lines passages.txt")));
        assert!(stdin_use(&words(&["-", "x"]), false, false, &CHAT).is_err());
        assert!(stdin_use(&words(&["-"]), true, false, &CHAT).is_err());
    }

    #[test]
    fn stdin_is_read_only_when_piped_or_asked_for() {
        assert_eq!(stdin_use(&words(&["hi"]), false, true, &CHAT).expect("ok"), StdinUse::Ignore);
        assert_eq!(stdin_use(&words(&["hi"]), false, false, &CHAT).expect("ok"), StdinUse::IfPiped);
        assert_eq!(stdin_use(&words(&["hi"]), true, false, &CHAT).expect("ok"), StdinUse::Ignore);
        assert_eq!(stdin_use(&words(&["-"]), false, true, &CHAT).expect("ok"), StdinUse::Only);
    }
}
