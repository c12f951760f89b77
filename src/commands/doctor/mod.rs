//! `tokenfactory doctor`: checks onboarding step by step (key, base URL and proxy, DNS, TCP, TLS,
//! auth, model, a completion, streaming), prints each result as it finishes, and explains every
//! failure with its troubleshooting case. Each request is sent once: no retries, no fallbacks.

pub mod check;
mod checks;

use std::io::Write;
use std::time::Instant;

use anyhow::Result;

use super::Context;
use crate::cli::DoctorArgs;
use crate::explain::{self, Case, Facts};
use crate::output::{Palette, Sanitizer, doctor as render};
use crate::report::{Exit, UsageError};
use crate::settings::ConfigError;
use check::{Check, Status, Tally};

/// Collects the checks, printing each as it finishes unless the output is JSON or the guide.
struct Run {
    checks: Vec<Check>,
    live: bool,
    palette: Palette,
    /// stdout is a terminal: server text in the results goes through the sanitiser.
    sanitize: bool,
}

impl Run {
    fn add(&mut self, mut check: Check) -> bool {
        let passed = check.passed();
        if self.sanitize {
            check.summary = Sanitizer::clean(&check.summary);
            for line in check.details.iter_mut().chain(check.hints.iter_mut()) {
                *line = Sanitizer::clean(line);
            }
        }
        if self.live {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(render::line(&check, self.palette).as_bytes());
            let _ = out.flush();
        }
        self.checks.push(check);
        passed
    }

    fn skip(&mut self, list: &[(&'static str, &'static str)], why: &str) {
        for (id, name) in list {
            self.add(Check::skipped(id, name, why.to_string()));
        }
    }

    /// Runs `work`, timing it into the check it returns.
    async fn timed<F: std::future::Future<Output = Check>>(&mut self, work: F) -> bool {
        let (check, ()) = timed(async { (work.await, ()) }).await;
        self.add(check)
    }
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

pub fn run(settings: Result<&Context, &ConfigError>, args: &DoctorArgs) -> Result<Exit> {
    if let Some(Some(name)) = &args.explain {
        return explain_one(name, settings.ok());
    }
    let guide = args.explain.is_some();
    let live = !guide && !args.json;
    let palette = settings.map(|c| c.stdout).unwrap_or_default();
    let sanitize = settings.is_ok_and(|c| c.settings.terminals.stdout);
    let mut run = Run { checks: Vec::new(), live, palette, sanitize };
    match settings {
        Ok(ctx) => {
            let runtime = Context::runtime()?;
            runtime.block_on(checks(ctx, args, &mut run));
        }
        Err(config) => {
            // The settings themselves are broken (e.g. an invalid base URL): say so as a check.
            let mut c = Check::new("settings", "settings", Status::Fail, config.to_string());
            c.hints = settings_hints(config);
            run.add(c);
            run.skip(&[DNS, TCP, TLS, AUTH, MODEL, COMPLETION, STREAMING], "the settings are invalid");
        }
    }
    let tally = Tally::of(&run.checks);
    let mut out = std::io::stdout().lock();
    if guide {
        let applies: Vec<Case> =
            run.checks.iter().filter(|c| c.status == Status::Fail).filter_map(|c| c.case).collect();
        out.write_all(guide_text(&applies, settings.ok(), palette).as_bytes())?;
    } else if args.json {
        out.write_all(render::json(&run.checks).as_bytes())?;
    } else {
        writeln!(out, "\n{}", render::summary(tally, palette))?;
    }
    out.flush()?;
    Ok(if tally.failed == 0 { Exit::Ok } else { Exit::Failure })
}

fn settings_hints(config: &ConfigError) -> Vec<String> {
    match config {
        ConfigError::BaseUrl { .. } => {
            vec![
                "set --base-url or OMNIVA_BASE_URL to the API's URL, e.g. https://api.tokenfactory.omniva.com/v1"
                    .into(),
            ]
        }
        ConfigError::CaBundle { .. } => vec!["point --ca-bundle / OMNIVA_CA_BUNDLE at a readable PEM file".into()],
        ConfigError::Proxy(e) => vec![format!("fix or unset {}: e.g. http://proxy.example:3128", e.variable)],
        _ => Vec::new(),
    }
}

async fn checks(ctx: &Context, args: &DoctorArgs, run: &mut Run) {
    let s = &ctx.settings;
    let key_ok = run.add(checks::key_set(s.key.as_ref()));
    let key_ok = match &s.key {
        Some(key) if key_ok => run.add(checks::key_format(key)),
        _ => {
            run.add(Check::skipped("key-format", "key well-formed", "no key"));
            false
        }
    };
    run.add(checks::base_url(s));

    let Some(hop) = checks::Hop::of(s) else {
        run.skip(&[DNS, TCP, TLS, AUTH, MODEL, COMPLETION, STREAMING], "the base URL has no host");
        return;
    };
    let (dns, addrs) = timed(checks::dns(&hop, &checks::system_resolver, s.connect_timeout)).await;
    if !run.add(dns) {
        run.skip(&[TCP, TLS, AUTH, MODEL, COMPLETION, STREAMING], "DNS failed");
        return;
    }
    if !run.timed(checks::tcp(&hop, &addrs, s.connect_timeout)).await {
        run.skip(&[TLS, AUTH, MODEL, COMPLETION, STREAMING], "TCP connect failed");
        return;
    }
    if s.base_url.scheme() == "https" {
        let extra = s.ca_bundle.as_ref().map(|b| b.ders.clone()).unwrap_or_default();
        let probe = crate::api::tls_probe(&s.base_url, &s.proxies, extra, s.connect_timeout, s.timeout);
        let (mut tls, ()) = timed(async { (checks::tls(s, probe.await), ()) }).await;
        if let Some(bundle) = &s.ca_bundle {
            tls.details.push(format!("extra CAs from {} ({} certificates)", bundle.path.display(), bundle.ders.len()));
        }
        if !run.add(tls) {
            run.skip(&[AUTH, MODEL, COMPLETION, STREAMING], "TLS failed");
            return;
        }
    } else {
        run.add(Check::skipped(TLS.0, TLS.1, "plain http: no TLS"));
    }
    if !key_ok {
        run.skip(&[AUTH, MODEL, COMPLETION, STREAMING], "no usable key");
        return;
    }
    let client = match ctx.client() {
        Ok(c) => c,
        Err(e) => {
            run.add(Check::new(AUTH.0, AUTH.1, Status::Fail, e.to_string()));
            run.skip(&[MODEL, COMPLETION, STREAMING], "auth failed");
            return;
        }
    };
    let (auth, ids) = timed(checks::auth(&client, s)).await;
    let accepted = run.add(auth);
    let Some(ids) = ids.filter(|_| accepted) else {
        run.skip(&[MODEL, COMPLETION, STREAMING], "auth failed");
        return;
    };
    if !run.add(checks::model(s, &ids)) {
        run.skip(&[COMPLETION, STREAMING], "the model is not available");
        return;
    }
    if args.no_chat {
        run.skip(&[COMPLETION, STREAMING], "--no-chat");
        return;
    }
    if args.explain.is_some() {
        // The guide never costs tokens.
        run.skip(&[COMPLETION, STREAMING], "--explain sends no billable requests");
        return;
    }
    run.timed(checks::completion(&client, s)).await;
    run.timed(checks::streaming(&client, s)).await;
}

/// The whole troubleshooting guide, marking the cases found now.
fn guide_text(applies: &[Case], ctx: Option<&Context>, palette: Palette) -> String {
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

fn explain_one(name: &str, ctx: Option<&Context>) -> Result<Exit> {
    let Some(case) = Case::find(name) else {
        let names: Vec<&str> = Case::ALL.iter().map(|c| c.name()).collect();
        return Err(UsageError {
            message: format!("no troubleshooting case is called {name:?}"),
            hint: Some(format!("cases: {} (or a status such as 401, 413, 502)", names.join(", "))),
        }
        .into());
    };
    let palette = ctx.map(|c| c.stdout).unwrap_or_default();
    let mut text = format!("{} [{}]\n", palette.bold(case.title()), case.name());
    for line in explain::hints(case, &facts_of(ctx)) {
        text.push_str(&format!("    {line}\n"));
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(Exit::Ok)
}
