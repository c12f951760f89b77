//! tokenfactory: parse the command line, resolve the settings, run the command, and hand any error
//! to the reporter, which decides the exit code.

#![forbid(unsafe_code)]

mod answer_schema;
mod api;
mod cli;
mod codegen;
mod commands;
mod defaults;
mod explain;
mod history;
mod id;
mod interrupt;
mod jobs;
mod language;
mod output;
mod report;
mod settings;
mod suggest;
mod time_text;

use std::io::Write;
use std::process::ExitCode;

use cli::{Cli, Command};
use commands::Context;
use output::Ui;
use report::{Exit, ReportContext};
use settings::{Display, Redactor, Settings};

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => return usage_or_help(&e),
    };
    // Colours and terminals are resolved first and on their own: every error below is reported
    // under the user's NO_COLOR / CLICOLOR_FORCE / TERM rules.
    let display = Display::from_process(cli.color);
    let plain = Ui::new(display, Redactor::none());
    // Completions and the man page need no settings: nothing in the environment can break them.
    match &cli.command {
        Command::Completions(args) => return finish(commands::completions::run(&plain, args.shell), &plain),
        Command::Man { command } => return finish(commands::man::run(&plain, command.as_deref()), &plain),
        _ => {}
    }
    let settings = match Settings::from_process(&cli, display) {
        Ok(s) => s,
        Err(e) => {
            // doctor reports broken settings as a failed check instead of stopping.
            if let Command::Doctor(args) = &cli.command {
                return finish(commands::doctor::run_without_settings(&plain, &e, args), &plain);
            }
            return report::report(&e.into(), &plain, &ReportContext::default()).into();
        }
    };
    let ctx = Context::new(settings);
    let result = match &cli.command {
        Command::Chat(args) => commands::chat::run(&ctx, args),
        Command::Embed(args) => commands::embed::run(&ctx, args),
        Command::Batch(args) => commands::batch::run(&ctx, args),
        Command::Models(args) => commands::models::run(&ctx, args),
        Command::Doctor(args) => commands::doctor::run(&ctx, args),
        Command::History(args) => commands::history::run(&ctx, args),
        Command::Completions(_) | Command::Man { .. } => unreachable!("handled before the settings"),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(report::Error::Interrupted) => {
            interrupt::die_of_sigint();
            Exit::Interrupted.into()
        }
        Err(e) => {
            let embeddings = matches!(cli.command, Command::Embed(_));
            report::report(&e, &ctx.ui, &ctx.report_context(embeddings)).into()
        }
    }
}

/// The command line, parsed; network options before a command that does not use them are refused.
fn parse() -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let mut command = cli::command();
    let cli = Cli::from_arg_matches(&command.try_get_matches_from_mut(std::env::args_os())?)?;
    if let Some(option) = settings::unused_network_option(&cli) {
        let message = format!("{option} has no use with this command: it does not talk to the API");
        return Err(command.error(clap::error::ErrorKind::ArgumentConflict, message));
    }
    Ok(cli)
}

/// Help and version go to stdout with 0; usage mistakes to stderr with 2, in the tool's own style
/// (`tokenfactory: error: …`, tips as hints).
fn usage_or_help(e: &clap::Error) -> ExitCode {
    if !e.use_stderr() {
        let _ = e.print();
        let _ = std::io::stdout().flush();
        return ExitCode::from(0);
    }
    let display = Display::from_process(cli::ColorWhen::Auto);
    let ui = Ui::new(display, Redactor::none());
    let rendered = e.render().to_string();
    // `tokenfactory -m ID chat …`: the option is the command's, and goes after its name.
    let before_command = e.kind() == clap::error::ErrorKind::UnknownArgument
        && rendered.contains("Usage: tokenfactory [OPTIONS] <COMMAND>");
    let hint = before_command.then_some("options of a command go after its name: tokenfactory chat -m ID \"…\"");
    ui.usage_error(&rendered, hint);
    ExitCode::from(Exit::Usage as u8)
}

/// The exit of a command run without (usable) settings.
fn finish(result: crate::report::Result<Exit>, ui: &Ui) -> ExitCode {
    match result {
        Ok(exit) => exit.into(),
        Err(e) => report::report(&e, ui, &ReportContext::default()).into(),
    }
}
