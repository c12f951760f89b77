//! Resolved settings: flags beat `OMNIVA_*` environment variables, which beat defaults, decided
//! here once for the command at hand (its model and fallbacks, sampling, timeouts), so no command
//! reads a flag that is a setting. This is the only module that reads the environment (including
//! the colour and proxy variables) or asks whether a stream is a terminal.

mod display;
mod proxy;
mod redact;
mod secret;

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use crate::cli::{Cli, Command, SamplingArgs};
use crate::defaults;

pub use display::Display;
pub use proxy::{ProxyError, ProxyRules, ProxySpec};
pub use redact::{Redactor, StreamRedaction};
pub use secret::{KeyProblem, Secret};

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

/// What a chat request asks of the model besides the prompt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sampling {
    pub system: Option<String>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
}

/// Everything the commands need to know about their environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `None` when `OMNIVA_API_KEY` is unset or empty.
    pub key: Option<Secret>,
    pub base_url: Url,
    /// The model this command asks: `-m`, else `OMNIVA_MODEL` (`embed`: `OMNIVA_EMBEDDING_MODEL`),
    /// else the default.
    pub model: String,
    /// The models tried after `model` when it is unavailable: `--fallback-model`, else
    /// `OMNIVA_FALLBACK_MODELS`; never `model` itself, no repeats.
    pub fallback_models: Vec<String>,
    /// The embeddings model of requests that name none: `OMNIVA_EMBEDDING_MODEL`, else the default
    /// (`embed`'s `-m` is already in `model`).
    pub embedding_model: String,
    pub sampling: Sampling,
    pub connect_timeout: Duration,
    /// `--timeout`: a whole request, or a stream's first content.
    pub timeout: Duration,
    /// The longest gap between two pieces of a streamed answer.
    pub idle_timeout: Duration,
    pub retries: u32,
    pub max_wait: Duration,
    pub ca_bundle: Option<CaBundle>,
    pub proxies: ProxyRules,
    pub verbose: bool,
    pub display: Display,
    /// `OMNIVA_HISTORY`, else `history.db` in the platform's data directory.
    pub history: HistoryPlace,
    /// Where private temporary files go (`TMPDIR`, else `/tmp`): stdin spooled for a batch.
    pub temp_dir: PathBuf,
    /// The user's home directory (`HOME`, else `USERPROFILE`), for a path typed as `~/…`.
    pub home: Option<PathBuf>,
}

impl Settings {
    /// The model, then the fallbacks.
    pub fn model_chain(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.model.as_str()).chain(self.fallback_models.iter().map(String::as_str))
    }

    /// Where the interactive session keeps the prompts typed in it, for the up arrow of the next
    /// session: beside the history file (`history.prompts`); `None` when history is off.
    pub fn prompts_file(&self) -> Option<PathBuf> {
        match &self.history {
            HistoryPlace::File(path) => Some(path.with_extension("prompts")),
            HistoryPlace::Off(_) => None,
        }
    }

    /// A path the user typed (not through a shell): a leading `~/` is the home directory.
    pub fn user_path(&self, typed: &str) -> PathBuf {
        match (typed.strip_prefix("~/"), &self.home) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(typed),
        }
    }
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
    /// Resolves the settings of `cli`'s command from its flags and the process environment;
    /// `display` was resolved first, on its own.
    pub fn from_process(cli: &Cli, display: Display) -> Result<Settings, ConfigError> {
        check_unicode(std::env::vars_os())?;
        Settings::resolve(cli, process_env, display)
    }

    /// Resolves the settings; `env` returns a variable's value when it is set and non-empty.
    pub fn resolve(cli: &Cli, env: impl Fn(&str) -> Option<String>, display: Display) -> Result<Settings, ConfigError> {
        let network = cli.command.network().map_or_else(|| cli.network.clone(), |n| n.or(&cli.network));
        let choice = Choice::of(&cli.command);
        // An empty key counts as missing: `export OMNIVA_API_KEY=` is a common slip.
        let key = env("OMNIVA_API_KEY").map(Secret::new);

        let (base_value, source_name) = match (&network.base_url, env("OMNIVA_BASE_URL")) {
            (Some(flag), _) => (flag.clone(), "--base-url"),
            (None, Some(var)) => (var, "OMNIVA_BASE_URL"),
            (None, None) => (defaults::BASE_URL.to_string(), "the default"),
        };
        let base_url = parse_base_url(&base_value, source_name)?;

        let embedding_model = env("OMNIVA_EMBEDDING_MODEL").unwrap_or_else(|| defaults::EMBEDDING_MODEL.to_string());
        let (model, fallback_models) = choice.models(&env, &embedding_model)?;

        let timeout = match (network.timeout, env("OMNIVA_TIMEOUT")) {
            (Some(secs), _) => secs,
            (None, Some(value)) => crate::time_text::parse_positive_secs(&value).ok_or_else(|| ConfigError::Env {
                var: "OMNIVA_TIMEOUT",
                value: value.clone(),
                reason: "expected a positive number of seconds".into(),
            })?,
            (None, None) => defaults::TIMEOUT_SECS as f64,
        };
        let secs_or = |flag: Option<f64>, default: u64| Duration::from_secs_f64(flag.unwrap_or(default as f64));

        let ca_path = network.ca_bundle.clone().or_else(|| env("OMNIVA_CA_BUNDLE").map(PathBuf::from));
        let ca_bundle = ca_path.map(load_ca_bundle).transpose()?;

        Ok(Settings {
            key,
            base_url,
            model,
            fallback_models,
            embedding_model,
            sampling: choice.sampling,
            connect_timeout: secs_or(network.connect_timeout, defaults::CONNECT_TIMEOUT_SECS),
            timeout: Duration::from_secs_f64(timeout),
            idle_timeout: secs_or(network.idle_timeout, defaults::IDLE_TIMEOUT_SECS),
            retries: network.retries.unwrap_or(defaults::RETRIES),
            max_wait: secs_or(network.max_wait, defaults::MAX_WAIT_SECS),
            ca_bundle,
            proxies: ProxyRules::from_env(&env)?,
            verbose: network.verbose,
            display,
            history: history_place(env("OMNIVA_HISTORY")),
            temp_dir: std::env::temp_dir(),
            home: env("HOME").or_else(|| env("USERPROFILE")).map(PathBuf::from),
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
    let trimmed = value.trim();
    let parsed = Url::parse(trimmed);
    // Never quote a password back: the URL is shown with it masked.
    let shown = match &parsed {
        Ok(url) if url.password().is_some() => {
            let mut masked = url.clone();
            let _ = masked.set_password(Some("****"));
            masked.to_string()
        }
        _ => value.to_string(),
    };
    let err = |reason: String| ConfigError::BaseUrl { value: shown.clone(), source_name, reason };
    if !trimmed.contains("://") {
        let local = ["localhost", "127.", "[::1]"].iter().any(|l| trimmed.starts_with(l));
        let example = if local { format!("http://{trimmed}") } else { format!("https://{trimmed}") };
        return Err(err(format!("it has no scheme: add https:// (or http:// for a local server), e.g. {example}")));
    }
    let mut url = parsed.map_err(|e| err(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(err(format!("the scheme must be https:// (or http://), not {}://", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(err("it has no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(err(
            "it holds a user name or password, which would replace the API key (sent as a Bearer token); \
             put the key in OMNIVA_API_KEY and leave credentials out of the URL (a proxy's go in HTTPS_PROXY)"
                .into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(err("it must not have a query or fragment".into()));
    }
    // Paths are joined as `{base}/chat/completions`, so keep the base without a trailing slash.
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    Ok(url)
}

/// What the command line says about the model and the request, whichever command it is.
struct Choice<'a> {
    model: Option<String>,
    /// `Some` for the commands that fall back (`--fallback-model` as given).
    fallbacks: Option<&'a [String]>,
    sampling: Sampling,
    /// The command asks for embeddings (`embed`): its model is an embeddings model.
    embeddings: bool,
}

impl<'a> Choice<'a> {
    /// The model this command asks (`embedding_model` when it is `embed` and `-m` names none),
    /// and its fallbacks: the flag's, else `OMNIVA_FALLBACK_MODELS`, without the model or repeats.
    fn models(
        &self,
        env: &impl Fn(&str) -> Option<String>,
        embedding_model: &str,
    ) -> Result<(String, Vec<String>), ConfigError> {
        let (model, var) = if self.embeddings {
            (self.model.clone().unwrap_or_else(|| embedding_model.to_string()), "OMNIVA_EMBEDDING_MODEL")
        } else {
            let model = self.model.clone().or_else(|| env("OMNIVA_MODEL"));
            (model.unwrap_or_else(|| defaults::MODEL.to_string()), "OMNIVA_MODEL")
        };
        if model.trim().is_empty() {
            return Err(ConfigError::Env { var, value: model, reason: "the model ID is blank".into() });
        }
        let listed = match self.fallbacks {
            Some(flags) if !flags.is_empty() => flags.to_vec(),
            Some(_) => {
                env("OMNIVA_FALLBACK_MODELS").map(|v| v.split(',').map(str::to_string).collect()).unwrap_or_default()
            }
            None => Vec::new(),
        };
        let mut fallbacks: Vec<String> = Vec::new();
        for m in listed.iter().map(|m| m.trim()).filter(|m| !m.is_empty() && *m != model) {
            if !fallbacks.iter().any(|f| f == m) {
                fallbacks.push(m.to_string());
            }
        }
        Ok((model, fallbacks))
    }

    fn of(command: &'a Command) -> Choice<'a> {
        let sampling = |s: &SamplingArgs| Sampling {
            system: s.system.clone(),
            temperature: s.temperature,
            max_tokens: s.max_tokens,
        };
        let none = Choice { model: None, fallbacks: None, sampling: Sampling::default(), embeddings: false };
        match command {
            Command::Chat(a) => Choice {
                model: a.model.model.clone(),
                fallbacks: Some(&a.fallback.fallback_models),
                sampling: sampling(&a.sampling),
                embeddings: false,
            },
            Command::Batch(crate::cli::BatchArgs { action: crate::cli::BatchAction::Run(a) }) => Choice {
                model: a.model.model.clone(),
                fallbacks: Some(&a.fallback.fallback_models),
                sampling: sampling(&a.sampling),
                embeddings: false,
            },
            Command::Embed(a) => Choice { model: a.model.clone(), embeddings: true, ..none },
            Command::Doctor(a) => Choice { model: a.model.model.clone(), ..none },
            _ => none,
        }
    }
}

/// Network options given before a command that does not use them (`tokenfactory --timeout 5
/// history`): the first one's name.
pub fn unused_network_option(cli: &Cli) -> Option<&'static str> {
    cli.command.network().is_none().then(|| cli.network.first_given()).flatten()
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

#[cfg(test)]
mod tests;
