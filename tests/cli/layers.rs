//! The layers of ARCHITECTURE.md, held by reading `src/` as text: a module never imports what its
//! **Never imports:** line forbids, nothing outside `output`, `report` and `main.rs` writes to the
//! terminal, and nothing outside `settings` reads the environment. Each failure names the rule, the
//! file and the line.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Each module of the code map with the modules it must never import, read from ARCHITECTURE.md.
fn never_imports() -> Vec<(String, Vec<String>)> {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut rules = Vec::new();
    let mut modules: Vec<String> = Vec::new();
    for line in doc.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            modules = backticked(heading)
                .into_iter()
                .map(|m| m.trim_end_matches(".rs").trim_end_matches('/').to_string())
                .collect();
        } else if let Some(list) = line.strip_prefix("**Never imports:**") {
            for module in &modules {
                rules.push((module.clone(), backticked(list)));
            }
        }
    }
    rules
}

fn backticked(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

/// The source files of a module: `src/NAME.rs` or everything under `src/NAME/`.
fn files_of(module: &str) -> Vec<PathBuf> {
    let file = root().join("src").join(format!("{module}.rs"));
    if file.exists() {
        return vec![file];
    }
    let mut out = Vec::new();
    collect(&root().join("src").join(module), &mut out);
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of a file before its `#[cfg(test)]` part, numbered from 1.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).expect("source file");
    text.lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

/// Every `crate::NAME` a line names, including `use crate::{a, b}` groups.
fn imported_modules(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in line.match_indices("crate::") {
        let rest = &line[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or_default();
            found.extend(group.split(',').map(|p| p.trim().split("::").next().unwrap_or_default().to_string()));
        } else {
            found.push(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
        }
    }
    found
}

fn violations_of_imports() -> Vec<String> {
    let rules = never_imports();
    assert!(rules.len() >= 8, "ARCHITECTURE.md lists the Never imports rules of every module: {rules:?}");
    let mut found = Vec::new();
    for (module, forbidden) in rules {
        let files = files_of(&module);
        assert!(!files.is_empty(), "ARCHITECTURE.md names `{module}`, which has no source in src/");
        for file in files {
            for (n, line) in code_lines(&file) {
                for imported in imported_modules(&line) {
                    if forbidden.contains(&imported) {
                        found.push(format!(
                            "ARCHITECTURE.md: `{module}` must never import `{imported}` — {}:{n}: {}",
                            relative(&file),
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    found
}

/// Files outside `exempt` (paths under src/) that use any of `needles`, with a rule name.
fn uses_outside(exempt: &[&str], needles: &[&str], allowed: &[&str], rule: &str) -> Vec<String> {
    let mut files = Vec::new();
    collect(&root().join("src"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let rel = relative(&file);
        if exempt.iter().any(|e| rel.starts_with(e)) {
            continue;
        }
        for (n, line) in code_lines(&file) {
            if needles.iter().any(|needle| line.contains(needle)) && !allowed.iter().any(|a| line.contains(a)) {
                found.push(format!("{rule} — {rel}:{n}: {}", line.trim()));
            }
        }
    }
    found
}

#[test]
fn layers_no_module_imports_what_architecture_md_forbids() {
    let found = violations_of_imports();
    assert!(found.is_empty(), "\n{}\n", found.join("\n"));
}

#[test]
fn layers_only_output_report_and_main_write_to_the_terminal() {
    let found = uses_outside(
        &["src/output/", "src/report.rs", "src/main.rs"],
        &["println!", "print!(", "eprintln!", "eprint!(", "dbg!(", "stdout()", "stderr()"],
        // settings asks whether the streams are terminals; asking is not writing.
        &[".is_terminal()", "terminal_size_of("],
        "only output/, report.rs and main.rs write to the terminal",
    );
    assert!(found.is_empty(), "\n{}\n", found.join("\n"));
}

#[test]
fn layers_only_settings_reads_the_environment() {
    let found = uses_outside(
        &["src/settings/"],
        &["env::var", "env::vars", "var_os("],
        &[],
        "only settings/ reads environment variables",
    );
    assert!(found.is_empty(), "\n{}\n", found.join("\n"));
}

#[test]
fn layers_the_import_scanner_sees_grouped_and_nested_paths() {
    assert_eq!(imported_modules("use crate::output::{Ui, Tone};"), ["output"]);
    assert_eq!(imported_modules("use crate::{explain, output::Ui};"), ["explain", "output"]);
    assert_eq!(imported_modules("let x = crate::report::Exit::Ok; crate::cli::Cli::command()"), ["report", "cli"]);
}
