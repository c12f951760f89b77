//! `tokenfactory completions SHELL`: scripts generated from the command definition. bash, zsh and
//! fish scripts also complete model IDs after `-m`/`--model` and `--fallback-model` by calling
//! `tokenfactory models` (only when a key is set, bounded to about 2 seconds); nothing else calls
//! it, so other completions stay instant.

use crate::report::Result;
use clap_complete::Shell;

use crate::output::Ui;
use crate::report::Exit;

/// The command that lists model IDs at completion time: bounded, quiet, never retried.
const LIST_MODELS: &str = "tokenfactory models --connect-timeout 2 --timeout 2 --retries 0 2>/dev/null";

pub fn run(ui: &Ui, shell: Shell) -> Result<Exit> {
    ui.data(&script(shell))?;
    Ok(Exit::Ok)
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut crate::cli::command(), "tokenfactory", &mut buf);
    let generated = String::from_utf8_lossy(&buf).into_owned();
    match shell {
        Shell::Bash => bash(generated),
        Shell::Zsh => zsh(generated),
        Shell::Fish => fish(generated),
        _ => generated,
    }
}

/// bash: the generated `--model`/`-m` branches complete files; make them complete model IDs. The
/// IDs are data: each is compared with the word typed as a string (`compgen -W` would expand
/// `$(…)` and backticks in them) and inserted quoted (`printf %q`), so no ID a server sends ever
/// runs.
fn bash(generated: String) -> String {
    let helper = format!(
        "__tokenfactory_models() {{\n    [ -n \"${{OMNIVA_API_KEY:-}}\" ] || return 0\n    local id\n    COMPREPLY=()\n    while IFS= read -r id; do\n        [[ -n \"$id\" && \"$id\" == \"$cur\"* ]] && COMPREPLY+=(\"$(printf '%q' \"$id\")\")\n    done < <({LIST_MODELS})\n}}\n\n"
    );
    let mut out = String::with_capacity(generated.len() + helper.len());
    out.push_str(&helper);
    let mut lines = generated.lines().peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let t = line.trim();
        if t == "--model)" || t == "-m)" || t == "--fallback-model)" {
            // The next line is the generated file completion for the option's value.
            if let Some(next) = lines.peek()
                && next.contains("COMPREPLY=($(compgen -f")
            {
                let indent: String = next.chars().take_while(|c| c.is_whitespace()).collect();
                out.push_str(&format!("{indent}__tokenfactory_models\n"));
                lines.next();
            }
        }
    }
    out
}

/// zsh: `-m`/`--model`/`--fallback-model` values come from a helper instead of `_default` (other
/// options whose value is an ID, such as `--conversation`, keep theirs). `compadd -a` takes the
/// IDs as words and quotes them when it inserts one: nothing in them is expanded.
fn zsh(generated: String) -> String {
    let helper = format!(
        "\n(( $+functions[_tokenfactory_models] )) ||\n_tokenfactory_models() {{\n    [[ -n \"${{OMNIVA_API_KEY:-}}\" ]] || return 1\n    local -a ids\n    ids=(${{(f)\"$({LIST_MODELS})\"}})\n    compadd -a ids\n}}\n"
    );
    let model_option =
        |line: &str| ["'-m+[", "'--model=[", "'*--fallback-model=["].iter().any(|o| line.trim_start().starts_with(o));
    let replaced = map_lines(&generated, |line| {
        if model_option(line) { line.replace(":ID:_default'", ":ID:_tokenfactory_models'") } else { line.to_string() }
    });
    // Define the helper before the final `compdef`/entry point lines run.
    match replaced.find("\nif [ \"$funcstack[1]\" = \"_tokenfactory\" ]") {
        Some(at) => format!("{}{helper}{}\n", &replaced[..at], &replaced[at..]),
        None => format!("{replaced}\n{helper}"),
    }
}

/// fish: model IDs for `-m`/`--model`, from a function that does nothing without a key.
fn fish(generated: String) -> String {
    let helper = format!(
        "function __tokenfactory_models\n    set -q OMNIVA_API_KEY; or return\n    test -n \"$OMNIVA_API_KEY\"; or return\n    {LIST_MODELS}\nend\n\n"
    );
    let replaced = map_lines(&generated, |line| {
        if (line.contains(" -l model ") || line.contains(" -l fallback-model ")) && line.ends_with(" -r") {
            format!("{line} -f -a \"(__tokenfactory_models)\"")
        } else {
            line.to_string()
        }
    });
    format!("{helper}{replaced}\n")
}

/// Rewrites a script line by line.
fn map_lines(script: &str, rewrite: impl Fn(&str) -> String) -> String {
    script.lines().map(rewrite).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_zsh_and_fish_complete_model_ids_from_the_catalog() {
        let bash = script(Shell::Bash);
        // Every -m/--model/--fallback-model branch (for each subcommand that has them) calls the helper.
        let lines: Vec<&str> = bash.lines().map(str::trim).collect();
        for branch in ["--model)", "-m)", "--fallback-model)"] {
            let at: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == branch).collect();
            assert!(!at.is_empty(), "{branch} in the bash script");
            for i in at {
                assert_eq!(lines.get(i + 1), Some(&"__tokenfactory_models"), "{branch} at line {i}");
            }
        }
        assert!(!bash.contains("--model)\n                    COMPREPLY=($(compgen -f"));
        let zsh = script(Shell::Zsh);
        assert!(zsh.contains(
            "'--model=[Model ID \\[env\\: OMNIVA_MODEL\\] \\[default\\: Omniva/Kimi-K2.6\\]]:ID:_tokenfactory_models'"
        ));
        assert!(
            !zsh.lines().any(|l| (l.contains("'--model=[") || l.contains("'-m+[")) && l.contains(":ID:_default'")),
            "no model option is left completing files"
        );
        assert!(
            zsh.contains("--conversation=[")
                && !zsh.lines().any(|l| l.contains("--conversation=[") && l.contains("_tokenfactory_models")),
            "conversation IDs are not model IDs"
        );
        let fish = script(Shell::Fish);
        assert!(fish.contains("-l model -d 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]' -r -f -a \"(__tokenfactory_models)\""));
    }
}
