//! The command line as clap sees it: flags, subcommands and help text, nothing else. No I/O, no
//! environment: `settings` turns this into what the program needs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::defaults;

#[derive(Debug, Parser)]
#[command(
    name = "tokenfactory",
    version,
    about = "Chat with models on Omniva Token Factory from the shell",
    long_about = "Chat with models on Omniva Token Factory (or any OpenAI-compatible API) from the shell.\n\n\
                  Export your key first: export OMNIVA_API_KEY=sk-...",
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes. The API key is deliberately not among them: it comes only from
/// `OMNIVA_API_KEY`, so it never lands in shell history or `ps` output.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    #[arg(long, value_name = "URL", global = true,
        help = format!("API base URL [env: OMNIVA_BASE_URL] [default: {}]", defaults::BASE_URL))]
    pub base_url: Option<String>,

    #[arg(short, long, value_name = "ID", global = true,
        help = format!("Model ID [env: OMNIVA_MODEL] [default: {}]", defaults::MODEL))]
    pub model: Option<String>,

    #[arg(long, value_name = "SECS", global = true, value_parser = parse_secs,
        help = format!("Seconds allowed to establish a connection [default: {}]", defaults::CONNECT_TIMEOUT_SECS))]
    pub connect_timeout: Option<f64>,

    #[arg(long, value_name = "SECS", global = true, value_parser = parse_secs, help = format!(
        "Seconds allowed for a whole request, or a stream's first byte [env: OMNIVA_TIMEOUT] [default: {}]",
        defaults::TIMEOUT_SECS
    ))]
    pub timeout: Option<f64>,

    #[arg(long, value_name = "SECS", global = true, value_parser = parse_secs,
        help = format!("Longest gap, in seconds, between two chunks of a stream [default: {}]", defaults::IDLE_TIMEOUT_SECS))]
    pub idle_timeout: Option<f64>,

    #[arg(long, value_name = "N", global = true, help = format!(
        "Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: {}]",
        defaults::RETRIES
    ))]
    pub retries: Option<u32>,

    #[arg(long, value_name = "SECS", global = true, value_parser = parse_secs, help = format!(
        "Longest server-asked wait (Retry-After) to sleep before retrying [default: {}]",
        defaults::MAX_WAIT_SECS
    ))]
    pub max_wait: Option<f64>,

    /// PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]
    #[arg(long, value_name = "FILE", global = true)]
    pub ca_bundle: Option<PathBuf>,

    /// Print each request and response line, timings and retries to stderr (key redacted)
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never
    #[arg(long, value_name = "WHEN", global = true, default_value = "auto")]
    pub color: ColorWhen,
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

const COMMON_ENV: &str = "  OMNIVA_API_KEY     the API key (required; never a flag)
  OMNIVA_BASE_URL    API base URL (--base-url)
  OMNIVA_MODEL       model ID (-m)
  OMNIVA_TIMEOUT     request timeout in seconds (--timeout)
  OMNIVA_CA_BUNDLE   extra CA certificates, PEM (--ca-bundle)
  HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY   proxies, either case, as curl reads them
  NO_COLOR, CLICOLOR_FORCE   turn colours off / on (--color)";

const EXIT_CODES: &str = "\
Exit codes:
  0  success (also when the reader closed stdout early)
  1  other error; doctor: a check failed
  2  usage error
  3  configuration: bad or missing key, base URL or setting, unreadable CA bundle, 404 endpoint
  4  authentication or permission (401, 403)
  5  bad request or unknown model (400, 404 model, 413, 422)
  6  rate limited (429 after retries)
  7  server error (5xx after retries and fallbacks)
  8  network or TLS: DNS, connect, proxy, certificate, timeout, stream closed before content
  9  stream cut off after content arrived
  130  interrupted (Ctrl-C)";

fn footer(examples: &str, extra_env: &str) -> String {
    format!("Examples:\n{examples}\n\nEnvironment:\n{COMMON_ENV}{extra_env}\n\n{EXIT_CODES}")
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
  tokenfactory chat --print python \"hi\" > first_call.py
  tokenfactory chat --schema person.json \"Invent a person\" | jq .name",
        "\n  OMNIVA_FALLBACK_MODELS   comma-separated fallback models (--fallback-model)\n  OMNIVA_HISTORY     history file, or off (--no-history)",
    )
}

fn embed_help() -> String {
    footer(
        "  tokenfactory embed \"What is retrieval-augmented generation?\"
  tokenfactory embed --lines passages.txt -o vectors.jsonl
  tokenfactory embed --lines - --no-text < passages.txt > vectors.jsonl
  tokenfactory embed -m BAAI/bge-large-en-v1.5 --dimensions 256 --stats \"hello\"",
        &format!(
            "\n  OMNIVA_EMBEDDING_MODEL   embed's model (-m) [default: {}]; OMNIVA_MODEL,\n                           a chat model, is not used by embed",
            defaults::EMBEDDING_MODEL
        ),
    )
}

fn batch_help() -> String {
    footer(
        "  tokenfactory batch run tickets.jsonl -o results.jsonl
  tokenfactory batch run --lines questions.txt -o answers.jsonl -j 16
  tokenfactory batch run --check tickets.jsonl
  jq -r '.response.body.choices[0].message.content' answers.jsonl",
        "",
    )
}

fn history_help() -> String {
    footer(
        "  tokenfactory history
  tokenfactory history show
  tokenfactory history show 3f2a --json
  tokenfactory history search \"retrieval augmented\"
  tokenfactory history rm 3f2a 9b01
  tokenfactory history | head -1 | xargs tokenfactory history show",
        "\n  OMNIVA_HISTORY     history file, or off",
    )
}

fn models_help() -> String {
    footer(
        "  tokenfactory models
  tokenfactory models kimi
  tokenfactory models --sort created
  tokenfactory models | fzf
  tokenfactory models --json | jq '.data[].id'",
        "",
    )
}

fn doctor_help() -> String {
    footer(
        "  tokenfactory doctor
  tokenfactory doctor --no-chat
  tokenfactory doctor --json > doctor.json
  tokenfactory doctor --explain
  tokenfactory doctor --explain 429",
        "",
    )
}

fn completions_help() -> String {
    "Examples:
  tokenfactory completions bash > ~/.local/share/bash-completion/completions/tokenfactory
  tokenfactory completions zsh > ~/.zfunc/_tokenfactory
  tokenfactory completions fish > ~/.config/fish/completions/tokenfactory.fish

Model IDs after -m/--model complete from `tokenfactory models` (bash, zsh, fish) when OMNIVA_API_KEY
is set, within 2 seconds.

Exit codes:
  0  success
  2  usage error (unknown shell)"
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
    #[arg(value_name = "TEXT")]
    pub text: Vec<String>,

    /// One input per non-empty line of FILE (- for stdin); one JSON line per input, in input order
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    pub lines: Option<PathBuf>,

    /// Inputs per request with --lines (a request the server finds too large is split)
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=2048), requires = "lines", conflicts_with = "text")]
    pub batch_size: u16,

    /// Most requests in flight at once with --lines (fewer while the server refuses)
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024), requires = "lines", conflicts_with = "text")]
    pub jobs: u16,

    /// With --lines, write the results here, appending: inputs already in it are skipped (resume)
    #[arg(short = 'o', long = "output", value_name = "FILE", requires = "lines", conflicts_with = "text")]
    pub output: Option<PathBuf>,

    /// With -o: take the lines that hold an error out of FILE first, so those inputs are sent again
    #[arg(long, requires = "output", conflicts_with = "text")]
    pub retry_failed: bool,

    /// With --lines, leave each input's text out of its line
    #[arg(long, requires = "lines", conflicts_with = "text")]
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
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// Write the results here, appending: IDs already in it are skipped (resume) [default: stdout]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// With -o: take the lines that hold an error out of FILE first, so those requests are sent again
    #[arg(long, requires = "output")]
    pub retry_failed: bool,

    /// Most requests in flight at once (fewer while the server refuses)
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: u16,

    /// Each non-empty line of INPUT is one prompt (its ID is its line number)
    #[arg(long)]
    pub lines: bool,

    /// Check every line of INPUT and send nothing
    #[arg(long)]
    pub check: bool,

    /// System message for requests that give none
    #[arg(short, long, value_name = "TEXT")]
    pub system: Option<String>,

    /// Sampling temperature (0 to 2) for requests that give none
    #[arg(long, value_name = "T", value_parser = parse_temperature)]
    pub temperature: Option<f64>,

    /// Most tokens an answer may use, for requests that give none
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,

    /// Model to try next when a model is unavailable (503 or unknown); repeatable [env: OMNIVA_FALLBACK_MODELS]
    #[arg(long = "fallback-model", value_name = "ID")]
    pub fallback_models: Vec<String>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub action: Option<HistoryAction>,

    /// How many conversations to list, newest first
    #[arg(short = 'n', long = "limit", value_name = "N", default_value_t = 20)]
    pub limit: usize,

    /// Print the conversations as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum HistoryAction {
    /// Print a conversation as Markdown: the latest, or ID (a unique prefix is enough)
    Show {
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
        #[arg(short = 'n', long = "limit", value_name = "N", default_value_t = 20)]
        limit: usize,

        /// Print the matches as JSON
        #[arg(long)]
        json: bool,
    },
    /// Delete conversations (unique ID prefixes are enough)
    Rm {
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
    #[arg(long, value_name = "CASE", num_args = 0..=1)]
    pub explain: Option<Option<String>>,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelSort {
    Id,
    Created,
    Owner,
}

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The prompt; several words are joined by spaces. Piped stdin comes first. `-` reads stdin only.
    #[arg(value_name = "PROMPT")]
    pub prompt: Vec<String>,

    /// System message sent before the prompt
    #[arg(short, long, value_name = "TEXT")]
    pub system: Option<String>,

    /// Sampling temperature (0 to 2)
    #[arg(long, value_name = "T", value_parser = parse_temperature)]
    pub temperature: Option<f64>,

    /// Most tokens the answer may use (reasoning models spend part of it thinking)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,

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

    /// Model to try next when the model is unavailable (503 or unknown); repeatable [env: OMNIVA_FALLBACK_MODELS]
    #[arg(long = "fallback-model", value_name = "ID")]
    pub fallback_models: Vec<String>,

    /// Never read stdin (for cron and CI, where stdin is not a terminal but not input either)
    #[arg(long)]
    pub no_stdin: bool,

    /// Continue the latest conversation: its messages are sent before the prompt
    #[arg(short = 'c', long = "continue", conflicts_with_all = ["conversation", "no_history"])]
    pub continue_latest: bool,

    /// Continue conversation ID (a unique prefix is enough; see `tokenfactory history`)
    #[arg(long, value_name = "ID", conflicts_with = "no_history")]
    pub conversation: Option<String>,

    /// Record nothing in the history, and read nothing from it [env: OMNIVA_HISTORY=off]
    #[arg(long)]
    pub no_history: bool,

    /// Print the request as a runnable program instead of sending it (the key stays $OMNIVA_API_KEY)
    #[arg(long, value_name = "LANG")]
    pub print: Option<PrintLanguage>,

    /// The answer must be JSON valid against this JSON Schema (a file, or inline JSON)
    #[arg(long, value_name = "SCHEMA")]
    pub schema: Option<String>,

    /// How many times an answer that fails the schema is asked for again; 0 never
    #[arg(long, value_name = "N", default_value_t = 1, requires = "schema")]
    pub schema_retries: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrintLanguage {
    Curl,
    Python,
    #[value(alias = "ts")]
    Typescript,
    Http,
}

fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 1e9 => Ok(v),
        _ => Err("expected a positive number of seconds, e.g. 30 or 0.5".into()),
    }
}

fn parse_temperature(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=2.0).contains(&v) => Ok(v),
        _ => Err("expected a number from 0 to 2".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
