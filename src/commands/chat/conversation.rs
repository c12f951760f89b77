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
use crate::history::{self, Exchange, Status, Store, Summary};
use crate::output::Channel;
use crate::report::{Error, UsageError};
use crate::settings::HistoryPlace;

/// A store being opened on a thread of its own.
type Opening = std::thread::JoinHandle<Result<Store, history::HistoryError>>;

/// How the exchange ended, for the record.
pub enum Ended<'a> {
    Answered,
    Failed(&'a Error),
    Interrupted,
}

/// Where a conversation stood when a prompt was sent.
#[derive(Debug, Clone, Copy)]
pub struct Sent<'a> {
    /// How many exchanges came before it, and how many of those were left out.
    pub after: usize,
    pub forgotten: usize,
    pub system: Option<&'a str>,
}

pub struct Conversation {
    /// Where to record; `None` when history is off.
    place: Option<PathBuf>,
    /// The store, open already when continuing; else `opening` opens it on a thread of its own
    /// while the request is under way, so recording costs only its insert once the answer is printed.
    store: Option<Store>,
    opening: Option<Opening>,
    id: String,
    /// The exchanges so far (as recorded: redacted, reasoning left out), earlier sessions'
    /// included when continuing. Those that produced an answer are sent before each prompt.
    exchanges: Vec<Exchange>,
    /// How many of the first exchanges are left out of what is sent (`/forget`).
    forgotten: usize,
    /// The system prompt sent and recorded: `-s`, else the conversation's latest.
    system: Option<String>,
    /// Each exchange is kept here once recorded (the interactive session sends it next turn).
    keeps_turns: bool,
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
                let mut conversation = Conversation::empty(place, None, None);
                conversation.opening = opening.map(|path| std::thread::spawn(move || Store::open(&path)));
                conversation
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

    fn empty(place: Option<PathBuf>, store: Option<Store>, system: Option<String>) -> Conversation {
        Conversation {
            place,
            store,
            opening: None,
            id: crate::id::new(),
            exchanges: Vec::new(),
            forgotten: 0,
            system,
            keeps_turns: false,
        }
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
        let (summary, mut exchanges) =
            store.conversation(&id)?.ok_or_else(|| nothing(format!("conversation {id} is gone")))?;
        for exchange in &mut exchanges {
            // Never sent again; the history keeps it.
            exchange.reasoning = None;
        }
        let mut conversation = Conversation::empty(Some(path), Some(store), summary.system);
        conversation.id = id;
        conversation.exchanges = exchanges;
        Ok(conversation)
    }

    /// Keeps each exchange once recorded, so the next prompt is sent after it (the session).
    pub fn keep_turns(&mut self) {
        self.keeps_turns = true;
    }

    /// A new, empty conversation with the same system prompt and history file (`/new`).
    pub fn renew(&mut self) {
        let mut fresh = Conversation::empty(self.place.clone(), self.store.take(), self.system.take());
        fresh.opening = self.opening.take();
        fresh.keeps_turns = self.keeps_turns;
        *self = fresh;
    }

    /// The messages for `prompt`: the system prompt (with `instruction`, what `--schema` asks,
    /// after it), the earlier turns, then the prompt. They borrow the text from here.
    pub fn messages<'a>(&'a self, prompt: &'a str, instruction: Option<String>) -> Vec<Message<'a>> {
        let last = Sent { after: self.exchanges.len(), forgotten: self.forgotten, system: self.system.as_deref() };
        self.messages_as(last, prompt, instruction)
    }

    /// The messages of a prompt sent `then`: after the exchanges there were, with the system
    /// prompt there was (`/print` of the session's last request).
    pub fn messages_as<'a>(&'a self, then: Sent<'a>, prompt: &'a str, instruction: Option<String>) -> Vec<Message<'a>> {
        let earlier = self.exchanges.get(then.forgotten..then.after).unwrap_or_default();
        let mut messages = Vec::with_capacity(earlier.len() * 2 + 2);
        let system = match (then.system, instruction) {
            (Some(system), Some(instruction)) => Some(Cow::Owned(format!("{system}\n\n{instruction}"))),
            (Some(system), None) => Some(Cow::Borrowed(system)),
            (None, instruction) => instruction.map(Cow::Owned),
        };
        messages.extend(system.map(|content| Message::new(Role::System, content)));
        for exchange in earlier.iter().filter(|e| e.is_sent_again()) {
            messages.push(Message::new(Role::User, exchange.prompt.as_str()));
            messages.push(Message::new(Role::Assistant, exchange.answer.as_str()));
        }
        messages.push(Message::new(Role::User, prompt));
        messages
    }

    /// Whether the answer is kept after it is printed: recorded, or sent again next turn.
    pub fn keeps_answers(&self) -> bool {
        self.place.is_some() || self.keeps_turns
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The exchanges so far, and how many of the first are left out of what is sent.
    pub fn exchanges(&self) -> (&[Exchange], usize) {
        (&self.exchanges, self.forgotten)
    }

    pub fn system(&self) -> Option<&str> {
        self.system.as_deref()
    }

    pub fn set_system(&mut self, system: Option<String>) {
        self.system = system;
    }

    /// Leaves the oldest `n` exchanges still sent out of what is sent from now on (the history
    /// keeps them); returns how many that was.
    pub fn forget(&mut self, n: usize) -> usize {
        let before = self.forgotten;
        self.forgotten = (self.forgotten + n).min(self.exchanges.len());
        self.forgotten - before
    }

    /// `/retry`: the last exchange, if it produced an answer, is kept but no longer sent (marked
    /// replaced in the history too). Returns its prompt, the one to send again.
    pub fn replace_last(&mut self, ctx: &Context) -> Option<String> {
        let last = self.exchanges.last_mut()?;
        let prompt = last.prompt.clone();
        if last.is_sent_again() {
            last.status = Status::Replaced;
            let turn = last.turn;
            let id = self.id.clone();
            if let Some(Err(e)) = self.open_store().map(|store| store.and_then(|store| store.mark_replaced(&id, turn)))
            {
                ctx.ui.warn(&format!("the history could not mark the answer as replaced: {e}"), &[]);
            }
        }
        Some(prompt)
    }

    /// The store, opened now if it is not yet; `None` when history is off.
    fn open_store(&mut self) -> Option<Result<&mut Store, history::HistoryError>> {
        let path = self.place.as_ref()?;
        if self.store.is_none() {
            let opened = match self.opening.take() {
                Some(opening) => opening.join().unwrap_or_else(|_| Store::open(path)),
                None => Store::open(path),
            };
            match opened {
                Ok(store) => self.store = Some(store),
                Err(e) => return Some(Err(e)),
            }
        }
        self.store.as_mut().map(Ok)
    }

    /// This conversation as `history show` lists it.
    pub fn summary(&self, model: &str) -> Summary {
        let first = self.exchanges.first();
        let last = self.exchanges.last();
        Summary {
            id: self.id.clone(),
            started_at: first.map_or_else(history::now_ms, |e| e.at),
            updated_at: last.map_or_else(history::now_ms, |e| e.at),
            title: first.map(|e| history::title(&e.prompt)).unwrap_or_default(),
            model: last.and_then(|e| e.model_answered.clone()).unwrap_or_else(|| model.to_string()),
            system: self.system.clone(),
            turns: self.exchanges.len() as i64,
        }
    }

    /// Records the exchange of `prompt`, or says in one line why it could not be; in a session,
    /// keeps it for the next turn either way.
    pub fn record(&mut self, ctx: &Context, prompt: &str, outcome: Outcome, ended: Ended) {
        if self.place.is_none() && !self.keeps_turns {
            return;
        }
        let mut exchange = exchange(ctx, (self.system.as_deref(), prompt), outcome, ended);
        // The store numbers the turns; without one, the next number is ours.
        exchange.turn = self.exchanges.last().map_or(1, |e| e.turn + 1);
        let id = self.id.clone();
        match self.open_store().map(|store| store.and_then(|store| store.record(&id, &exchange))) {
            Some(Ok(turn)) => exchange.turn = turn,
            Some(Err(e)) => ctx.ui.warn(&format!("the exchange was not recorded in the history: {e}"), &[]),
            None => {}
        }
        if self.keeps_turns {
            exchange.reasoning = None;
            self.exchanges.push(exchange);
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
