//! The command line as clap sees it: flags, subcommands and help text, nothing else. No I/O, no
//! environment: `settings` turns this into what the program needs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::defaults;
pub use crate::language::Language;

#[derive(Debug, Parser)]
#[command(
    name = "tokenfactory",
    version,
    about = "Chat with models on Omniva Token Factory from the shell",
    long_about = "Chat with models on Omniva Token Factory (or any OpenAI-compatible API) from the shell.\n\n\
                  Export your key first: export OMNIVA_API_KEY=sk-...",
    after_help = top_help(),
    subcommand_help_heading = "Commands"
)]
pub struct Cli {
    /// Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never
    #[arg(long, value_name = "WHEN", global = true, default_value = "auto")]
    pub color: ColorWhen,

    /// The network options, accepted here (before the command) too.
    #[command(flatten)]
    pub network: NetworkArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The options of every command that talks to the API. They are described once, in
/// `tokenfactory --help`; each command accepts them after its name as well (see [`command`]).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Network options (chat, models, embed, batch run, doctor)")]
pub struct NetworkArgs {
    #[arg(long, value_name = "URL",
        help = format!("API base URL [env: OMNIVA_BASE_URL] [default: {}]", defaults::BASE_URL))]
    pub base_url: Option<String>,

    #[arg(long, value_name = "SECS", value_parser = parse_secs,
        help = format!("Seconds allowed to establish a connection [default: {}]", defaults::CONNECT_TIMEOUT_SECS))]
    pub connect_timeout: Option<f64>,

    #[arg(long, value_name = "SECS", value_parser = parse_secs, help = format!(
        "Seconds allowed for a whole request, or for a stream's first content [env: OMNIVA_TIMEOUT] [default: {}]",
        defaults::TIMEOUT_SECS
    ))]
    pub timeout: Option<f64>,

    #[arg(long, value_name = "SECS", value_parser = parse_secs, help = format!(
        "Longest gap, in seconds, between two pieces of a streamed answer [default: {}]",
        defaults::IDLE_TIMEOUT_SECS
    ))]
    pub idle_timeout: Option<f64>,

    #[arg(long, value_name = "N", help = format!(
        "Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: {}]",
        defaults::RETRIES
    ))]
    pub retries: Option<u32>,

    #[arg(long, value_name = "SECS", value_parser = parse_secs, help = format!(
        "Longest server-asked wait (Retry-After, rate-limit resets) to sleep before going on [default: {}]",
        defaults::MAX_WAIT_SECS
    ))]
    pub max_wait: Option<f64>,

    /// PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]
    #[arg(long, value_name = "FILE")]
    pub ca_bundle: Option<PathBuf>,

    /// Print each request and response line, timings and retries to stderr (key redacted)
    #[arg(short, long)]
    pub verbose: bool,
}

impl NetworkArgs {
    /// These options, each taken from `self` (given after the command) or else from `outer`
    /// (given before it).
    pub fn or(&self, outer: &NetworkArgs) -> NetworkArgs {
        NetworkArgs {
            base_url: self.base_url.clone().or_else(|| outer.base_url.clone()),
            connect_timeout: self.connect_timeout.or(outer.connect_timeout),
            timeout: self.timeout.or(outer.timeout),
            idle_timeout: self.idle_timeout.or(outer.idle_timeout),
            retries: self.retries.or(outer.retries),
            max_wait: self.max_wait.or(outer.max_wait),
            ca_bundle: self.ca_bundle.clone().or_else(|| outer.ca_bundle.clone()),
            verbose: self.verbose || outer.verbose,
        }
    }

    /// The first option given, as typed (`--timeout`), for a command that does not use them.
    pub fn first_given(&self) -> Option<&'static str> {
        [
            (self.base_url.is_some(), "--base-url"),
            (self.connect_timeout.is_some(), "--connect-timeout"),
            (self.timeout.is_some(), "--timeout"),
            (self.idle_timeout.is_some(), "--idle-timeout"),
            (self.retries.is_some(), "--retries"),
            (self.max_wait.is_some(), "--max-wait"),
            (self.ca_bundle.is_some(), "--ca-bundle"),
            (self.verbose, "--verbose"),
        ]
        .into_iter()
        .find_map(|(given, name)| given.then_some(name))
    }
}

/// `-m`: the chat model.
#[derive(Debug, Clone, Default, Args)]
pub struct ModelArg {
    #[arg(short, long, value_name = "ID",
        help = format!("Model ID [env: OMNIVA_MODEL] [default: {}]", defaults::MODEL))]
    pub model: Option<String>,
}

/// The models to try when the model is unavailable.
#[derive(Debug, Clone, Default, Args)]
pub struct FallbackArg {
    /// Model to try next when the model is unavailable (503 or unknown); repeatable [env: OMNIVA_FALLBACK_MODELS]
    #[arg(long = "fallback-model", value_name = "ID")]
    pub fallback_models: Vec<String>,
}

/// What a chat request asks of the model.
#[derive(Debug, Clone, Default, Args)]
pub struct SamplingArgs {
    /// System message sent before the prompt
    #[arg(short, long, value_name = "TEXT")]
    pub system: Option<String>,

    /// Sampling temperature (0 to 2)
    #[arg(long, value_name = "T", value_parser = parse_temperature)]
    pub temperature: Option<f64>,

    /// Most tokens the answer may use (reasoning models spend part of it thinking)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send a prompt and print the answer
    #[command(after_help = chat_help())]
    Chat(ChatArgs),

    /// List the models the API serves, to paste an exact ID
    #[command(after_help = models_help())]
    Models(ModelsArgs),

    /// Turn text into vectors (embeddings): one text, or every line of a file
    #[command(after_help = embed_help())]
    Embed(EmbedArgs),

    /// Run a file of requests, as fast as the rate limit allows; results in order, resumable
    #[command(after_help = batch_help(), subcommand_required = true)]
    Batch(BatchArgs),

    /// Find past conversations: list, show, search, remove
    #[command(after_help = history_help(), args_conflicts_with_subcommands = true)]
    History(HistoryArgs),

    /// Check the setup step by step and explain what is wrong
    #[command(after_help = doctor_help())]
    Doctor(DoctorArgs),

    /// Print a shell completion script
    #[command(after_help = completions_help())]
    Completions(CompletionsArgs),

    /// Print the man page (roff): tokenfactory(1), or tokenfactory-COMMAND(1)
    #[command(hide = true)]
    Man {
        /// The command whose page to print
        command: Option<String>,
    },
}

impl Command {
    /// The network options given after the command's name, for a command that talks to the API.
    pub fn network(&self) -> Option<&NetworkArgs> {
        match self {
            Command::Chat(a) => Some(&a.network),
            Command::Models(a) => Some(&a.network),
            Command::Embed(a) => Some(&a.network),
            Command::Batch(BatchArgs { action: BatchAction::Run(a) }) => Some(&a.network),
            Command::Doctor(a) => Some(&a.network),
            Command::History(_) | Command::Completions(_) | Command::Man { .. } => None,
        }
    }
}

/// The command line's definition, as parsed and as printed in help, completions and man pages:
/// the derived one, with each command's copy of the network options hidden from its help (they
/// are described once, in `tokenfactory --help`).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let network: Vec<clap::Id> =
        NetworkArgs::augment_args(clap::Command::new("network")).get_arguments().map(|a| a.get_id().clone()).collect();
    let hide = |mut cmd: clap::Command| {
        for id in &network {
            if cmd.get_arguments().any(|a| a.get_id() == id) {
                cmd = cmd.mut_arg(id.clone(), |a| a.hide(true));
            }
        }
        cmd
    };
    let mut cli = Cli::command();
    let names: Vec<String> = cli.get_subcommands().map(|c| c.get_name().to_string()).collect();
    for name in names {
        cli = cli.mut_subcommand(&name, |sub| {
            let subs: Vec<String> = sub.get_subcommands().map(|c| c.get_name().to_string()).collect();
            let mut sub = hide(sub);
            for inner in subs {
                sub = sub.mut_subcommand(inner, hide);
            }
            sub
        });
    }
    cli
}

const NETWORK_POINTER: &str = "Network options: --base-url, --timeout, --idle-timeout, --connect-timeout, --retries,
--max-wait, --ca-bundle, -v (described in tokenfactory --help)";

const EXIT_CODES: &str = "\
Exit codes:
  0  success (also when the reader closed stdout early)
  1  other error; doctor: a check failed
  2  usage error
  3  configuration: bad or missing key, base URL or setting, unreadable CA bundle, 404 endpoint
  4  authentication or permission (401, 403)
  5  bad request or unknown model (400, 404 model, 413, 422)
  6  rate limited (429 after retries), or the quota is spent
  7  server error (5xx after retries and fallbacks)
  8  network or TLS: DNS, connect, proxy, certificate, timeout, stream closed before content
  9  stream cut off after content arrived
  130  interrupted (Ctrl-C)";

/// What every command that calls the API reads from the environment.
const KEY_ENV: &str = "  OMNIVA_API_KEY     the API key (never a flag)";

fn top_help() -> String {
    format!(
        "Environment:
{KEY_ENV}
  OMNIVA_BASE_URL    API base URL (--base-url)
  OMNIVA_MODEL       chat model ID (-m)
  OMNIVA_EMBEDDING_MODEL   embed's model (-m of embed)
  OMNIVA_FALLBACK_MODELS   comma-separated fallback models (--fallback-model)
  OMNIVA_TIMEOUT     request timeout in seconds (--timeout)
  OMNIVA_CA_BUNDLE   extra CA certificates, PEM (--ca-bundle)
  OMNIVA_HISTORY     history file, or off (--no-history)
  HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY   proxies, either case, as curl reads them
  NO_COLOR, CLICOLOR_FORCE   turn colours off / on (--color)

{EXIT_CODES}"
    )
}

/// A command's help footer: examples, what it reads from the environment, the network options'
/// pointer, and the exit codes (`exits`: the whole table, or the few that apply).
fn footer(examples: &str, env: &str, network: bool, exits: &str) -> String {
    let mut out = format!("Examples:\n{examples}\n\nEnvironment:\n{env}\n");
    if network {
        out.push_str(&format!("\n{NETWORK_POINTER}\n"));
    }
    out.push_str(&format!("\n{exits}"));
    out
}

fn chat_help() -> String {
    footer(
        "  tokenfactory chat \"What is retrieval-augmented generation?\"
  cat notes.md | tokenfactory chat \"summarize\"
  tokenfactory chat --stream \"Write a haiku about latency\"
  tokenfactory chat -s \"Answer in one sentence\" --stats \"Why is the sky blue?\"
  tokenfactory chat --fallback-model Omniva/Kimi-K2.5 \"hello\"
  tokenfactory chat - < prompt.txt
  tokenfactory chat -c \"now make it shorter\"
  tokenfactory chat                    # on a terminal: an interactive session (/help inside)
  tokenfactory chat -i -c              # reopen the latest conversation in a session
  tokenfactory chat --print python \"hi\" > first_call.py
  tokenfactory chat --schema person.json \"Invent a person\" | jq .name",
        &format!(
            "{KEY_ENV}
  OMNIVA_MODEL       model ID (-m)
  OMNIVA_FALLBACK_MODELS   comma-separated fallback models (--fallback-model)
  OMNIVA_HISTORY     history file, or off (--no-history)"
        ),
        true,
        EXIT_CODES,
    )
}

fn embed_help() -> String {
    footer(
        "  tokenfactory embed \"What is retrieval-augmented generation?\"
  tokenfactory embed --lines passages.txt -o vectors.jsonl
  tokenfactory embed --lines - --no-text < passages.txt > vectors.jsonl
  tokenfactory embed -m BAAI/bge-large-en-v1.5 --dimensions 256 --stats \"hello\"",
        &format!(
            "{KEY_ENV}
  OMNIVA_EMBEDDING_MODEL   embed's model (-m); OMNIVA_MODEL, a chat model, is not used"
        ),
        true,
        EXIT_CODES,
    )
}

fn batch_help() -> String {
    footer(
        "  tokenfactory batch run tickets.jsonl -o results.jsonl
  tokenfactory batch run --lines questions.txt -o answers.jsonl -j 16
  tokenfactory batch run --check tickets.jsonl
  jq -r '.response.body.choices[0].message.content' answers.jsonl",
        &format!(
            "{KEY_ENV}
  OMNIVA_MODEL       the model of chat lines that name none (-m)
  OMNIVA_EMBEDDING_MODEL   the model of embeddings lines that name none
  OMNIVA_FALLBACK_MODELS   comma-separated fallback models (--fallback-model)"
        ),
        true,
        EXIT_CODES,
    )
}

fn history_help() -> String {
    footer(
        "  tokenfactory history
  tokenfactory history show
  tokenfactory history show 3f2a --json
  tokenfactory history search \"retrieval augmented\"
  tokenfactory history rm 3f2a9b01",
        "  OMNIVA_HISTORY     history file, or off",
        false,
        "Exit codes: 0 success, 1 failure (no history), 2 usage error",
    )
}

fn models_help() -> String {
    footer(
        "  tokenfactory models
  tokenfactory models kimi
  tokenfactory models --sort created
  tokenfactory models | fzf
  tokenfactory models --json | jq '.data[].id'",
        &format!("{KEY_ENV}\n  OMNIVA_MODEL       the model marked as the default"),
        true,
        EXIT_CODES,
    )
}

fn doctor_help() -> String {
    footer(
        "  tokenfactory doctor
  tokenfactory doctor --no-chat
  tokenfactory doctor --json > doctor.json
  tokenfactory doctor --explain
  tokenfactory doctor --explain 429",
        &format!(
            "{KEY_ENV}
  OMNIVA_MODEL       the model checked (-m)
  OMNIVA_EMBEDDING_MODEL   the model --embeddings checks"
        ),
        true,
        "Exit codes: 0 every check passed (warnings allowed), 1 a check failed, 2 usage error",
    )
}

fn completions_help() -> String {
    "Examples:
  tokenfactory completions bash > ~/.local/share/bash-completion/completions/tokenfactory
  tokenfactory completions zsh > ~/.zfunc/_tokenfactory
  tokenfactory completions fish > ~/.config/fish/completions/tokenfactory.fish

Model IDs after -m/--model complete from `tokenfactory models` (bash, zsh, fish) when OMNIVA_API_KEY
is set, within 2 seconds.

Exit codes: 0 success, 2 usage error (unknown shell)"
        .to_string()
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// The text; several words are joined by spaces. Piped stdin comes first. `-` reads stdin only.
    /// With --lines: the file to read.
    #[arg(value_name = "TEXT")]
    pub text: Vec<String>,

    /// One input per non-empty line of FILE (or of the file TEXT names; - for stdin); one JSON
    /// line per input, in input order
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "")]
    pub lines: Option<std::ffi::OsString>,

    #[arg(short, long, value_name = "ID", help = format!(
        "Embeddings model [env: OMNIVA_EMBEDDING_MODEL] [default: {}]",
        defaults::EMBEDDING_MODEL
    ))]
    pub model: Option<String>,

    /// Inputs per request with --lines (a request the server finds too large is split)
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=2048), requires = "lines")]
    pub batch_size: u16,

    /// Most requests in flight at once with --lines (fewer while the server refuses)
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024), requires = "lines")]
    pub jobs: u16,

    /// With --lines, write the results here: inputs already in it are skipped (resume)
    #[arg(short = 'o', long = "output", value_name = "FILE", requires = "lines")]
    pub output: Option<PathBuf>,

    /// With -o: send again the inputs whose lines in FILE hold an error
    #[arg(long, requires = "output")]
    pub retry_failed: bool,

    /// With -o: replace FILE's results instead of resuming from them
    #[arg(long, requires = "output", conflicts_with = "retry_failed")]
    pub restart: bool,

    /// With --lines, leave each input's text out of its line
    #[arg(long, requires = "lines")]
    pub no_text: bool,

    /// Ask for vectors of N dimensions (servers that support it shorten them)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub dimensions: Option<u32>,

    /// Print the server's JSON as received instead of the vector
    #[arg(long, conflicts_with = "lines")]
    pub json: bool,

    /// Print tokens, vectors, dimensions and time to stderr
    #[arg(long)]
    pub stats: bool,

    /// Never read stdin (for cron and CI)
    #[arg(long)]
    pub no_stdin: bool,

    #[command(flatten)]
    pub network: NetworkArgs,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    #[command(subcommand)]
    pub action: BatchAction,
}

#[derive(Debug, Subcommand)]
pub enum BatchAction {
    /// Send every request of INPUT; write one result line per request, in input order
    #[command(after_help = batch_help())]
    Run(BatchRunArgs),
}

#[derive(Debug, Args)]
pub struct BatchRunArgs {
    /// OpenAI batch lines, {"prompt": …} lines, or with --lines one prompt per line; - for stdin
    #[arg(value_name = "INPUT", required_unless_present = "lines")]
    pub input: Option<PathBuf>,

    /// Each non-empty line of FILE (or INPUT) is one prompt; its ID is its line number
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "")]
    pub lines: Option<std::ffi::OsString>,

    /// Write the results here: IDs already in it are skipped (resume) [default: stdout]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// With -o: send again the requests whose lines in FILE hold an error
    #[arg(long, requires = "output")]
    pub retry_failed: bool,

    /// With -o: replace FILE's results instead of resuming from them
    #[arg(long, requires = "output", conflicts_with = "retry_failed")]
    pub restart: bool,

    /// Most requests in flight at once (fewer while the server refuses)
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: u16,

    /// Check every line of INPUT and send nothing
    #[arg(long)]
    pub check: bool,

    /// Stop when no request has succeeded for this long (all refused or failing)
    #[arg(long, value_name = "SECS", value_parser = parse_secs, help = format!(
        "Stop the run when no request has been answered for this many seconds [default: {}]",
        defaults::NO_PROGRESS_SECS
    ))]
    pub give_up_after: Option<f64>,

    #[command(flatten)]
    pub model: ModelArg,

    #[command(flatten)]
    pub fallback: FallbackArg,

    /// -s, --temperature and --max-tokens apply to requests that give none.
    #[command(flatten)]
    pub sampling: SamplingArgs,

    #[command(flatten)]
    pub network: NetworkArgs,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub action: Option<HistoryAction>,

    /// How many conversations to list, newest first
    #[arg(short = 'n', long = "limit", value_name = "N", default_value_t = 20, value_parser = parse_limit)]
    pub limit: usize,

    /// Print the conversations as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum HistoryAction {
    /// Print a conversation as Markdown: the latest, or ID (a unique prefix is enough)
    Show {
        /// The conversation: its ID, or a unique prefix of 4 characters or more [default: the latest]
        #[arg(value_name = "ID")]
        id: Option<String>,

        /// Print the conversation and every recorded field as JSON
        #[arg(long)]
        json: bool,
    },
    /// Full-text search over prompts and answers, best matches first
    Search {
        /// Words that must all occur (as words, in any order)
        #[arg(value_name = "TEXT", required = true)]
        text: Vec<String>,

        /// How many matches to print
        #[arg(short = 'n', long = "limit", value_name = "N", default_value_t = 20, value_parser = parse_limit)]
        limit: usize,

        /// Print the matches as JSON
        #[arg(long)]
        json: bool,
    },
    /// Delete conversations
    Rm {
        /// The conversations: IDs, or unique prefixes of 4 characters or more
        #[arg(value_name = "ID", required = true)]
        ids: Vec<String>,
    },
    /// Delete the whole history (asks first on a terminal)
    Clear {
        /// Do not ask (needed when stdin is not a terminal)
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Print where the history file is
    Path,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub model: ModelArg,

    /// Skip the checks that cost tokens (a completion and a stream)
    #[arg(long)]
    pub no_chat: bool,

    /// Print the results as JSON (for support tickets and scripts)
    #[arg(long, conflicts_with = "explain")]
    pub json: bool,

    /// Also check one small embeddings request to OMNIVA_EMBEDDING_MODEL (else the default
    /// embeddings model); billable, and sent with --no-chat too
    #[arg(long)]
    pub embeddings: bool,

    /// Print the troubleshooting guide (marking what applies now), or one case: a status such as 429, or a name
    #[arg(long, value_name = "CASE", num_args = 0..=1, default_missing_value = "")]
    pub explain: Option<String>,

    #[command(flatten)]
    pub network: NetworkArgs,
}

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Show only IDs containing this text (case-insensitive)
    #[arg(value_name = "FILTER")]
    pub filter: Option<String>,

    /// Order: id (case-insensitive), created (newest first), owner (then ID)
    #[arg(long, value_name = "KEY", default_value = "id")]
    pub sort: ModelSort,

    /// Print the server's JSON as received (unfiltered)
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub network: NetworkArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelSort {
    Id,
    Created,
    Owner,
}

#[derive(Debug, Clone, Args)]
pub struct ChatArgs {
    /// The prompt; several words are joined by spaces. Piped stdin comes first. `-` reads stdin only.
    /// With -i: the session's first prompt
    #[arg(value_name = "PROMPT")]
    pub prompt: Vec<String>,

    /// Open an interactive session (the default on a terminal when no prompt is given)
    #[arg(short = 'i', long, conflicts_with_all = ["json", "print", "schema"])]
    pub interactive: bool,

    #[command(flatten)]
    pub model: ModelArg,

    #[command(flatten)]
    pub sampling: SamplingArgs,

    /// Print tokens as they arrive
    #[arg(long)]
    pub stream: bool,

    /// Print the raw JSON response instead of the answer (with --stream: one chunk object per line)
    #[arg(long)]
    pub json: bool,

    /// Show the model's reasoning on stderr
    #[arg(long)]
    pub reasoning: bool,

    /// Print model, token counts and timings to stderr after the answer
    #[arg(long)]
    pub stats: bool,

    #[command(flatten)]
    pub fallback: FallbackArg,

    /// Never read stdin (for cron and CI, where stdin is not a terminal but not input either)
    #[arg(long)]
    pub no_stdin: bool,

    /// Continue the latest conversation: its messages are sent before the prompt
    #[arg(short = 'c', long = "continue", conflicts_with_all = ["conversation", "no_history"])]
    pub continue_latest: bool,

    /// Continue conversation ID (a unique prefix of 4 characters or more; see `tokenfactory history`)
    #[arg(long, value_name = "ID", conflicts_with = "no_history")]
    pub conversation: Option<String>,

    /// Record nothing in the history, and read nothing from it [env: OMNIVA_HISTORY=off]
    #[arg(long)]
    pub no_history: bool,

    /// Print the request as a runnable program instead of sending it (the key stays $OMNIVA_API_KEY)
    #[arg(long, value_name = "LANG")]
    pub print: Option<Language>,

    /// The answer must be JSON valid against this JSON Schema (a file, or inline JSON)
    #[arg(long, value_name = "SCHEMA")]
    pub schema: Option<String>,

    /// How many times an answer that fails the schema is asked for again; 0 never
    #[arg(long, value_name = "N", default_value_t = 1, requires = "schema")]
    pub schema_retries: u32,

    #[command(flatten)]
    pub network: NetworkArgs,
}

fn parse_secs(s: &str) -> Result<f64, String> {
    crate::time_text::parse_positive_secs(s)
        .ok_or_else(|| "expected a positive number of seconds, e.g. 30 or 0.5".into())
}

/// A sampling temperature: 0 to 2 (also read by the session's `/temperature`).
pub fn parse_temperature(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..=2.0).contains(&v) => Ok(v),
        _ => Err("expected a number from 0 to 2".into()),
    }
}

/// A count of rows to show: 1 to 1,000,000.
fn parse_limit(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
        _ => Err("expected a number from 1 to 1000000".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        command().debug_assert();
    }
}
