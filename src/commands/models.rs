//! `tokenfactory models`: the catalog as an aligned table on a terminal, one ID per line when
//! piped, or the server's JSON as received.

use std::cmp::Ordering;

use crate::report::Result;

use super::Context;
use crate::api::wire::Model;
use crate::cli::{ModelSort, ModelsArgs};
use crate::output::{Tone, table};
use crate::report::Exit;
use crate::time_text::utc_day;

pub fn run(ctx: &Context, args: &ModelsArgs) -> Result<Exit> {
    let client = ctx.client()?;
    let runtime = Context::runtime()?;
    let mut spinner = ctx.spinner("fetching the model list…".into());
    let policy = ctx.retry_policy();
    let reply = runtime.block_on(policy.run(|| client.models(), |n| super::announce_retry(&ctx.ui, &spinner, n)));
    spinner.clear();
    let reply = reply?;
    if args.json {
        let newline = if reply.raw.ends_with('\n') { "" } else { "\n" };
        ctx.ui.data(&format!("{}{newline}", reply.raw))?;
        return Ok(Exit::Ok);
    }
    let total = reply.value.data.len();
    if total == 0 {
        ctx.ui.say(Tone::Info, &format!("the catalog is empty: {} lists no models", client.url("models")));
        return Ok(Exit::Ok);
    }
    let mut models = reply.value.data;
    if let Some(filter) = &args.filter {
        let needle = filter.to_lowercase();
        models.retain(|m| m.id.to_lowercase().contains(&needle));
        if models.is_empty() {
            ctx.ui.say(Tone::Info, &format!("no model ID contains {filter:?} ({total} models in the catalog)"));
            return Ok(Exit::Ok);
        }
    }
    sort(&mut models, args.sort);
    let text = if ctx.ui.out.terminal {
        table_text(ctx, &models, total)
    } else {
        models.iter().fold(String::new(), |mut s, m| {
            s.push_str(&m.id);
            s.push('\n');
            s
        })
    };
    ctx.ui.data(&text)?;
    Ok(Exit::Ok)
}

fn sort(models: &mut [Model], key: ModelSort) {
    let by_id = |a: &Model, b: &Model| a.id.to_lowercase().cmp(&b.id.to_lowercase()).then_with(|| a.id.cmp(&b.id));
    match key {
        ModelSort::Id => models.sort_by(by_id),
        ModelSort::Created => models.sort_by(|a, b| {
            // Newest first; unknown dates (missing or 0) last.
            let known = |m: &Model| m.created.filter(|&c| c > 0);
            match (known(a), known(b)) {
                (Some(x), Some(y)) => y.cmp(&x),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
            .then_with(|| by_id(a, b))
        }),
        ModelSort::Owner => models.sort_by(|a, b| {
            let owner = |m: &Model| m.owned_by.as_deref().unwrap_or("").to_lowercase();
            owner(a).cmp(&owner(b)).then_with(|| by_id(a, b))
        }),
    }
}

fn table_text(ctx: &Context, models: &[Model], total: usize) -> String {
    let default = &ctx.settings.model;
    let rows: Vec<Vec<String>> = models
        .iter()
        .map(|m| {
            let mark = if &m.id == default { "*" } else { "" };
            let created = match m.created {
                Some(c) if c > 0 => utc_day(c as u64),
                _ => "-".to_string(),
            };
            let shown = |text: &str| ctx.ui.shown(text, ctx.ui.out).into_owned();
            vec![mark.to_string(), shown(&m.id), shown(m.owned_by.as_deref().unwrap_or("-")), created]
        })
        .collect();
    let rendered = table::render(&["", "ID", "OWNED BY", "CREATED"], &rows);
    let mut lines = rendered.lines();
    let mut out = String::new();
    if let Some(header) = lines.next() {
        out.push_str(&ctx.ui.out.palette.bold(header));
        out.push('\n');
    }
    for (line, model) in lines.zip(models) {
        out.push_str(&if &model.id == default { ctx.ui.out.palette.good(line) } else { line.to_string() });
        out.push('\n');
    }
    let shown =
        if models.len() == total { format!("{total} models") } else { format!("{} of {total} models", models.len()) };
    let default_note = if models.iter().any(|m| &m.id == default) {
        format!("* marks the default model, {default}")
    } else {
        format!("the default model, {default}, is not in this list")
    };
    out.push_str(&ctx.ui.out.palette.dim(&format!("\n{shown}; {default_note}")));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(id: &str, created: Option<i64>, owner: &str) -> Model {
        Model { id: id.into(), created, owned_by: Some(owner.into()) }
    }

    fn ids(models: &[Model]) -> Vec<&str> {
        models.iter().map(|m| m.id.as_str()).collect()
    }

    #[test]
    fn sorts_by_id_case_insensitively_created_newest_first_and_owner() {
        let mut m = vec![model("b", Some(10), "z"), model("A", Some(0), "y"), model("c", Some(20), "y")];
        sort(&mut m, ModelSort::Id);
        assert_eq!(ids(&m), ["A", "b", "c"]);
        sort(&mut m, ModelSort::Created);
        assert_eq!(ids(&m), ["c", "b", "A"]);
        sort(&mut m, ModelSort::Owner);
        assert_eq!(ids(&m), ["A", "c", "b"]);
    }
}
