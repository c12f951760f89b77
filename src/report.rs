//! The one error sink: turns any error into the message on stderr (`tokenfactory: error: …`, the
//! cause chain, the server's request id, then the case's hints) and the documented exit code.

use std::process::ExitCode;

use crate::answer_schema::Mismatch;
use crate::api::{ApiError, Case};
use crate::explain::{self, Facts};
use crate::history::HistoryError;
use crate::jobs::results::ResultsError;
use crate::output::Ui;
use crate::settings::ConfigError;

/// The exit codes of the design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    Failure = 1,
    Usage = 2,
    Config = 3,
    Auth = 4,
    BadRequest = 5,
    RateLimited = 6,
    Server = 7,
    Network = 8,
    StreamCut = 9,
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// Everything that can end a command, as one type: each kind maps to its exit code in
/// [`Error::exit`], one exhaustive match the compiler checks.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Usage(#[from] UsageError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Api(Box<ApiFailure>),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error(transparent)]
    Schema(#[from] Mismatch),
    /// Ctrl-C: main re-raises SIGINT once the output is tidied.
    #[error("interrupted")]
    Interrupted,
    /// A local read or write that failed (a closed stdout is success).
    #[error(transparent)]
    Io(IoFailure),
    /// A run of many requests the rate limit or quota stopped (exit 6).
    #[error("{message}")]
    RateLimited { message: String, hint: String },
    /// Anything else, in words.
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Error {
        Error::Io(IoFailure { what: None, source })
    }
}

/// A read or write that failed: what was being done, when that says more than the error itself.
#[derive(Debug)]
pub struct IoFailure {
    what: Option<String>,
    source: std::io::Error,
}

impl std::fmt::Display for IoFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.what {
            Some(what) => f.write_str(what),
            None => write!(f, "{}", self.source),
        }
    }
}

impl std::error::Error for IoFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.what.as_ref().map(|_| &self.source as &(dyn std::error::Error + 'static))
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Error {
        Error::Api(Box::new(ApiFailure { error, suggestions: Vec::new() }))
    }
}

impl Error {
    /// An I/O failure, saying what was being done.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io(IoFailure { what: Some(what.into()), source })
    }

    /// The API's error, when this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(f) => Some(&f.error),
            _ => None,
        }
    }
}

/// An API error and what the command found out about it: for an unknown model, the closest IDs
/// of the catalog.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct ApiFailure {
    pub error: ApiError,
    pub suggestions: Vec<String>,
}

/// A usage mistake that clap cannot see (a blank prompt, `-` with other words): exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    pub message: String,
    pub hint: Option<String>,
}

/// Input that cannot be used, with each problem (a line number and what is wrong): exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    pub message: String,
    pub problems: Vec<String>,
}

/// Context the reporter adds to the case texts.
#[derive(Debug, Default, Clone)]
pub struct ReportContext {
    pub model: Option<String>,
    /// The command asked for embeddings (`embed`): a model error needs an embeddings model.
    pub embeddings: bool,
    /// `--ca-bundle`, when one was given.
    pub ca_bundle: Option<String>,
    /// The error happened in the interactive session, whose commands are the fixes.
    pub session: bool,
}

/// Prints `error` to stderr and returns its exit code. A closed stdout is not an error: the reader
/// (e.g. `| head`) got what it wanted, so it exits 0 quietly, as ripgrep does.
pub fn report(error: &Error, ui: &Ui, context: &ReportContext) -> Exit {
    if is_broken_pipe(error) {
        return Exit::Ok;
    }
    let (exit, case, facts) = classify(error, context);
    let mut details = Vec::new();
    let mut cause = std::error::Error::source(error);
    while let Some(e) = cause {
        details.push(format!("caused by: {e}"));
        cause = e.source();
    }
    let mut hints = Vec::new();
    match error {
        Error::Input(input) => details.extend(input.problems.iter().cloned()),
        Error::Api(failure) => {
            if let Some(id) = failure.error.http().and_then(|h| h.request_id()) {
                details.push(format!("request id: {id}"));
            }
        }
        Error::History(history) => hints.extend(explain::history_hints(history)),
        Error::Usage(usage) => hints.extend(usage.hint.clone()),
        Error::Results(results) => hints.extend(results.hint.clone()),
        Error::RateLimited { hint, .. } => hints.push(hint.clone()),
        _ => {}
    }
    hints.extend(explain::hints(case, &facts));
    if matches!(case, Case::Network | Case::TlsTrust | Case::Proxy) {
        hints.push("`tokenfactory doctor` checks DNS, TCP, TLS and the proxy step by step".into());
    }
    ui.error(&error.to_string(), &details, &hints);
    exit
}

fn is_broken_pipe(error: &Error) -> bool {
    matches!(error, Error::Io(failure) if failure.source.kind() == std::io::ErrorKind::BrokenPipe)
}

/// The exit code, case and facts of an error.
fn classify(error: &Error, context: &ReportContext) -> (Exit, Case, Facts) {
    let facts = Facts { model: context.model.clone(), ..Facts::default() };
    let plain = |exit| (exit, Case::Other, facts.clone());
    match error {
        Error::Usage(_) | Error::Input(_) => plain(Exit::Usage),
        Error::Config(config) => {
            let case = match config {
                ConfigError::KeyMissing => Case::KeyMissing,
                ConfigError::KeyMalformed(_) => Case::KeyMalformed,
                _ => Case::Other,
            };
            let key_problem = match config {
                ConfigError::KeyMalformed(problem) => Some(problem.clone()),
                _ => None,
            };
            (Exit::Config, case, Facts { key_problem, ..facts })
        }
        Error::Results(e) if e.refused => plain(Exit::Usage),
        Error::History(_) | Error::Results(_) | Error::Schema(_) | Error::Io(_) | Error::Other(_) => {
            plain(Exit::Failure)
        }
        Error::Interrupted => plain(Exit::Interrupted),
        Error::RateLimited { .. } => plain(Exit::RateLimited),
        Error::Api(failure) => api_exit(failure, context),
    }
}

/// The exit code, case and facts of an API error.
fn api_exit(failure: &ApiFailure, context: &ReportContext) -> (Exit, Case, Facts) {
    let api = &failure.error;
    let case = api.case();
    let facts = Facts {
        embeddings: context.embeddings,
        suggestions: failure.suggestions.clone(),
        ca_bundle: context.ca_bundle.clone(),
        session: context.session,
        ..Facts::of_api_error(api, context.model.clone())
    };
    let exit = match case {
        Case::KeyMissing | Case::KeyMalformed | Case::EndpointNotFound => Exit::Config,
        Case::Unauthorized | Case::Forbidden => Exit::Auth,
        Case::UnknownModel | Case::BadRequest | Case::ContextTooLong => Exit::BadRequest,
        Case::RateLimited | Case::QuotaSpent => Exit::RateLimited,
        Case::Unavailable | Case::ServerError => Exit::Server,
        Case::TlsTrust | Case::Network | Case::Proxy => Exit::Network,
        // A stream that broke before any content is a network failure; after content, a cut.
        Case::StreamCut | Case::StreamSilent if facts.content_received => Exit::StreamCut,
        Case::StreamCut | Case::StreamSilent => Exit::Network,
        Case::Other => Exit::Failure,
    };
    (exit, case, facts)
}
