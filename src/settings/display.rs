//! How output can look: which standard streams are terminals, how wide the terminal is, and which
//! streams get colours. Resolved once, before anything else, so even an error in the other
//! settings is reported under the user's colour rules.

use crate::cli::ColorWhen;

/// Which of the standard streams are terminals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminals {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    /// Columns of the stdout terminal (`COLUMNS` overrides; 80 when unknown).
    pub width: usize,
}

impl Terminals {
    pub fn detect() -> Terminals {
        use std::io::IsTerminal;
        let measured = terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0));
        let columns = super::process_env("COLUMNS").and_then(|c| c.trim().parse::<usize>().ok()).filter(|&c| c > 0);
        Terminals {
            stdin: std::io::stdin().is_terminal(),
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
            width: columns.or(measured).unwrap_or(80),
        }
    }
}

impl Default for Terminals {
    fn default() -> Terminals {
        Terminals { stdin: false, stdout: false, stderr: false, width: 80 }
    }
}

/// Whether to colour each output stream, decided once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Colors {
    pub stdout: bool,
    pub stderr: bool,
}

/// How output can look: which streams are terminals and which get colours. Resolved on its own,
/// so that even an error in the other settings is reported under the user's colour rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Display {
    pub terminals: Terminals,
    pub colors: Colors,
}

impl Display {
    pub fn from_process(color: ColorWhen) -> Display {
        Display::resolve(color, &super::process_env, Terminals::detect())
    }

    pub fn resolve(color: ColorWhen, env: &impl Fn(&str) -> Option<String>, terminals: Terminals) -> Display {
        let colors = Colors {
            stdout: color_enabled(color, env, terminals.stdout),
            stderr: color_enabled(color, env, terminals.stderr),
        };
        Display { terminals, colors }
    }
}

/// The colour rule of the design: `--color` decides; with `auto`, a non-empty `NO_COLOR` turns colour
/// off (no-color.org), else a non-empty `CLICOLOR_FORCE` turns it on, else a terminal that is not
/// `TERM=dumb` gets colour.
fn color_enabled(when: ColorWhen, env: &impl Fn(&str) -> Option<String>, is_terminal: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            if env("NO_COLOR").is_some() {
                false
            } else if env("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                true
            } else {
                is_terminal && env("TERM").as_deref() != Some("dumb")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_no_color_then_clicolor_force_then_terminal() {
        let on = |when, vars: &[(&str, &str)], tty| {
            let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            color_enabled(when, &|n: &str| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()), tty)
        };
        assert!(on(ColorWhen::Auto, &[], true));
        assert!(!on(ColorWhen::Auto, &[], false));
        assert!(!on(ColorWhen::Auto, &[("NO_COLOR", "1")], true));
        assert!(on(ColorWhen::Auto, &[("CLICOLOR_FORCE", "1")], false));
        assert!(!on(ColorWhen::Auto, &[("TERM", "dumb")], true));
        assert!(on(ColorWhen::Always, &[("NO_COLOR", "1")], false));
        assert!(!on(ColorWhen::Never, &[], true));
    }
}
