//! tokenfactory: parse the command line, resolve the settings, run the command, and hand any error
//! to the reporter, which decides the exit code.

mod api;
mod cli;
mod commands;
mod explain;
mod interrupt;
mod output;
mod report;
mod settings;
mod suggest;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use commands::{Context, Interrupted};
use output::Palette;
use report::{Exit, ReportContext};
use settings::Settings;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage mistakes to stderr with 2.
            let _ = e.print();
            let _ = std::io::stdout().flush();
            return ExitCode::from(if e.use_stderr() { Exit::Usage as u8 } else { 0 });
        }
    };
    // Completions and the man page need no settings: nothing in the environment can break them.
    match &cli.command {
        Command::Completions(args) => return finish(commands::completions::run(args.shell)),
        Command::Man { command } => return finish(commands::completions::man(command.as_deref())),
        _ => {}
    }
    let settings = match Settings::from_process(&cli.global) {
        Ok(s) => s,
        Err(e) if matches!(cli.command, Command::Doctor(_)) => {
            // doctor reports broken settings as a failed check instead of stopping.
            let Command::Doctor(args) = &cli.command else { unreachable!() };
            return match commands::doctor::run(Err(&e), args) {
                Ok(exit) => exit.into(),
                Err(e) => report::report(&e, Palette::default(), false, &ReportContext::default()).into(),
            };
        }
        Err(e) => {
            let stderr_color = !matches!(cli.global.color, cli::ColorWhen::Never)
                && (cli.global.color == cli::ColorWhen::Always || std::io::IsTerminal::is_terminal(&std::io::stderr()));
            return report::report(&e.into(), Palette::new(stderr_color), false, &ReportContext::default()).into();
        }
    };
    let ctx = Context::new(settings);
    let result = match &cli.command {
        Command::Chat(args) => commands::chat::run(&ctx, args),
        Command::Models(args) => commands::models::run(&ctx, args),
        Command::Doctor(args) => commands::doctor::run(Ok(&ctx), args),
        Command::Completions(_) | Command::Man { .. } => unreachable!("handled before the settings"),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) if e.downcast_ref::<Interrupted>().is_some() => {
            interrupt::die_of_sigint();
            Exit::Interrupted.into()
        }
        Err(e) => report::report(&e, ctx.stderr, ctx.settings.terminals.stderr, &ctx.report_context()).into(),
    }
}

/// The exit of a command that needs no settings.
fn finish(result: anyhow::Result<Exit>) -> ExitCode {
    match result {
        Ok(exit) => exit.into(),
        Err(e) => report::report(&e, Palette::default(), false, &ReportContext::default()).into(),
    }
}
