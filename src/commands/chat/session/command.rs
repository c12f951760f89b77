//! What a line typed in the session means: a prompt, or one of the `/commands` with its
//! argument checked. Pure: no I/O, so every case is a unit test.

use crate::language::Language;

/// A setting a command shows, sets, or clears (`-`).
#[derive(Debug, Clone, PartialEq)]
pub enum Setting<T> {
    Show,
    Set(T),
    Clear,
}

/// A `/command` with its argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Model(Option<String>),
    System(Setting<String>),
    Temperature(Setting<f64>),
    MaxTokens(Setting<u32>),
    New,
    Retry,
    Forget(usize),
    History,
    Save(String),
    Print(Language),
    Stats,
    Help,
    Exit,
}

/// One line of input.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// Nothing to do (an empty line).
    Empty,
    Prompt(String),
    Command(Command),
    /// A known command with a wrong argument: the command, what is wrong, and its usage.
    Misused {
        command: &'static str,
        message: String,
        usage: &'static str,
    },
    /// `/word` that is no command: the closest command, if one is close.
    Unknown {
        word: String,
        closest: Option<&'static str>,
    },
}

/// The commands: name, argument, what it does (for `/help` and TAB).
pub const COMMANDS: &[(&str, &str, &str)] = &[
    ("/model", "[ID]", "show the model, or switch to ID (TAB completes the catalog's IDs)"),
    ("/system", "[TEXT | -]", "show the system prompt, set it, or clear it with -"),
    ("/temperature", "[T | -]", "show the temperature, set it (0 to 2), or leave it to the server with -"),
    ("/max-tokens", "[N | -]", "show the answer's token budget, set it, or remove it with -"),
    ("/new", "", "start a new conversation (model and system prompt stay)"),
    ("/retry", "", "send the last prompt again; its answer is replaced"),
    ("/forget", "N", "leave the oldest N exchanges out of what is sent (the history keeps them)"),
    ("/history", "", "this conversation's exchanges"),
    ("/save", "FILE", "write this conversation to FILE as Markdown"),
    ("/print", "curl | python | typescript | http", "the last request as code, as chat --print writes it"),
    ("/stats", "", "this session's turns, tokens and time"),
    ("/help", "", "this list"),
    ("/exit", "", "leave the session (Ctrl-D on an empty line does too)"),
];

/// Reads one line: `//text` is a prompt that starts with `/`.
pub fn parse(line: &str) -> Line {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Line::Empty;
    }
    if let Some(rest) = trimmed.strip_prefix("//") {
        return Line::Prompt(format!("/{rest}"));
    }
    let Some(command) = trimmed.strip_prefix('/') else {
        return Line::Prompt(line.to_string());
    };
    let (word, argument) = match command.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (command, ""),
    };
    let name = format!("/{word}");
    let Some(&(known, usage, _)) = COMMANDS.iter().find(|(n, _, _)| *n == name) else {
        return Line::Unknown { closest: closest(&name), word: name };
    };
    let misused = |message: String| Line::Misused { command: known, message, usage };
    let none = || (!argument.is_empty()).then(|| misused(format!("{known} takes no argument")));
    let command = match known {
        "/model" => Command::Model((!argument.is_empty()).then(|| argument.to_string())),
        "/system" => Command::System(setting(argument, |text| Ok::<_, ()>(text.to_string())).unwrap_or(Setting::Show)),
        "/temperature" => match setting(argument, crate::cli::parse_temperature) {
            Ok(setting) => Command::Temperature(setting),
            Err(e) => return misused(format!("/temperature: {e}")),
        },
        "/max-tokens" => match setting(argument, |n| n.parse::<u32>().ok().filter(|&n| n > 0).ok_or(())) {
            Ok(setting) => Command::MaxTokens(setting),
            Err(()) => return misused("/max-tokens: expected a whole number of tokens, 1 or more".into()),
        },
        "/forget" => match argument.parse::<usize>() {
            Ok(n) if n > 0 => Command::Forget(n),
            _ => return misused("/forget: how many of the oldest exchanges? e.g. /forget 2".into()),
        },
        "/save" if argument.is_empty() => return misused("/save: which file? e.g. /save notes.md".into()),
        "/save" => Command::Save(argument.to_string()),
        "/print" => match <Language as clap::ValueEnum>::from_str(argument, true) {
            Ok(language) => Command::Print(language),
            Err(_) => return misused("/print: which language? curl, python, typescript or http".into()),
        },
        _ => {
            if let Some(line) = none() {
                return line;
            }
            match known {
                "/new" => Command::New,
                "/retry" => Command::Retry,
                "/history" => Command::History,
                "/stats" => Command::Stats,
                "/help" => Command::Help,
                _ => Command::Exit,
            }
        }
    };
    Line::Command(command)
}

/// `""` shows, `-` clears, anything else is read by `value`.
fn setting<T, E>(argument: &str, value: impl Fn(&str) -> Result<T, E>) -> Result<Setting<T>, E> {
    Ok(match argument {
        "" => Setting::Show,
        "-" => Setting::Clear,
        text => Setting::Set(value(text)?),
    })
}

/// The command a mistyped `/word` was probably meant to be: one it begins, else one within two
/// edits.
fn closest(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    COMMANDS
        .iter()
        .map(|(n, _, _)| (!(lower.len() > 2 && n.starts_with(&lower)), strsim::levenshtein(&lower, n), *n))
        .filter(|(not_prefix, d, _)| !not_prefix || *d <= 2)
        .min()
        .map(|(_, _, n)| n)
}

/// The commands whose names start with `start` (TAB).
pub fn completing(start: &str) -> impl Iterator<Item = &'static str> + '_ {
    COMMANDS.iter().map(|(n, _, _)| *n).filter(move |n| n.starts_with(start))
}

/// The `/help` text.
pub fn help() -> String {
    let width = COMMANDS.iter().map(|(n, a, _)| n.len() + a.len() + 1).max().unwrap_or(0);
    let mut text = String::from("commands (TAB completes them):\n");
    for (name, argument, what) in COMMANDS {
        let head = if argument.is_empty() { name.to_string() } else { format!("{name} {argument}") };
        text.push_str(&format!("  {head:width$}  {what}\n"));
    }
    text.push_str(
        "a line of \"\"\" starts a block of several lines, ended by another \"\"\"; a pasted block is one prompt\n\
         a line that starts with // sends a prompt that starts with /\n\
         Ctrl-C stops an answer; Ctrl-D on an empty line, or /exit, leaves",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_and_the_double_slash() {
        assert_eq!(parse("  "), Line::Empty);
        assert_eq!(parse("what is RAG?"), Line::Prompt("what is RAG?".into()));
        assert_eq!(parse("//etc/hosts is what?"), Line::Prompt("/etc/hosts is what?".into()));
        // A prompt keeps its own spacing.
        assert_eq!(parse("  indented\nline"), Line::Prompt("  indented\nline".into()));
    }

    #[test]
    fn commands_and_their_arguments() {
        assert_eq!(parse("/model"), Line::Command(Command::Model(None)));
        assert_eq!(parse("/model  Omniva/Kimi-K2.5 "), Line::Command(Command::Model(Some("Omniva/Kimi-K2.5".into()))));
        assert_eq!(parse("/system Be brief."), Line::Command(Command::System(Setting::Set("Be brief.".into()))));
        assert_eq!(parse("/system -"), Line::Command(Command::System(Setting::Clear)));
        assert_eq!(parse("/system"), Line::Command(Command::System(Setting::Show)));
        assert_eq!(parse("/temperature 0.2"), Line::Command(Command::Temperature(Setting::Set(0.2))));
        assert_eq!(parse("/max-tokens 500"), Line::Command(Command::MaxTokens(Setting::Set(500))));
        assert_eq!(parse("/max-tokens -"), Line::Command(Command::MaxTokens(Setting::Clear)));
        assert_eq!(parse("/forget 2"), Line::Command(Command::Forget(2)));
        assert_eq!(parse("/save my notes.md"), Line::Command(Command::Save("my notes.md".into())));
        assert_eq!(parse("/print CURL"), Line::Command(Command::Print(Language::Curl)));
        assert_eq!(parse("/print ts"), Line::Command(Command::Print(Language::Typescript)));
        assert_eq!(parse("/exit"), Line::Command(Command::Exit));
    }

    #[test]
    fn wrong_arguments_say_what_is_expected() {
        for line in [
            "/temperature 3",
            "/temperature warm",
            "/max-tokens 0",
            "/forget",
            "/forget -1",
            "/save",
            "/print go",
            "/new now",
        ] {
            assert!(matches!(parse(line), Line::Misused { .. }), "{line}: {:?}", parse(line));
        }
    }

    #[test]
    fn an_unknown_command_names_the_closest() {
        assert_eq!(parse("/modle x"), Line::Unknown { word: "/modle".into(), closest: Some("/model") });
        assert_eq!(parse("/quit"), Line::Unknown { word: "/quit".into(), closest: Some("/exit") });
        assert_eq!(parse("/temp"), Line::Unknown { word: "/temp".into(), closest: Some("/temperature") });
        assert_eq!(parse("/xyzzy"), Line::Unknown { word: "/xyzzy".into(), closest: None });
    }

    #[test]
    fn help_lists_every_command_and_tab_completes_them() {
        let help = help();
        for (name, _, _) in COMMANDS {
            assert!(help.contains(name), "{name}");
        }
        assert_eq!(completing("/m").collect::<Vec<_>>(), ["/model", "/max-tokens"]);
    }
}
