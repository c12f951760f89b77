//! `tokenfactory doctor`: checks onboarding step by step (key, base URL and proxy, DNS, TCP, TLS,
//! auth, model, a completion, streaming, and with `--embeddings` an embedding), prints each result as it finishes, and explains every
//! failure with its troubleshooting case. Each request is sent once: no retries, no fallbacks.

mod config;
mod network;
mod probes;

use std::time::Instant;

use crate::report::Result;

use super::Context;
use crate::api::Case;
use crate::cli::DoctorArgs;
use crate::explain::{self, Facts};
use crate::output::Ui;
use crate::output::doctor::{self as render, Check, Status, Tally};
use crate::report::{Exit, UsageError};
use crate::settings::{ConfigError, Settings};

/// Collects the checks, printing each as it finishes unless the output is JSON or the guide.
struct Checklist<'a> {
    checks: Vec<Check>,
    /// The network and API checks not run yet, skipped with a reason when one before them fails.
    pending: Vec<(&'static str, &'static str)>,
    live: bool,
    ui: &'a Ui,
}

impl<'a> Checklist<'a> {
    fn new(ui: &'a Ui, args: &DoctorArgs) -> Checklist<'a> {
        let mut pending = vec![DNS, TCP, TLS, AUTH, MODEL, COMPLETION, STREAMING];
        if args.embeddings {
            pending.push(EMBEDDINGS);
        }
        Checklist { checks: Vec::new(), pending, live: args.explain.is_none() && !args.json, ui }
    }

    fn add(&mut self, check: Check) -> bool {
        self.pending.retain(|(id, _)| *id != check.id);
        let passed = check.passed();
        if self.live {
            // stdout is diagnostics' only reader here: a closed one must not stop the checks.
            let _ = self.ui.data(&render::line(&check, self.ui));
        }
        self.checks.push(check);
        passed
    }

    fn skip_rest(&mut self, why: &str) {
        for (id, name) in std::mem::take(&mut self.pending) {
            self.add(Check::skipped(id, name, why.to_string()));
        }
    }

    /// Runs `work`, timing it into the check it returns.
    async fn timed<F: std::future::Future<Output = Check>>(&mut self, work: F) -> bool {
        let (check, ()) = timed(async { (work.await, ()) }).await;
        self.add(check)
    }
}

/// A failed check explained by its case's hints.
fn failed(id: &'static str, name: &'static str, summary: String, case: Case, facts: &Facts) -> Check {
    let mut c = Check::new(id, name, Status::Fail, summary);
    c.hints = explain::hints(case, facts);
    c.case = Some(case);
    c
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Runs a check that also yields a value, recording how long it took in the check.
async fn timed<T>(work: impl std::future::Future<Output = (Check, T)>) -> (Check, T) {
    let started = Instant::now();
    let (mut check, value) = work.await;
    check.duration = started.elapsed();
    (check, value)
}

const DNS: (&str, &str) = ("dns", "DNS");
const TCP: (&str, &str) = ("tcp", "TCP connect");
const TLS: (&str, &str) = ("tls", "TLS");
const AUTH: (&str, &str) = ("auth", "auth");
const MODEL: (&str, &str) = ("model", "model");
const COMPLETION: (&str, &str) = ("completion", "completion");
const STREAMING: (&str, &str) = ("streaming", "streaming");
const EMBEDDINGS: (&str, &str) = ("embeddings", "embeddings");

pub fn run(ctx: &Context, args: &DoctorArgs) -> Result<Exit> {
    if let Some(name) = args.explain.as_deref().filter(|n| !n.is_empty()) {
        return explain_one(name, &ctx.ui, Some(ctx));
    }
    let mut run = Checklist::new(&ctx.ui, args);
    Context::runtime()?.block_on(checks(ctx, args, &mut run));
    finish(run, args, Some(ctx))
}

/// doctor when the settings themselves are broken (e.g. an invalid base URL): that is the first
/// failed check, and the rest are skipped.
pub fn run_without_settings(ui: &Ui, config: &ConfigError, args: &DoctorArgs) -> Result<Exit> {
    if let Some(name) = args.explain.as_deref().filter(|n| !n.is_empty()) {
        return explain_one(name, ui, None);
    }
    let mut run = Checklist::new(ui, args);
    let mut c = Check::new("settings", "settings", Status::Fail, config.to_string());
    c.hints = settings_hints(config);
    run.add(c);
    run.skip_rest("the settings are invalid");
    finish(run, args, None)
}

/// Prints the guide, the JSON document or the summary line; the exit code says whether any check failed.
fn finish(run: Checklist, args: &DoctorArgs, ctx: Option<&Context>) -> Result<Exit> {
    let tally = Tally::of(&run.checks);
    let ui = run.ui;
    if args.explain.is_some() {
        let applies: Vec<Case> =
            run.checks.iter().filter(|c| c.status == Status::Fail).filter_map(|c| c.case).collect();
        ui.data(&guide_text(&applies, ctx, ui))?;
    } else if args.json {
        ui.data(&render::json(&run.checks, ui))?;
    } else {
        ui.data(&format!("\n{}\n", render::summary(tally, ui)))?;
    }
    Ok(if tally.failed == 0 { Exit::Ok } else { Exit::Failure })
}

fn settings_hints(config: &ConfigError) -> Vec<String> {
    match config {
        ConfigError::BaseUrl { .. } => {
            vec![format!("set --base-url or OMNIVA_BASE_URL to the API's URL, e.g. {}", crate::defaults::BASE_URL)]
        }
        ConfigError::CaBundle { .. } => vec!["point --ca-bundle / OMNIVA_CA_BUNDLE at a readable PEM file".into()],
        ConfigError::Proxy(e) => vec![format!("fix or unset {}: e.g. http://proxy.example:3128", e.variable)],
        _ => Vec::new(),
    }
}

/// Runs the checks in order; when one fails, the checks that depend on it are skipped with the
/// reason.
async fn checks(ctx: &Context, args: &DoctorArgs, run: &mut Checklist<'_>) {
    let s = &ctx.settings;
    let key_ok = key_checks(s, run);
    run.add(config::base_url(s));
    let result = async {
        connection_checks(s, run).await?;
        if !key_ok {
            return Err("no usable key");
        }
        api_checks(ctx, args, run).await
    };
    if let Err(reason) = result.await {
        run.skip_rest(reason);
    }
}

/// The key is set and well-formed: whether it can be used.
fn key_checks(s: &Settings, run: &mut Checklist<'_>) -> bool {
    let set = run.add(config::key_set(s.key.as_ref()));
    match &s.key {
        Some(key) if set => run.add(config::key_format(key, s)),
        _ => {
            run.add(Check::skipped("key-format", "key well-formed", "no key"));
            false
        }
    }
}

/// DNS, TCP and TLS to the first hop (the proxy when one applies).
async fn connection_checks(s: &Settings, run: &mut Checklist<'_>) -> Result<(), &'static str> {
    let hop = network::Hop::of(s).ok_or("the base URL has no host")?;
    let (dns, addrs) = timed(network::dns(&hop, &network::system_resolver, s.connect_timeout)).await;
    if !run.add(dns) {
        return Err("DNS failed");
    }
    if !run.timed(network::tcp(&hop, &addrs, s.connect_timeout)).await {
        return Err("TCP connect failed");
    }
    if s.base_url.scheme() != "https" {
        run.add(Check::skipped(TLS.0, TLS.1, "plain http: no TLS"));
        return Ok(());
    }
    let extra = s.ca_bundle.as_ref().map(|b| b.ders.clone()).unwrap_or_default();
    let probe = crate::api::tls_probe(&s.base_url, &s.proxies, extra, s.connect_timeout, s.timeout);
    let (mut tls, ()) = timed(async { (network::tls(s, probe.await), ()) }).await;
    if let Some(bundle) = &s.ca_bundle {
        tls.details.push(format!("extra CAs from {} ({} certificates)", bundle.path.display(), bundle.ders.len()));
    }
    if run.add(tls) { Ok(()) } else { Err("TLS failed") }
}

/// Auth, the model in the catalog, then (unless billable requests are off) a completion and a
/// stream.
async fn api_checks(ctx: &Context, args: &DoctorArgs, run: &mut Checklist<'_>) -> Result<(), &'static str> {
    let s = &ctx.settings;
    let client = match ctx.client() {
        Ok(c) => c,
        Err(e) => {
            run.add(Check::new(AUTH.0, AUTH.1, Status::Fail, e.to_string()));
            return Err("auth failed");
        }
    };
    // The guide never costs tokens.
    let no_chat = match (args.no_chat, args.explain.is_some()) {
        (true, _) => Some("--no-chat"),
        (false, true) => Some("--explain sends no billable requests"),
        (false, false) => None,
    };
    let (auth, catalog) = timed(probes::auth(&client, s, no_chat.is_none())).await;
    let accepted = run.add(auth);
    let completion_verifies_key = matches!(catalog, probes::Catalog::Missing);
    match catalog {
        // Not in the catalog is a warning: some servers answer for models they do not list, and
        // the completion decides.
        probes::Catalog::Listed(ids) if accepted => run.add(probes::model(s, &ids)),
        probes::Catalog::Missing => run.add(Check::skipped(MODEL.0, MODEL.1, probes::NO_CATALOG)),
        _ => return Err("auth failed"),
    };
    match no_chat {
        Some(why) => {
            for (id, name) in [COMPLETION, STREAMING] {
                run.add(Check::skipped(id, name, why));
            }
        }
        None => {
            run.timed(async {
                let mut c = probes::completion(&client, s).await;
                if completion_verifies_key && c.passed() {
                    c.summary.push_str(" (the key was accepted)");
                }
                c
            })
            .await;
            run.timed(probes::streaming(&client, s)).await;
        }
    }
    // Asked for by name, the embedding runs with --no-chat too (it has its own model); only the
    // guide sends nothing billable.
    if args.embeddings {
        match args.explain {
            Some(_) => run.add(Check::skipped(EMBEDDINGS.0, EMBEDDINGS.1, "--explain sends no billable requests")),
            None => run.timed(probes::embeddings(&client, s)).await,
        };
    }
    Ok(())
}

/// The whole troubleshooting guide, marking the cases found now.
fn guide_text(applies: &[Case], ctx: Option<&Context>, ui: &Ui) -> String {
    let palette = ui.out.palette;
    let facts = facts_of(ctx);
    let mut out = format!(
        "Troubleshooting guide{}\n",
        if applies.is_empty() { " (no case applies now)".to_string() } else { " (▶ applies now)".to_string() }
    );
    for case in Case::ALL {
        let mark = if applies.contains(&case) { palette.error("▶") } else { " ".to_string() };
        out.push_str(&format!("\n{mark} {} [{}]\n", palette.bold(case.title()), case.name()));
        for line in explain::hints(case, &facts) {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}

fn facts_of(ctx: Option<&Context>) -> Facts {
    Facts {
        model: ctx.map(|c| c.settings.model.clone()),
        url: ctx.map(|c| c.settings.base_url.to_string()),
        ..Facts::default()
    }
}

fn explain_one(name: &str, ui: &Ui, ctx: Option<&Context>) -> Result<Exit> {
    let Some(case) = Case::find(name) else {
        let names: Vec<&str> = Case::ALL.iter().map(|c| c.name()).collect();
        return Err(UsageError {
            message: format!("no troubleshooting case is called {name:?}"),
            hint: Some(format!("cases: {} (or a status such as 401, 413, 502)", names.join(", "))),
        }
        .into());
    };
    let mut text = format!("{} [{}]\n", ui.out.palette.bold(case.title()), case.name());
    for line in explain::hints(case, &facts_of(ctx)) {
        text.push_str(&format!("    {line}\n"));
    }
    ui.data(&text)?;
    Ok(Exit::Ok)
}
