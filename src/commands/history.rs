//! `tokenfactory history`: the recent conversations, one as Markdown (`show`), full-text `search`,
//! `rm`, `clear` and `path`. Reading never creates the history file.

use crate::report::Result;

use super::Context;
use crate::cli::{HistoryAction, HistoryArgs};
use crate::history::{Found, Store};
use crate::output::{Tone, history as render};
use crate::report::{Exit, UsageError};
use crate::settings::HistoryPlace;

pub fn run(ctx: &Context, args: &HistoryArgs) -> Result<Exit> {
    let path = match &ctx.settings.history {
        HistoryPlace::File(path) => path.clone(),
        HistoryPlace::Off(why) => {
            ctx.ui.say(Tone::Info, &format!("history is off: {why}"));
            return Ok(Exit::Failure);
        }
    };
    if let Some(HistoryAction::Path) = args.action {
        ctx.ui.data(&format!("{}\n", path.display()))?;
        return Ok(Exit::Ok);
    }
    let Some(mut store) = Store::open_existing(&path)? else {
        ctx.ui.say(Tone::Info, &format!("no conversations yet ({} does not exist)", path.display()));
        return Ok(match &args.action {
            Some(HistoryAction::Rm { .. } | HistoryAction::Show { .. }) => Exit::Failure,
            _ => Exit::Ok,
        });
    };
    match &args.action {
        None => list(ctx, &store, args.limit, args.json),
        Some(HistoryAction::Show { id, json }) => show(ctx, &store, id.as_deref(), *json),
        Some(HistoryAction::Search { text, limit, json }) => search(ctx, &store, &text.join(" "), *limit, *json),
        Some(HistoryAction::Rm { ids }) => remove(ctx, &mut store, ids),
        Some(HistoryAction::Clear { yes }) => clear(ctx, &mut store, *yes),
        Some(HistoryAction::Path) => unreachable!("answered before opening the file"),
    }
}

fn list(ctx: &Context, store: &Store, limit: usize, json: bool) -> Result<Exit> {
    let conversations = store.list(limit)?;
    if json {
        ctx.ui.data(&format!("{}\n", pretty(&conversations)))?;
    } else if conversations.is_empty() {
        ctx.ui.say(Tone::Info, "no conversations yet");
    } else {
        ctx.ui.data(&render::list(&conversations, &ctx.ui, ctx.settings.display.terminals.width))?;
    }
    Ok(Exit::Ok)
}

fn show(ctx: &Context, store: &Store, id: Option<&str>, json: bool) -> Result<Exit> {
    let id = match id {
        Some(prefix) => resolve(store, prefix)?,
        None => store
            .latest()?
            .ok_or_else(|| UsageError { message: "there are no conversations yet".into(), hint: None })?,
    };
    let Some((summary, exchanges)) = store.conversation(&id)? else {
        return Err(UsageError { message: format!("conversation {id} is gone"), hint: None }.into());
    };
    if json {
        let doc = serde_json::json!({ "conversation": summary, "exchanges": exchanges });
        ctx.ui.data(&format!("{}\n", pretty(&doc)))?;
    } else {
        ctx.ui.data(&render::markdown(&summary, &exchanges, &ctx.ui))?;
    }
    Ok(Exit::Ok)
}

fn search(ctx: &Context, store: &Store, text: &str, limit: usize, json: bool) -> Result<Exit> {
    let hits = store.search(text, limit)?;
    if json {
        let hits: Vec<_> = hits
            .iter()
            .map(|h| {
                serde_json::json!({
                    "conversation": h.conversation, "turn": h.turn, "at": h.at, "model": h.model,
                    "snippet": render::plain_snippet(&h.snippet),
                })
            })
            .collect();
        ctx.ui.data(&format!("{}\n", pretty(&hits)))?;
    } else if hits.is_empty() {
        ctx.ui.say(Tone::Info, &format!("nothing in the history matches {text:?}"));
    } else {
        ctx.ui.data(&render::search(&hits, &ctx.ui))?;
    }
    Ok(Exit::Ok)
}

/// Removes the conversations, all or none: every ID is resolved before anything is deleted.
fn remove(ctx: &Context, store: &mut Store, prefixes: &[String]) -> Result<Exit> {
    let ids = prefixes.iter().map(|p| resolve(store, p)).collect::<Result<Vec<_>>>()?;
    for id in ids {
        let turns = store.remove(&id)?;
        let plural = if turns == 1 { "" } else { "s" };
        ctx.ui.say(Tone::Info, &format!("removed conversation {} ({turns} turn{plural})", render::short(&id)));
    }
    Ok(Exit::Ok)
}

fn clear(ctx: &Context, store: &mut Store, yes: bool) -> Result<Exit> {
    let count = store.count()?;
    if !yes {
        let terminals = ctx.settings.display.terminals;
        if !(terminals.stdin && terminals.stderr) {
            return Err(UsageError {
                message: "history clear deletes every conversation; there is no terminal to ask on".into(),
                hint: Some("pass --yes to confirm: tokenfactory history clear --yes".into()),
            }
            .into());
        }
        let question = format!("Delete all {count} conversations from the history? [y/N] ");
        if !ctx.ui.confirm(&question)? {
            ctx.ui.say(Tone::Info, "nothing deleted");
            return Ok(Exit::Ok);
        }
    }
    let removed = store.clear()?;
    ctx.ui.say(Tone::Info, &format!("deleted {removed} conversation{}", if removed == 1 { "" } else { "s" }));
    Ok(Exit::Ok)
}

/// Our own records as indented JSON (they always serialise).
fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The shortest prefix that names a conversation: shorter ones are too easy to type by mistake.
const SHORTEST_PREFIX: usize = 4;

/// The conversation a unique prefix of 4 or more characters (or a whole ID) names; a usage error
/// (exit 2) otherwise.
pub fn resolve(store: &Store, prefix: &str) -> Result<String> {
    if prefix.trim().len() < SHORTEST_PREFIX {
        return Err(UsageError {
            message: format!(
                "{prefix:?} is too short to name a conversation: give at least {SHORTEST_PREFIX} characters of its ID"
            ),
            hint: Some("list the IDs with: tokenfactory history".into()),
        }
        .into());
    }
    match store.find(prefix)? {
        Found::One(id) => Ok(id),
        Found::None => Err(UsageError {
            message: format!("no conversation ID starts with {prefix:?}"),
            hint: Some("list them with: tokenfactory history".into()),
        }
        .into()),
        Found::Several(matches) => {
            let list: Vec<String> =
                matches.iter().map(|s| format!("{} ({})", s.id, render::fit(&s.title, 40))).collect();
            Err(UsageError {
                message: format!("{prefix:?} starts more than one conversation ID"),
                hint: Some(format!("give more of the ID: {}", list.join(", "))),
            }
            .into())
        }
    }
}
