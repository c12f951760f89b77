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

/// The source files under `dir`, but the test modules kept in files of their own (`tests.rs`).
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && path.file_name().is_some_and(|n| n != "tests.rs") {
            out.push(path);
        }
    }
}

/// The code lines of a file, numbered from 1: comments and every item marked `#[cfg(test)]`
/// (a test module, or one function) are left out; the code after such an item is read.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).expect("source file");
    without_test_items(&text)
}

fn without_test_items(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        if line.trim() == "#[cfg(test)]" {
            skip_item(&mut lines);
            continue;
        }
        if !line.trim_start().starts_with("//") {
            out.push((i + 1, line.to_string()));
        }
    }
    out
}

/// Skips the item that follows an attribute: up to its `;` (`mod tests;`) or the brace that
/// closes its body.
fn skip_item<'a>(lines: &mut impl Iterator<Item = (usize, &'a str)>) {
    let mut depth = 0i32;
    let mut opened = false;
    for (_, line) in lines.by_ref() {
        let code = line.split("//").next().unwrap_or_default();
        for c in code.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        let attribute = line.trim_start().starts_with("#[");
        if !attribute && ((opened && depth <= 0) || (!opened && code.trim_end().ends_with(';'))) {
            return;
        }
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

/// The module path of a source file: `src/commands/embed/lines.rs` is `commands::embed::lines`,
/// `src/api/mod.rs` is `api`.
fn module_path(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(root().join("src")).unwrap_or(file);
    let mut parts: Vec<String> =
        relative.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "main") {
        parts.pop();
    }
    parts
}

/// Every top-level module a line names, through `crate::NAME` (also in `use crate::{a, b}`
/// groups) or through `super::` paths that climb to the crate root (`super::super::output`),
/// seen from the file at module path `at`.
fn imported_modules_from(line: &str, at: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let first_names = |rest: &str| -> Vec<String> {
        match rest.strip_prefix('{') {
            Some(group) => {
                let group = group.split('}').next().unwrap_or_default();
                group.split(',').map(|p| p.trim().split("::").next().unwrap_or_default().to_string()).collect()
            }
            None => vec![rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()],
        }
    };
    for (start, _) in line.match_indices("crate::") {
        found.extend(first_names(&line[start + "crate::".len()..]));
    }
    let mut from = 0;
    while let Some(start) = line[from..].find("super::").map(|s| s + from) {
        let preceded = line[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        let mut rest = &line[start..];
        let mut ups = 0;
        while let Some(after) = rest.strip_prefix("super::") {
            ups += 1;
            rest = after;
        }
        from = line.len() - rest.len();
        if preceded {
            continue;
        }
        // Each `super` climbs one module; a path that reaches the crate root names a top-level module.
        if ups >= at.len() {
            found.extend(first_names(rest));
        } else if let Some(top) = at.first() {
            found.push(top.clone());
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

/// Every `crate::NAME` a line names, including `use crate::{a, b}` groups.
fn imported_modules(line: &str) -> Vec<String> {
    imported_modules_from(line, &[])
}

fn violations_of_imports() -> Vec<String> {
    let rules = never_imports();
    assert!(rules.len() >= 8, "ARCHITECTURE.md lists the Never imports rules of every module: {rules:?}");
    let mut found = Vec::new();
    for (module, forbidden) in rules {
        let files = files_of(&module);
        assert!(!files.is_empty(), "ARCHITECTURE.md names `{module}`, which has no source in src/");
        for file in files {
            let at = module_path(&file);
            for (n, line) in code_lines(&file) {
                for imported in imported_modules_from(&line, &at) {
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
        // `temp_dir()` reads TMPDIR.
        &["env::var", "env::vars", "var_os(", "temp_dir("],
        &[],
        "only settings/ reads environment variables",
    );
    assert!(found.is_empty(), "\n{}\n", found.join("\n"));
}

#[test]
fn layers_the_import_scanner_sees_grouped_nested_and_relative_paths() {
    assert_eq!(imported_modules("use crate::output::{Ui, Tone};"), ["output"]);
    assert_eq!(imported_modules("use crate::{explain, output::Ui};"), ["explain", "output"]);
    assert_eq!(imported_modules("let x = crate::report::Exit::Ok; crate::cli::Cli::command()"), ["report", "cli"]);
    let embed_lines: Vec<String> = ["commands", "embed", "lines"].iter().map(|s| s.to_string()).collect();
    assert_eq!(imported_modules_from("use super::super::bulk;", &embed_lines), ["commands"]);
    assert_eq!(imported_modules_from("use super::super::super::output::Ui;", &embed_lines), ["output"]);
    let api_client: Vec<String> = ["api", "client"].iter().map(|s| s.to_string()).collect();
    assert_eq!(imported_modules_from("use super::super::{cli, output::Ui};", &api_client), ["cli", "output"]);
    assert_eq!(imported_modules_from("use super::error::ApiError;", &api_client), ["api"]);
}

#[test]
fn layers_an_item_marked_for_tests_hides_only_itself() {
    let text = "use crate::a;\n#[cfg(test)]\nfn helper() {\n    crate::b::x();\n}\nuse crate::c;\n#[cfg(test)]\nmod tests;\nuse crate::d;\n#[cfg(test)]\nmod tests {\n    use crate::e;\n}\n";
    let seen: Vec<String> = without_test_items(text).iter().flat_map(|(_, l)| imported_modules(l)).collect();
    assert_eq!(seen, ["a", "c", "d"]);
}
