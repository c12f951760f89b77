//! `chat`'s side of the history: the earlier turns that `-c` / `--conversation` send before the
//! prompt, and the record of each exchange, written after the answer. A failure to record never
//! costs the answer: it is one warning line.

use std::borrow::Cow;
use std::path::PathBuf;

use crate::report::Result;

use super::stats::Outcome;
use crate::api::wire::{Message, Role};
use crate::api::{ApiError, Case};
use crate::cli::ChatArgs;
use crate::commands::Context;
use crate::history::{self, Exchange, Status, Store};
use crate::output::Channel;
use crate::report::{Error, UsageError};
use crate::settings::HistoryPlace;

enum Opening {
    Open(Store),
    Pending(std::thread::JoinHandle<Result<Store, history::HistoryError>>),
}

/// How the exchange ended, for the record.
pub enum Ended<'a> {
    Answered,
    Failed(&'a Error),
    Interrupted,
}

pub struct Conversation {
    /// Where to record; `None` when history is off.
    place: Option<PathBuf>,
    /// The store, open already when continuing, else being opened on a thread of its own while
    /// the request is under way, so recording costs only its insert once the answer is printed.
    store: Option<Opening>,
    id: String,
    /// The earlier turns that produced an answer: (prompt, answer).
    earlier: Vec<(String, String)>,
    /// The system prompt sent and recorded: `-s`, else the conversation's latest.
    system: Option<String>,
}

impl Conversation {
    /// A new conversation, or the one `-c` / `--conversation` names with its earlier turns.
    /// `records` is false when nothing will be sent (`--print`): the history is only read.
    pub fn start(ctx: &Context, args: &ChatArgs, records: bool) -> Result<Conversation> {
        let continues = args.continue_latest || args.conversation.is_some();
        let place = match (&ctx.settings.history, args.no_history) {
            (_, true) => None,
            (HistoryPlace::File(path), false) => Some(path.clone()),
            (HistoryPlace::Off(why), false) if continues => {
                return Err(UsageError {
                    message: format!("there is no history to continue: {why}"),
                    hint: Some("leave out -c / --conversation to start a new conversation".into()),
                }
                .into());
            }
            (HistoryPlace::Off(_), false) => None,
        };
        let mut conversation = match (place, continues) {
            (Some(path), true) => Conversation::resume(path, args.conversation.as_deref())?,
            (place, _) => {
                // Nothing is opened (nor created) for a request that is only printed.
                let opening = place.clone().filter(|_| records);
                let store = opening.map(|path| Opening::Pending(std::thread::spawn(move || Store::open(&path))));
                Conversation { place, store, id: crate::id::new(), earlier: Vec::new(), system: None }
            }
        };
        if let Some(system) = &ctx.settings.sampling.system {
            conversation.system = Some(system.clone());
        }
        if !records {
            conversation.place = None;
        }
        Ok(conversation)
    }

    fn resume(path: PathBuf, prefix: Option<&str>) -> Result<Conversation> {
        let nothing = |message: String| UsageError {
            message,
            hint: Some(
                "start one with: tokenfactory chat \"your question\"; list them with: tokenfactory history".into(),
            ),
        };
        let Some(store) = Store::open_existing(&path)? else {
            return Err(nothing("there is no conversation to continue yet".into()).into());
        };
        let id = match prefix {
            None => store.latest()?.ok_or_else(|| nothing("there is no conversation to continue yet".into()))?,
            Some(prefix) => crate::commands::history::resolve(&store, prefix)?,
        };
        let (summary, exchanges) =
            store.conversation(&id)?.ok_or_else(|| nothing(format!("conversation {id} is gone")))?;
        // Turns that produced no answer (failures) are not part of what the model saw.
        let earlier = exchanges.into_iter().filter(|e| !e.answer.is_empty()).map(|e| (e.prompt, e.answer)).collect();
        Ok(Conversation { place: Some(path), store: Some(Opening::Open(store)), id, earlier, system: summary.system })
    }

    /// The messages for `prompt`: the system prompt (with `instruction`, what `--schema` asks,
    /// after it), the earlier turns, then the prompt. They borrow the text from here.
    pub fn messages<'a>(&'a self, prompt: &'a str, instruction: Option<String>) -> Vec<Message<'a>> {
        let mut messages = Vec::with_capacity(self.earlier.len() * 2 + 2);
        let system = match (&self.system, instruction) {
            (Some(system), Some(instruction)) => Some(Cow::Owned(format!("{system}\n\n{instruction}"))),
            (Some(system), None) => Some(Cow::Borrowed(system.as_str())),
            (None, instruction) => instruction.map(Cow::Owned),
        };
        messages.extend(system.map(|content| Message::new(Role::System, content)));
        for (prompt, answer) in &self.earlier {
            messages.push(Message::new(Role::User, prompt.as_str()));
            messages.push(Message::new(Role::Assistant, answer.as_str()));
        }
        messages.push(Message::new(Role::User, prompt));
        messages
    }

    /// Whether the exchange will be recorded.
    pub fn records(&self) -> bool {
        self.place.is_some()
    }

    /// Records the exchange of `prompt`, or says in one line why it could not be.
    pub fn record(self, ctx: &Context, prompt: &str, outcome: Outcome, ended: Ended) {
        let Some(path) = &self.place else { return };
        let exchange = exchange(ctx, (self.system.as_deref(), prompt), outcome, ended);
        let result = match self.store {
            Some(Opening::Open(store)) => Ok(store),
            Some(Opening::Pending(opening)) => opening.join().unwrap_or_else(|_| Store::open(path)),
            None => Store::open(path),
        }
        .and_then(|mut store| store.record(&self.id, &exchange));
        if let Err(e) = result {
            ctx.ui.warn(&format!("the exchange was not recorded in the history: {e}"), &[]);
        }
    }
}

/// What the history keeps of an exchange: never the key (every text passes the redactor), never a
/// header.
fn exchange(ctx: &Context, (system, prompt): (Option<&str>, &str), mut outcome: Outcome, ended: Ended) -> Exchange {
    let keep = |text: &str| ctx.ui.shown(text, Channel::PLAIN).into_owned();
    // The answer and reasoning move into the record (a long answer is held once, not copied).
    let keep_owned = |text: String| ctx.ui.shown_owned(text, Channel::PLAIN);
    let mut request_id = outcome.request_id.clone();
    let (status, failure, error) = match ended {
        Ended::Interrupted => (Status::Interrupted, None, None),
        Ended::Failed(e) => {
            let api = e.api();
            let case = api.map_or(Case::Other, ApiError::case);
            let mismatch = matches!(e, Error::Schema(_));
            let failure = if mismatch { "schema" } else { case.name() };
            if let Some(id) = api.and_then(ApiError::http).and_then(|h| h.request_id().map(str::to_string)) {
                request_id = Some(id);
            }
            // An answer that broke off after content is cut off; one that never came, or did not
            // match the schema, failed.
            let status = if outcome.content && !mismatch { Status::CutOff } else { Status::Failed };
            (status, Some(failure.to_string()), Some(keep(&e.to_string())))
        }
        Ended::Answered if outcome.finish_reason.as_deref() == Some("length") => (Status::CutOff, None, None),
        Ended::Answered => (Status::Complete, None, None),
    };
    let answered = !matches!(status, Status::Failed);
    let usage = outcome.usage.unwrap_or_default();
    let tokens = |n: Option<u64>| n.map(|n| n as i64);
    Exchange {
        turn: 0,
        at: history::now_ms(),
        host: ctx.settings.base_url.host_str().unwrap_or_default().to_string(),
        model_asked: ctx.settings.model.clone(),
        model_answered: answered.then(|| outcome.model.clone().unwrap_or_else(|| outcome.model_asked.clone())),
        system: system.map(keep),
        prompt: keep(prompt),
        answer: keep_owned(std::mem::take(&mut outcome.answer)),
        reasoning: (!outcome.reasoning.is_empty()).then(|| keep_owned(std::mem::take(&mut outcome.reasoning))),
        finish_reason: outcome.finish_reason.clone(),
        prompt_tokens: tokens(usage.prompt_tokens),
        completion_tokens: tokens(usage.completion_tokens),
        reasoning_tokens: tokens(usage.reasoning()),
        duration_ms: Some(outcome.elapsed.as_millis() as i64),
        first_token_ms: outcome.first_token.map(|d| d.as_millis() as i64),
        request_id: request_id.as_deref().map(keep),
        status,
        failure,
        error,
    }
}
