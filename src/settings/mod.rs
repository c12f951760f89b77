//! Resolved settings: flags beat `OMNIVA_*` environment variables, which beat defaults. This is the
//! only module that reads the environment (including the colour and proxy variables) or asks whether
//! a stream is a terminal; everything else asks the `Settings` value.

mod proxy;
mod redact;
mod secret;

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use crate::cli::{ColorWhen, GlobalArgs};
use crate::defaults;

pub use proxy::{ProxyError, ProxyRules, ProxySpec};
pub use redact::{Redactor, StreamRedaction};
pub use secret::{KeyProblem, Secret};

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
        let columns = process_env("COLUMNS").and_then(|c| c.trim().parse::<usize>().ok()).filter(|&c| c > 0);
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
    pub fn from_process(args: &GlobalArgs) -> Display {
        Display::resolve(args, &process_env, Terminals::detect())
    }

    pub fn resolve(args: &GlobalArgs, env: &impl Fn(&str) -> Option<String>, terminals: Terminals) -> Display {
        let colors = Colors {
            stdout: color_enabled(args.color, env, terminals.stdout),
            stderr: color_enabled(args.color, env, terminals.stderr),
        };
        Display { terminals, colors }
    }
}

/// Extra CA certificates from `--ca-bundle` / `OMNIVA_CA_BUNDLE`.
#[derive(Debug, Clone)]
pub struct CaBundle {
    pub path: PathBuf,
    /// Parsed once; the HTTP client and doctor's verifier both take DER.
    pub ders: Vec<rustls::pki_types::CertificateDer<'static>>,
}

/// Where the conversation history lives, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryPlace {
    File(PathBuf),
    /// Turned off (`OMNIVA_HISTORY=off`), or no data directory could be found: the reason.
    Off(String),
}

/// Everything the commands need to know about their environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `None` when `OMNIVA_API_KEY` is unset or empty.
    pub key: Option<Secret>,
    pub base_url: Url,
    pub model: String,
    /// `OMNIVA_EMBEDDING_MODEL`, else the default: the embeddings model when `-m` names none.
    pub embedding_model: String,
    /// `-m` as given (`model` also holds `OMNIVA_MODEL`, a chat model `embed` must not take).
    pub model_flag: Option<String>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// The longest gap between two stream chunks.
    pub idle_timeout: Duration,
    pub retries: u32,
    pub max_wait: Duration,
    /// `OMNIVA_FALLBACK_MODELS`; chat's `--fallback-model` replaces it.
    pub fallback_models: Vec<String>,
    pub ca_bundle: Option<CaBundle>,
    pub proxies: ProxyRules,
    pub verbose: bool,
    pub display: Display,
    /// `OMNIVA_HISTORY`, else `history.db` in the platform's data directory.
    pub history: HistoryPlace,
}

/// A setting that cannot be used: exit code 3.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("OMNIVA_API_KEY is not set")]
    KeyMissing,
    #[error("{}", .0.describe())]
    KeyMalformed(KeyProblem),
    #[error("invalid base URL {value:?} (from {source_name}): {reason}")]
    BaseUrl { value: String, source_name: &'static str, reason: String },
    #[error("invalid {var} value {value:?}: {reason}")]
    Env { var: &'static str, value: String, reason: String },
    #[error("{var} is not valid UTF-8 (invalid byte at offset {offset}); set it again as plain text")]
    NotUnicode { var: String, offset: usize },
    #[error("cannot use CA bundle {}: {reason}", path.display())]
    CaBundle { path: PathBuf, reason: String },
    #[error(transparent)]
    Proxy(#[from] ProxyError),
}

impl Settings {
    /// Resolves the settings from the flags and the process environment.
    pub fn from_process(args: &GlobalArgs) -> Result<Settings, ConfigError> {
        check_unicode(std::env::vars_os())?;
        Settings::resolve(args, process_env, Terminals::detect())
    }

    /// Resolves the settings; `env` returns a variable's value when it is set and non-empty.
    pub fn resolve(
        args: &GlobalArgs,
        env: impl Fn(&str) -> Option<String>,
        terminals: Terminals,
    ) -> Result<Settings, ConfigError> {
        // An empty key counts as missing: `export OMNIVA_API_KEY=` is a common slip.
        let key = env("OMNIVA_API_KEY").map(Secret::new);

        let (base_value, source_name) = match (&args.base_url, env("OMNIVA_BASE_URL")) {
            (Some(flag), _) => (flag.clone(), "--base-url"),
            (None, Some(var)) => (var, "OMNIVA_BASE_URL"),
            (None, None) => (defaults::BASE_URL.to_string(), "the default"),
        };
        let base_url = parse_base_url(&base_value, source_name)?;

        let model = args.model.clone().or_else(|| env("OMNIVA_MODEL")).unwrap_or_else(|| defaults::MODEL.to_string());
        if model.trim().is_empty() {
            return Err(ConfigError::Env { var: "OMNIVA_MODEL", value: model, reason: "the model ID is blank".into() });
        }

        let embedding_model = env("OMNIVA_EMBEDDING_MODEL").unwrap_or_else(|| defaults::EMBEDDING_MODEL.to_string());

        let timeout = match (args.timeout, env("OMNIVA_TIMEOUT")) {
            (Some(secs), _) => secs,
            (None, Some(value)) => parse_env_secs("OMNIVA_TIMEOUT", &value)?,
            (None, None) => defaults::TIMEOUT_SECS as f64,
        };

        let ca_path = args.ca_bundle.clone().or_else(|| env("OMNIVA_CA_BUNDLE").map(PathBuf::from));
        let ca_bundle = ca_path.map(load_ca_bundle).transpose()?;

        let proxies = ProxyRules::from_env(&env)?;
        let display = Display::resolve(args, &env, terminals);
        let history = history_place(env("OMNIVA_HISTORY"));

        Ok(Settings {
            key,
            base_url,
            model,
            embedding_model,
            model_flag: args.model.clone(),
            connect_timeout: Duration::from_secs_f64(
                args.connect_timeout.unwrap_or(defaults::CONNECT_TIMEOUT_SECS as f64),
            ),
            timeout: Duration::from_secs_f64(timeout),
            idle_timeout: Duration::from_secs_f64(args.idle_timeout.unwrap_or(defaults::IDLE_TIMEOUT_SECS as f64)),
            retries: args.retries.unwrap_or(defaults::RETRIES),
            max_wait: Duration::from_secs_f64(args.max_wait.unwrap_or(defaults::MAX_WAIT_SECS as f64)),
            fallback_models: env("OMNIVA_FALLBACK_MODELS")
                .map(|v| v.split(',').map(str::trim).filter(|m| !m.is_empty()).map(str::to_string).collect())
                .unwrap_or_default(),
            ca_bundle,
            proxies,
            verbose: args.verbose,
            display,
            history,
        })
    }

    /// The key, checked: missing or malformed keys stop a command before any request is sent.
    pub fn require_key(&self) -> Result<&Secret, ConfigError> {
        let key = self.key.as_ref().ok_or(ConfigError::KeyMissing)?;
        match key.problem() {
            Some(problem) => Err(ConfigError::KeyMalformed(problem)),
            None => Ok(key),
        }
    }

    /// What to redact from shown text: the key and any proxy password. A key that is refused is
    /// never sent, so no server can echo it, and our own messages never quote it.
    pub fn redactor(&self) -> Redactor {
        let mut redactor = Redactor::none();
        if let Ok(key) = self.require_key() {
            redactor = redactor.with(key.expose(), key.masked());
        }
        for password in self.proxies.passwords() {
            redactor = redactor.with(&password, "****".into());
        }
        redactor
    }
}

/// `OMNIVA_HISTORY=off` turns history off, any other value is the file; unset, the file is
/// `tokenfactory/history.db` in the platform's data directory (`$XDG_DATA_HOME`, else
/// `~/.local/share`, on Linux; `~/Library/Application Support` on macOS).
fn history_place(value: Option<String>) -> HistoryPlace {
    use etcetera::BaseStrategy;
    match value {
        Some(v) if ["off", "0", "false", "no", "none"].contains(&v.trim().to_ascii_lowercase().as_str()) => {
            HistoryPlace::Off("OMNIVA_HISTORY=off".into())
        }
        Some(path) => HistoryPlace::File(PathBuf::from(path)),
        None => match etcetera::base_strategy::choose_native_strategy() {
            Ok(dirs) => HistoryPlace::File(dirs.data_dir().join("tokenfactory").join("history.db")),
            Err(_) => HistoryPlace::Off("no home directory to keep it in; set OMNIVA_HISTORY=/path/history.db".into()),
        },
    }
}

/// A variable's value when it is set and not empty.
fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// An `OMNIVA_*` variable that is not UTF-8 is an error naming it, not a variable silently unset.
fn check_unicode(vars: impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)>) -> Result<(), ConfigError> {
    for (name, value) in vars {
        let name = name.to_string_lossy();
        if !name.starts_with("OMNIVA_") {
            continue;
        }
        if let Err(value) = value.into_string() {
            #[cfg(unix)]
            let offset = {
                use std::os::unix::ffi::OsStrExt;
                std::str::from_utf8(value.as_bytes()).err().map_or(0, |e| e.valid_up_to())
            };
            #[cfg(not(unix))]
            let offset = value.to_string_lossy().find('\u{fffd}').unwrap_or(0);
            return Err(ConfigError::NotUnicode { var: name.into_owned(), offset });
        }
    }
    Ok(())
}

fn parse_base_url(value: &str, source_name: &'static str) -> Result<Url, ConfigError> {
    let err = |reason: String| ConfigError::BaseUrl { value: value.to_string(), source_name, reason };
    let mut url = Url::parse(value.trim()).map_err(|e| err(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(err(format!("the scheme must be https:// (or http://), not {}://", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(err("it has no host".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(err("it must not have a query or fragment".into()));
    }
    // Paths are joined as `{base}/chat/completions`, so keep the base without a trailing slash.
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    Ok(url)
}

fn parse_env_secs(var: &'static str, value: &str) -> Result<f64, ConfigError> {
    match value.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 1e9 => Ok(v),
        _ => Err(ConfigError::Env {
            var,
            value: value.to_string(),
            reason: "expected a positive number of seconds".into(),
        }),
    }
}

fn load_ca_bundle(path: PathBuf) -> Result<CaBundle, ConfigError> {
    let err = |reason: String| ConfigError::CaBundle { path: path.clone(), reason };
    let pem = std::fs::read(&path).map_err(|e| err(e.to_string()))?;
    use rustls::pki_types::pem::PemObject;
    let ders = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(format!("not a PEM bundle ({e})")))?;
    if ders.is_empty() {
        return Err(err("it holds no PEM certificates (-----BEGIN CERTIFICATE-----)".into()));
    }
    Ok(CaBundle { path, ders })
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
    use clap::Parser;
    use std::ffi::OsString;

    fn resolve(flags: &[&str], vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut argv = vec!["tokenfactory"];
        argv.extend_from_slice(flags);
        argv.extend_from_slice(&["chat", "hi"]);
        let cli = crate::cli::Cli::try_parse_from(argv).expect("valid flags");
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::resolve(
            &cli.global,
            |n| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()),
            Terminals::default(),
        )
    }

    #[test]
    fn defaults_apply_without_flags_or_env() {
        let s = resolve(&[], &[]).expect("settings");
        assert_eq!(s.base_url.as_str(), "https://api.tokenfactory.omniva.com/v1");
        assert_eq!(s.model, "Omniva/Kimi-K2.6");
        assert_eq!(s.timeout, Duration::from_secs(600));
        assert_eq!(s.connect_timeout, Duration::from_secs(10));
    }

    #[test]
    fn flags_beat_env_and_env_beats_defaults() {
        let env = [("OMNIVA_MODEL", "env/model"), ("OMNIVA_BASE_URL", "http://env:1/v1/"), ("OMNIVA_TIMEOUT", "5")];
        let s = resolve(&[], &env).expect("settings");
        assert_eq!(
            (s.model.as_str(), s.base_url.as_str(), s.timeout),
            ("env/model", "http://env:1/v1", Duration::from_secs(5))
        );
        let s =
            resolve(&["-m", "flag/model", "--base-url", "http://flag:2/v1", "--timeout", "7"], &env).expect("settings");
        assert_eq!(
            (s.model.as_str(), s.base_url.as_str(), s.timeout),
            ("flag/model", "http://flag:2/v1", Duration::from_secs(7))
        );
    }

    #[test]
    fn invalid_values_are_config_errors() {
        assert!(matches!(
            resolve(&[], &[("OMNIVA_TIMEOUT", "soon")]),
            Err(ConfigError::Env { var: "OMNIVA_TIMEOUT", .. })
        ));
        assert!(matches!(resolve(&["--base-url", "ftp://x/v1"], &[]), Err(ConfigError::BaseUrl { .. })));
        assert!(matches!(
            resolve(&[], &[("OMNIVA_BASE_URL", "not a url")]),
            Err(ConfigError::BaseUrl { source_name: "OMNIVA_BASE_URL", .. })
        ));
        assert!(matches!(resolve(&["--ca-bundle", "/nonexistent/ca.pem"], &[]), Err(ConfigError::CaBundle { .. })));
    }

    #[test]
    fn an_omniva_variable_that_is_not_utf8_is_named_with_its_offset() {
        use std::os::unix::ffi::OsStringExt;
        let vars = vec![
            (OsString::from("PATH"), OsString::from_vec(b"\xff".to_vec())),
            (OsString::from("OMNIVA_MODEL"), OsString::from_vec(b"ab\xffc".to_vec())),
        ];
        let err = check_unicode(vars.into_iter()).expect_err("not UTF-8");
        assert_eq!(
            err.to_string(),
            "OMNIVA_MODEL is not valid UTF-8 (invalid byte at offset 2); set it again as plain text"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_in_the_key_variable_give_a_clean_error_or_a_checked_key(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            use std::os::unix::ffi::OsStringExt;
            let value = OsString::from_vec(bytes.clone());
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            let message = match check_unicode(std::iter::once((OsString::from("OMNIVA_API_KEY"), value))) {
                Err(e) => e.to_string(),
                Ok(()) => match resolve(&[], &[("OMNIVA_API_KEY", &lossy)]).map(|s| s.require_key().map(|_| ()).err()) {
                    Ok(Some(e)) => e.to_string(),
                    _ => String::new(),
                },
            };
            if lossy.chars().count() >= 10 {
                proptest::prop_assert!(!message.contains(&lossy), "{}", message);
            }
        }
    }

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
