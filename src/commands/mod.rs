//! The commands. Each gets a `Context` (resolved settings and palettes) and its own arguments.

pub mod batch;
pub mod bulk;
pub mod chat;
pub mod completions;
pub mod doctor;
pub mod embed;
pub mod history;
pub mod man;
pub mod models;
pub mod prompt;
pub mod spool;

use std::time::Duration;

use crate::api::{Case, Client, ClientConfig, RetryNotice, RetryPolicy};
use crate::output::{Spinner, Tone, Ui, verbose};
use crate::report::{ApiFailure, Error, ReportContext};
use crate::settings::Settings;

/// What every command needs: the settings, resolved once, and the terminal.
pub struct Context {
    pub settings: Settings,
    pub ui: Ui,
}

impl Context {
    pub fn new(settings: Settings) -> Context {
        Context { ui: Ui::new(settings.display, settings.redactor()), settings }
    }

    /// The shared HTTP client; fails before any request when the key is missing or malformed.
    pub fn client(&self) -> crate::report::Result<Client> {
        let s = &self.settings;
        let key = s.require_key()?.clone();
        Ok(Client::new(ClientConfig {
            base_url: s.base_url.clone(),
            key,
            connect_timeout: s.connect_timeout,
            timeout: s.timeout,
            extra_roots: s.ca_bundle.as_ref().map(|b| b.ders.clone()).unwrap_or_default(),
            proxies: s.proxies.clone(),
            tracer: s.verbose.then(|| verbose::tracer(self.ui.clone())),
        })?)
    }

    /// The runtime a command's requests run on: one thread is all one conversation needs.
    pub fn runtime() -> crate::report::Result<tokio::runtime::Runtime> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        runtime.map_err(|e| Error::io("cannot start the runtime", e))
    }

    /// The runtime of many requests at once (`batch run`, `embed --lines`): two worker threads,
    /// so reading one answer never waits for writing another (measured: 8 % faster at 64 in
    /// flight on two cores).
    pub fn jobs_runtime() -> crate::report::Result<tokio::runtime::Runtime> {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
        runtime.map_err(|e| Error::io("cannot start the runtime", e))
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy { retries: self.settings.retries, max_wait: self.settings.max_wait, rate_limited: true }
    }

    /// A spinner on a terminal stderr, but not under `--verbose`, whose lines it would tear.
    pub fn spinner(&self, message: String) -> Spinner {
        self.ui.spinner(!self.settings.verbose, message)
    }

    /// An unknown-model error with the closest catalog IDs: one best-effort fetch of the
    /// catalog, bounded by a short timeout; any failure just leaves the error as it was.
    pub async fn suggest_models(&self, client: &Client, error: Error) -> Error {
        const CATALOG_WAIT: Duration = Duration::from_secs(5);
        let Error::Api(failure) = error else { return error };
        let error = failure.error;
        let Some(wanted) = error.http().filter(|_| error.case() == Case::UnknownModel).map(|h| h.model.clone()) else {
            return error.into();
        };
        let wanted = wanted.unwrap_or_else(|| self.settings.model.clone());
        let suggestions = match tokio::time::timeout(CATALOG_WAIT, client.models()).await {
            Ok(Ok(reply)) => crate::suggest::closest(&wanted, reply.value.data.iter().map(|m| m.id.as_str()), 3),
            _ => Vec::new(),
        };
        Error::Api(Box::new(ApiFailure { error, suggestions }))
    }

    /// What the error reporter should know; `embeddings`: the command was `embed`.
    pub fn report_context(&self, embeddings: bool) -> ReportContext {
        let ca_bundle = self.settings.ca_bundle.as_ref().map(|b| b.path.display().to_string());
        ReportContext { model: Some(self.settings.model.clone()), embeddings, ca_bundle, session: false }
    }
}

/// Says on stderr, above the spinner, that a request is about to be sent again.
pub fn announce_retry(ui: &Ui, spinner: &Spinner, notice: &RetryNotice) {
    ui.say(
        Tone::Info,
        &format!(
            "{}; retrying in {:.1} s (attempt {} of {})",
            notice.reason,
            notice.wait.as_secs_f64(),
            notice.attempt,
            notice.attempts
        ),
    );
    spinner.countdown(notice.wait, "sending again…".to_string());
}
