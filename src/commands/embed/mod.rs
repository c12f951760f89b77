//! `tokenfactory embed`: text to vectors for the retrieval half of RAG. One text (arguments and
//! stdin, as `chat` reads them) prints its vector as a JSON array; `--lines` embeds every line of
//! a file (`lines.rs`). Vectors are matched to inputs by `index`, never by position, and written as
//! the server sent them: no float is parsed and printed again.

mod lines;
mod sender;

use std::time::Instant;

use crate::report::Result;

use super::Context;
use crate::api::wire::{EmbeddingInput, EmbeddingRequest};
use crate::api::{ApiError, Client};
use crate::api::{dimensions, one_line, vectors};
use crate::cli::EmbedArgs;
use crate::report::Exit;

pub fn run(ctx: &Context, args: &EmbedArgs) -> Result<Exit> {
    match &args.lines {
        Some(path) => lines::run(ctx, args, &lines_file(path, &args.text)?),
        None => one(ctx, args),
    }
}

/// The file of `--lines`: its value, else the one TEXT word (`embed passages.txt --lines`).
fn lines_file(value: &std::ffi::OsStr, text: &[String]) -> Result<std::path::PathBuf> {
    let usage = |message: &str| crate::report::UsageError {
        message: message.to_string(),
        hint: Some("tokenfactory embed --lines passages.txt (or: embed passages.txt --lines; - for stdin)".into()),
    };
    match (value.is_empty(), text) {
        (false, []) => Ok(std::path::PathBuf::from(value)),
        (true, [file]) => Ok(std::path::PathBuf::from(file)),
        (false, _) => Err(usage("--lines FILE reads its texts from FILE: give no TEXT beside it").into()),
        (true, []) => Err(usage("--lines needs the file to read").into()),
        (true, _) => Err(usage("--lines reads one file: give one TEXT, the file's name").into()),
    }
}

/// One small request (`doctor --embeddings`): how many dimensions the vector has, or the error.
pub async fn probe(client: &Client, model: &str) -> Result<usize, ApiError> {
    let reply = client.post_for_text("embeddings", body(model, EmbeddingInput::One("ping"), None), Some(model)).await?;
    Ok(dimensions(vectors(&reply.raw, 1)?.each[0]))
}

/// The request body for `inputs`.
fn body(model: &str, inputs: EmbeddingInput, dimensions: Option<u32>) -> Vec<u8> {
    serde_json::to_vec(&EmbeddingRequest { model, input: inputs, dimensions }).unwrap_or_default()
}

fn one(ctx: &Context, args: &EmbedArgs) -> Result<Exit> {
    let text = super::prompt::gather(ctx, &args.text, args.no_stdin, &super::prompt::EMBED)?;
    let model = ctx.settings.model.clone();
    let client = ctx.client()?;
    let started = Instant::now();
    let request = body(&model, EmbeddingInput::One(&text), args.dimensions);
    let mut spinner = ctx.spinner(format!("embedding with {model}…"));
    let policy = ctx.retry_policy();
    let reply = Context::runtime()?.block_on(policy.run(
        || client.post_for_text("embeddings", request.clone(), Some(&model)),
        |n| super::announce_retry(&ctx.ui, &spinner, n),
    ));
    spinner.clear();
    let reply = reply?;
    let vectors = vectors(&reply.raw, 1)?;
    let vector = vectors.each[0];
    if args.json {
        let newline = if reply.raw.ends_with('\n') { "" } else { "\n" };
        ctx.ui.data(&format!("{}{newline}", reply.raw))?;
    } else {
        ctx.ui.data(&format!("{}\n", one_line(vector)))?;
    }
    if args.stats {
        stats(ctx, &model, vectors.tokens, 1, dimensions(vector), started.elapsed());
    }
    Ok(Exit::Ok)
}

/// `--stats` on stderr.
fn stats(
    ctx: &Context,
    model: &str,
    tokens: Option<u64>,
    vectors: u64,
    dimensions: usize,
    elapsed: std::time::Duration,
) {
    let tokens = tokens.map_or_else(|| "not reported".to_string(), |t| t.to_string());
    ctx.ui.dim(&format!(
        "model: {model}; vectors: {vectors}; dimensions: {dimensions}; tokens: {tokens}; time: {:.2} s",
        elapsed.as_secs_f64()
    ));
}
