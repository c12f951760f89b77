//! The interactive session: `tokenfactory chat` on a terminal. The line editor (`output`) reads
//! prompts and `/commands` (`command.rs`); each prompt is one turn of `chat --stream` (the same
//! request, printer, retries, fallbacks and record, through `chat::ask`) in one conversation that
//! the history keeps as it goes. No error ends the session: it is reported and the prompt returns.

mod catalog;
mod command;

use std::rc::Rc;

use super::conversation::{Conversation, Sent};
use super::{ask, compose};
use crate::api::Client;
use crate::cli::ChatArgs;
use crate::commands::Context;
use crate::history::Status;
use crate::language::Language;
use crate::output::line_editor::{LineEditor, Read};
use crate::output::{Channel, Tone};
use crate::report::{Error, Exit, Result, UsageError};
use crate::settings::Sampling;
use catalog::Catalog;
use command::{Command, Line, Setting};

/// Whether `chat` opens the session: `-i`, or no prompt with stdin and stdout on a terminal.
pub fn wanted(ctx: &Context, args: &ChatArgs) -> Result<bool> {
    let terminals = ctx.settings.display.terminals;
    let on_terminal = terminals.stdin && terminals.stdout;
    if args.interactive && !on_terminal {
        return Err(UsageError {
            message: "chat -i needs a terminal: stdin and stdout must both be one".into(),
            hint: Some("to send one prompt from a pipe, leave out -i: echo \"…\" | tokenfactory chat".into()),
        }
        .into());
    }
    let one_shot = args.json || args.print.is_some() || args.schema.is_some();
    Ok(args.interactive || (on_terminal && args.prompt.is_empty() && !one_shot))
}

/// Runs the session until Ctrl-D or `/exit`.
pub fn run(ctx: &Context, args: &ChatArgs) -> Result<Exit> {
    // A missing or malformed key stops here, before the first prompt.
    let client = Rc::new(ctx.client()?);
    let runtime = Rc::new(Context::runtime()?);
    let mut args = args.clone();
    args.stream = true;
    args.interactive = true;
    let first = std::mem::take(&mut args.prompt);
    let mut conversation = Conversation::start(ctx, &args, true)?;
    conversation.keep_turns();
    let catalog = Rc::new(Catalog::new(client.clone(), runtime.clone()));
    let prompts = if args.no_history { None } else { ctx.settings.prompts_file() };
    let (editor, problem) = LineEditor::new(prompts, catalog::completions(catalog.clone()))
        .map_err(|e| Error::io("cannot start the line editor", e))?;
    let mut session = Session {
        ctx: Context { settings: ctx.settings.clone(), ui: ctx.ui.clone() },
        args,
        client,
        runtime,
        started_with: conversation.exchanges().0.len(),
        conversation,
        catalog,
        editor,
        last: None,
        saved: Default::default(),
    };
    if let Some(problem) = problem {
        session.ctx.ui.warn(&problem, &[]);
    }
    session.welcome();
    // The Ctrl-C handler is in place from now on, so a Ctrl-C between two answers never ends
    // the session (at the prompt, the line editor reads it as a key).
    session.runtime.block_on(async {
        tokio::select! {
            biased;
            _ = tokio::signal::ctrl_c() => {}
            () = std::future::ready(()) => {}
        }
    });
    if !first.is_empty() {
        let prompt = first.join(" ");
        session.remember(&prompt);
        session.turn(prompt);
    }
    session.read_lines()
}

struct Session {
    /// The settings as the session changed them (`/model`, `/temperature`, …).
    ctx: Context,
    args: ChatArgs,
    client: Rc<Client>,
    runtime: Rc<tokio::runtime::Runtime>,
    conversation: Conversation,
    catalog: Rc<Catalog>,
    editor: LineEditor,
    /// The last request sent, for `/print` and `/retry`.
    last: Option<LastRequest>,
    /// How many exchanges the conversation held when the session opened it (`/stats`).
    started_with: usize,
    /// The files `/save` wrote, which it may write again.
    saved: std::collections::HashSet<std::path::PathBuf>,
}

/// What the last request was made of.
struct LastRequest {
    prompt: String,
    model: String,
    /// The temperature, token budget and system prompt sent.
    sampling: Sampling,
    /// How many exchanges came before it, and how many of those were left out.
    after: usize,
    forgotten: usize,
}

impl Session {
    /// The first lines: the model and how to get help, and on `-c` the last exchange.
    fn welcome(&self) {
        let ui = &self.ctx.ui;
        let (exchanges, _) = self.conversation.exchanges();
        if let Some(last) = exchanges.last() {
            let id = crate::output::history::short(self.conversation.id());
            ui.dim(&format!(
                "continuing conversation {id} ({}); the last one:",
                crate::time_text::counted(exchanges.len() as u64, "exchange")
            ));
            let mut out = ui.answer_writer();
            let _ = out.write(&format!("> {}\n{}", last.prompt.trim_end(), last.answer));
            let _ = out.finish();
        }
        ui.dim(&format!(
            "tokenfactory chat with {}: /help lists the commands; Ctrl-D or /exit leaves",
            self.ctx.settings.model
        ));
    }

    /// Reads and does each line until the end.
    fn read_lines(&mut self) -> Result<Exit> {
        loop {
            let read = self.editor.read(&self.prompt_text()).map_err(|e| Error::io("cannot read the terminal", e))?;
            let line = match read {
                Read::Eof => return Ok(Exit::Ok),
                Read::Interrupted => {
                    self.ctx.ui.dim("(Ctrl-D on an empty line or /exit leaves the session)");
                    continue;
                }
                Read::Line(line) => line,
            };
            let parsed = command::parse(&line);
            if !matches!(parsed, Line::Empty) {
                self.remember(&line);
            }
            match parsed {
                Line::Empty => {}
                Line::Prompt(prompt) => self.turn(prompt),
                Line::Command(Command::Exit) => return Ok(Exit::Ok),
                Line::Command(command) => self.command(command),
                Line::Misused { command, message, usage } => {
                    self.ctx.ui.say(Tone::Warn, &format!("{message} (usage: {command} {usage})"));
                }
                Line::Unknown { word, closest } => {
                    let guess = closest.map(|c| format!("; did you mean {c}?")).unwrap_or_default();
                    self.ctx.ui.say(
                        Tone::Warn,
                        &format!(
                            "unknown command {word}{guess} (/help lists them; //… sends a prompt that starts with /)"
                        ),
                    );
                }
            }
        }
    }

    /// Keeps a line for the up arrow (the key masked, as everywhere it is stored).
    fn remember(&mut self, line: &str) {
        let kept = self.ctx.ui.shown(line, Channel::PLAIN).into_owned();
        if let Err(problem) = self.editor.remember(&kept) {
            self.ctx.ui.warn(&problem, &[]);
        }
    }

    /// `> `, or `MODEL> ` when the model is not the default.
    fn prompt_text(&self) -> String {
        let model = &self.ctx.settings.model;
        if model == crate::defaults::MODEL {
            return "> ".into();
        }
        let shown: String = model.chars().filter(|c| !c.is_control()).collect();
        format!("{shown}> ")
    }

    /// One turn: the prompt sent after the conversation so far, the answer streamed, the exchange
    /// recorded. Errors are reported and the session goes on.
    fn turn(&mut self, prompt: String) {
        let (exchanges, forgotten) = self.conversation.exchanges();
        let sampling =
            Sampling { system: self.conversation.system().map(str::to_string), ..self.ctx.settings.sampling.clone() };
        let last =
            LastRequest { model: self.ctx.settings.model.clone(), sampling, after: exchanges.len(), forgotten, prompt };
        let result =
            ask(&self.ctx, &self.args, (&self.client, &self.runtime), &mut self.conversation, &last.prompt, None);
        self.last = Some(last);
        match result {
            Ok(_) => {}
            Err(Error::Interrupted) => self.ctx.ui.dim("(stopped: what was printed is kept, recorded as interrupted)"),
            Err(e) => {
                let mut context = self.ctx.report_context(false);
                context.session = true;
                crate::report::report(&e, &self.ctx.ui, &context);
            }
        }
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::Model(id) => self.model(id),
            Command::System(setting) => self.system(setting),
            Command::Temperature(setting) => {
                let temperature = &mut self.ctx.settings.sampling.temperature;
                let shown = change(temperature, setting, "the server's default");
                self.ctx.ui.dim(&format!("temperature: {shown}"));
            }
            Command::MaxTokens(setting) => {
                let max_tokens = &mut self.ctx.settings.sampling.max_tokens;
                let shown = change(max_tokens, setting, "none (the server's limit)");
                self.ctx.ui.dim(&format!("max tokens: {shown}"));
            }
            Command::New => {
                self.conversation.renew();
                self.last = None;
                self.started_with = 0;
                self.ctx.ui.dim("a new conversation: the model sees none of the earlier exchanges");
            }
            Command::Retry => self.retry(),
            Command::Forget(n) => {
                let left_out = self.conversation.forget(n);
                let (exchanges, forgotten) = self.conversation.exchanges();
                let still = exchanges[forgotten..].iter().filter(|e| e.is_sent_again()).count();
                self.ctx.ui.dim(&format!(
                    "{} left out of what is sent (the history keeps them); {} still sent",
                    crate::time_text::counted(left_out as u64, "exchange"),
                    still
                ));
            }
            Command::History => self.history(),
            Command::Save(file) => self.save(&file),
            Command::Print(language) => self.print(language),
            Command::Stats => self.stats(),
            Command::Help => self.ctx.ui.dim(&command::help()),
            Command::Exit => {}
        }
    }

    /// `/model`: shows the model, or switches after checking the catalog.
    fn model(&mut self, id: Option<String>) {
        let settings = &mut self.ctx.settings;
        let Some(id) = id else {
            let fallbacks = match settings.fallback_models.as_slice() {
                [] => String::new(),
                list => format!(" (fallbacks: {})", list.join(", ")),
            };
            self.ctx.ui.dim(&format!("model: {}{fallbacks}", settings.model));
            return;
        };
        match self.catalog.ids() {
            Ok(ids) if ids.contains(&id) => {}
            Ok(ids) => {
                let closest = crate::suggest::closest(&id, ids.iter().map(String::as_str), 3);
                let hint = match closest.as_slice() {
                    [] => "`tokenfactory models` lists the IDs; TAB after /model completes them".to_string(),
                    ids => format!("closest: {}", ids.join(", ")),
                };
                self.ctx.ui.warn(&format!("{id} is not in the catalog; the model stays {}", settings.model), &[hint]);
                return;
            }
            Err(problem) => self.ctx.ui.warn(
                &format!("{id} could not be checked against the catalog ({problem}); the next answer will tell"),
                &[],
            ),
        }
        settings.fallback_models.retain(|f| *f != id);
        settings.model = id;
        self.ctx.ui.dim(&format!("model: {}", settings.model));
    }

    /// `/system`: shows, sets or clears the system prompt of the next requests.
    fn system(&mut self, setting: Setting<String>) {
        match setting {
            Setting::Show => {}
            Setting::Set(text) => self.conversation.set_system(Some(text)),
            Setting::Clear => self.conversation.set_system(None),
        }
        let shown = self.conversation.system().map_or_else(|| "none".to_string(), |s| format!("{s:?}"));
        self.ctx.ui.dim(&format!("system prompt: {shown}"));
    }

    /// `/retry`: the last prompt sent again; its answer is kept but no longer sent.
    fn retry(&mut self) {
        let replaced = self.conversation.replace_last(&self.ctx);
        let prompt = match (self.last.take(), replaced) {
            (Some(last), _) => last.prompt,
            (None, Some(prompt)) => prompt,
            (None, None) => {
                self.ctx.ui.dim("nothing to retry yet: no prompt was sent in this conversation");
                return;
            }
        };
        self.turn(prompt);
    }

    /// `/history`: this conversation's exchanges, one line each.
    fn history(&self) {
        let (exchanges, forgotten) = self.conversation.exchanges();
        if exchanges.is_empty() {
            self.ctx.ui.dim("no exchanges yet in this conversation");
            return;
        }
        let id = crate::output::history::short(self.conversation.id());
        let mut text = format!("conversation {id}:");
        for (i, e) in exchanges.iter().enumerate() {
            let status = match e.status {
                _ if i < forgotten && e.is_sent_again() => "forgotten",
                Status::Complete => "complete",
                Status::CutOff => "cut off",
                Status::Interrupted => "interrupted",
                Status::Failed => "failed",
                Status::Replaced => "replaced",
            };
            let words = e.answer.split_whitespace().count();
            let prompt = crate::output::history::fit(&crate::history::title(&e.prompt), 60);
            text.push_str(&format!("\n  {:>3}  {status:<11}  {prompt}  ({})", e.turn, counted_words(words)));
        }
        self.ctx.ui.dim(&text);
    }

    /// `/save FILE`: the conversation as Markdown, as `history show` writes it.
    /// A file this session did not write is never replaced.
    fn save(&mut self, file: &str) {
        let path = self.ctx.settings.user_path(file);
        let (exchanges, _) = self.conversation.exchanges();
        if exchanges.is_empty() {
            self.ctx.ui.dim("nothing to save yet: no exchange in this conversation");
            return;
        }
        if path.exists() && !self.saved.contains(&path) {
            let hint = "give another name, or move that file away first".to_string();
            self.ctx.ui.warn(&format!("{} exists already; it is left as it is", path.display()), &[hint]);
            return;
        }
        let summary = self.conversation.summary(&self.ctx.settings.model);
        let markdown = crate::output::history::markdown(&summary, exchanges, &self.ctx.ui);
        // Written beside it, then renamed over it: a full disk never leaves half a file.
        let mut partial = path.clone().into_os_string();
        partial.push(format!(".{}.partial", crate::id::new()));
        let written = std::fs::write(&partial, markdown).and_then(|()| std::fs::rename(&partial, &path));
        match written {
            Ok(()) => {
                self.ctx.ui.dim(&format!(
                    "saved {} to {}",
                    crate::time_text::counted(exchanges.len() as u64, "exchange"),
                    path.display()
                ));
                self.saved.insert(path);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                self.ctx.ui.warn(&format!("cannot write {}: {e}", path.display()), &[]);
            }
        }
    }

    /// `/print LANG`: the last request as code, exactly as it was sent.
    fn print(&self, language: Language) {
        let Some(last) = &self.last else {
            self.ctx.ui.dim("nothing sent yet in this conversation: /print shows the last request");
            return;
        };
        let then = Sent { after: last.after, forgotten: last.forgotten, system: last.sampling.system.as_deref() };
        let messages = self.conversation.messages_as(then, &last.prompt, None);
        let request = compose(&self.args, &last.model, &last.sampling, messages, None);
        let program = crate::codegen::program(language, &self.ctx.settings.base_url, &request);
        if let Err(e) = self.ctx.ui.data(&program) {
            self.ctx.ui.warn(&format!("cannot print: {e}"), &[]);
        }
    }

    /// `/stats`: this session's turns, tokens and time.
    fn stats(&self) {
        let (exchanges, _) = self.conversation.exchanges();
        let mine = exchanges.get(self.started_with..).unwrap_or_default();
        let sum = |f: fn(&crate::history::Exchange) -> Option<i64>| mine.iter().filter_map(f).sum::<i64>();
        let answered = mine.iter().filter(|e| e.status != Status::Failed).count();
        self.ctx.ui.dim(&format!(
            "this session: {} ({answered} answered); tokens: {} prompt, {} completion; {:.1} s answering; model {}",
            crate::time_text::counted(mine.len() as u64, "turn"),
            sum(|e| e.prompt_tokens),
            sum(|e| e.completion_tokens),
            sum(|e| e.duration_ms) as f64 / 1000.0,
            self.ctx.settings.model
        ));
    }
}

/// Applies a `/temperature`-style change to `value`; returns how to show the value now.
fn change<T: Copy + std::fmt::Display>(value: &mut Option<T>, setting: Setting<T>, unset: &str) -> String {
    match setting {
        Setting::Show => {}
        Setting::Set(v) => *value = Some(v),
        Setting::Clear => *value = None,
    }
    value.map_or_else(|| unset.to_string(), |v| v.to_string())
}

fn counted_words(n: usize) -> String {
    match n {
        0 => "no answer".into(),
        n => crate::time_text::counted(n as u64, "word"),
    }
}
