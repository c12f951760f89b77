//! The one error sink: turns any error into the message on stderr (`tokenfactory: error: …`, the
//! cause chain, the server's request id, then the case's hints) and the documented exit code.

use std::process::ExitCode;

use crate::api::{ApiError, Case};
use crate::explain::{self, Facts};
use crate::history::HistoryError;
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
}

/// Prints `error` to stderr and returns its exit code. A closed stdout is not an error: the reader
/// (e.g. `| head`) got what it wanted, so it exits 0 quietly, as ripgrep does.
pub fn report(error: &anyhow::Error, ui: &Ui, context: &ReportContext) -> Exit {
    if is_broken_pipe(error) {
        return Exit::Ok;
    }
    let (exit, case, facts) = classify(error, context);
    let mut details: Vec<String> = error.chain().skip(1).map(|cause| format!("caused by: {cause}")).collect();
    if let Some(input) = error.downcast_ref::<InputError>() {
        details.extend(input.problems.iter().cloned());
    }
    if let Some(api) = error.downcast_ref::<ApiError>()
        && let Some(h) = api.http()
        && let Some(id) = h.request_id()
    {
        details.push(format!("request id: {id}"));
    }
    let mut hints = Vec::new();
    if let Some(history) = error.downcast_ref::<HistoryError>() {
        hints.extend(explain::history_hints(history));
    }
    if let Some(usage) = error.downcast_ref::<UsageError>()
        && let Some(hint) = &usage.hint
    {
        hints.push(hint.clone());
    }
    hints.extend(explain::hints(case, &facts));
    if matches!(case, Case::Network | Case::TlsTrust | Case::Proxy) {
        hints.push("`tokenfactory doctor` checks DNS, TCP, TLS and the proxy step by step".into());
    }
    ui.error(&error.to_string(), &details, &hints);
    exit
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// The exit code, case and facts of an error.
fn classify(error: &anyhow::Error, context: &ReportContext) -> (Exit, Case, Facts) {
    let mut facts = Facts { model: context.model.clone(), ..Facts::default() };
    if error.downcast_ref::<UsageError>().is_some() || error.downcast_ref::<InputError>().is_some() {
        return (Exit::Usage, Case::Other, facts);
    }
    if let Some(config) = error.downcast_ref::<ConfigError>() {
        let case = match config {
            ConfigError::KeyMissing => Case::KeyMissing,
            ConfigError::KeyMalformed(problem) => {
                facts.key_problem = Some(problem.clone());
                Case::KeyMalformed
            }
            _ => Case::Other,
        };
        return (Exit::Config, case, facts);
    }
    let Some(api) = error.downcast_ref::<ApiError>() else {
        return (Exit::Failure, Case::Other, facts);
    };
    let case = api.case();
    let facts = Facts { embeddings: context.embeddings, ..Facts::of_api_error(api, context.model.clone()) };
    let exit = match case {
        Case::KeyMissing | Case::KeyMalformed | Case::EndpointNotFound => Exit::Config,
        Case::Unauthorized | Case::Forbidden => Exit::Auth,
        Case::UnknownModel | Case::BadRequest | Case::ContextTooLong => Exit::BadRequest,
        Case::RateLimited => Exit::RateLimited,
        Case::Unavailable | Case::ServerError => Exit::Server,
        Case::TlsTrust | Case::Network | Case::Proxy => Exit::Network,
        // A stream that broke before any content is a network failure; after content, a cut.
        Case::StreamCut | Case::StreamSilent if facts.content_received => Exit::StreamCut,
        Case::StreamCut | Case::StreamSilent => Exit::Network,
        Case::Other => Exit::Failure,
    };
    (exit, case, facts)
}
