//! One run of the engine: what is on the wire, what waits to be sent again, what waits to be
//! written in order, and how a stop ends it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::iter::Peekable;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;
use tokio::task::{JoinError, JoinSet};
// tokio's clock, so that a test on its paused clock runs every pause in no time.
use tokio::time::Instant;

use super::limiter::Limiter;
use super::results::LineWriter;
use super::{Attempt, Engine, Finished, GRACE, MAX_REFUSALS, Progress, Report, Sending, Stopped, Work, Worker};

/// A refused unit waiting to be sent again.
struct Retry<T> {
    seq: u64,
    task: T,
    refusals: u32,
}

/// What a unit's task hands back: its place, the limiter's generation when it was sent, how often
/// it had been refused, how the try ended, and its place on the wire (freed once this is taken in).
struct Landed<T> {
    seq: u64,
    generation: u64,
    refusals: u32,
    attempt: Attempt<T>,
    sending: Sending,
}

type Interrupt = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A task that ended: its ID and what it handed back, or how it was lost.
type Joined<T> = Result<(tokio::task::Id, Landed<T>), JoinError>;

/// What woke the run.
enum Woke<T> {
    Landed(Option<Joined<T>>),
    /// A place on the wire was freed, or a pause ended.
    Freed,
    NoProgress,
    Interrupted,
    GraceOver,
}

pub(super) struct Run<W: Worker> {
    worker: Arc<W>,
    writer: LineWriter,
    window: u64,
    max_wait: Duration,
    give_up_after: Duration,
    limiter: Limiter,
    /// Refused units, sent again before new ones.
    again: VecDeque<Retry<W::Task>>,
    flying: JoinSet<Landed<W::Task>>,
    /// The label of each unit sent and not finished, by its place.
    labels: HashMap<u64, W::Label>,
    /// The place of the unit each task sends, to write it as failed if the task is lost.
    tasks: HashMap<tokio::task::Id, u64>,
    /// Units whose request is on the wire (a unit still turning its answer into lines is not).
    sending: Arc<AtomicUsize>,
    freed: Arc<Notify>,
    /// Rate-limit headers of answers that arrived, not heard yet.
    heard: Arc<std::sync::Mutex<Vec<crate::api::RateLimits>>>,
    ready: BTreeMap<u64, Finished>,
    next_write: u64,
    report: Report,
    /// The tokens a unit costs, averaged, for the limiter's token budget.
    tokens_each: u64,
    /// When the run began to stop.
    stopping: Option<Instant>,
    /// When a unit last finished (answered or failed for good).
    last_progress: Instant,
}

impl<W: Worker> Run<W> {
    pub(super) fn new(engine: Engine<W>) -> Run<W> {
        let now = Instant::now();
        Run {
            worker: engine.worker,
            writer: engine.writer,
            window: engine.window.max(engine.max_in_flight as u64),
            max_wait: engine.max_wait,
            give_up_after: engine.give_up_after,
            limiter: Limiter::new(engine.max_in_flight),
            again: VecDeque::new(),
            flying: JoinSet::new(),
            labels: HashMap::new(),
            tasks: HashMap::new(),
            sending: Arc::new(AtomicUsize::new(0)),
            freed: Arc::new(Notify::new()),
            heard: Arc::default(),
            ready: BTreeMap::new(),
            next_write: 0,
            report: Report { progress: Progress { started: Some(now), ..Progress::default() }, ..Report::default() },
            tokens_each: 0,
            stopping: None,
            last_progress: now,
        }
    }

    pub(super) async fn drive(
        mut self,
        work: impl Iterator<Item = Work<W::Task, W::Label>> + Send,
        mut observe: impl FnMut(&Progress) + Send,
        mut interrupt: impl FnMut() -> Interrupt + Send,
    ) -> std::io::Result<Report> {
        let mut work = work.peekable();
        let mut ctrl_c = interrupt();
        loop {
            let now = Instant::now();
            self.hear(now);
            if self.stopping.is_none() {
                self.fill(&mut work, now);
            }
            self.publish(now, &mut observe);
            let nothing_left = work.peek().is_none() && self.again.is_empty();
            if self.flying.is_empty() && (nothing_left || self.stopping.is_some()) {
                break;
            }
            let pause = self.limiter.paused_until(now).filter(|_| self.stopping.is_none());
            let give_up_at = self.last_progress.checked_add(self.give_up_after).unwrap_or(self.last_progress);
            let grace_end = self.stopping.map(|t| t + GRACE);
            let woke = tokio::select! {
                joined = self.flying.join_next_with_id(), if !self.flying.is_empty() => Woke::Landed(joined),
                _ = self.freed.notified() => Woke::Freed,
                _ = sleep_until(pause.unwrap_or(now)), if pause.is_some() => Woke::Freed,
                _ = sleep_until(give_up_at), if self.stopping.is_none() => Woke::NoProgress,
                _ = &mut ctrl_c => Woke::Interrupted,
                _ = sleep_until(grace_end.unwrap_or(now)), if grace_end.is_some() => Woke::GraceOver,
            };
            match woke {
                Woke::Landed(joined) => self.take_in(joined).await?,
                Woke::Freed => {}
                Woke::NoProgress => self.stop(Stopped::NoProgress(self.give_up_after)),
                // A second Ctrl-C: stop waiting for what is in flight.
                Woke::Interrupted if self.stopping.is_some() => {
                    self.flying.abort_all();
                    break;
                }
                Woke::Interrupted => {
                    self.stop(Stopped::Interrupted);
                    ctrl_c = interrupt();
                }
                Woke::GraceOver => {
                    self.flying.abort_all();
                    break;
                }
            }
        }
        // Every answer that arrived is kept, gaps and all: a rerun sends only what is missing.
        self.write_ready(true)?;
        self.publish(Instant::now(), &mut observe);
        self.report.elapsed = self.report.progress.started.map_or(Duration::ZERO, |t| t.elapsed());
        Ok(self.report)
    }

    /// Takes in every try that has ended before anything more is sent (the limiter must see a
    /// burst's refusals with its answers; one yield lets the tasks woken with this one finish
    /// first), and writes what is next in order.
    async fn take_in(&mut self, joined: Option<Joined<W::Task>>) -> std::io::Result<()> {
        tokio::task::yield_now().await;
        let mut joined = joined;
        while let Some(result) = joined {
            match result {
                Ok((id, landed)) => {
                    self.tasks.remove(&id);
                    self.absorb(landed);
                }
                Err(lost) => self.lost(&lost),
            }
            joined = self.flying.try_join_next_with_id();
        }
        self.write_ready(self.stopping.is_some())
    }

    /// Sends units while the limiter allows, refused ones first, new ones only within `window` of
    /// the oldest unwritten one.
    fn fill(&mut self, work: &mut Peekable<impl Iterator<Item = Work<W::Task, W::Label>>>, now: Instant) {
        while self.sending.load(Ordering::SeqCst) < self.limiter.limit()
            && self.flying.len() < 2 * self.limiter.limit()
            && self.limiter.paused_until(now).is_none()
        {
            let next = match self.again.pop_front() {
                Some(retry) => retry,
                None => match work.peek() {
                    Some(w) if w.seq < self.next_write + self.window => match work.next() {
                        Some(w) => {
                            self.labels.insert(w.seq, w.label);
                            Retry { seq: w.seq, task: w.task, refusals: 0 }
                        }
                        None => break,
                    },
                    _ => break,
                },
            };
            self.spawn(next, now);
        }
    }

    fn spawn(&mut self, Retry { seq, task, refusals }: Retry<W::Task>, now: Instant) {
        let generation = self.limiter.sending(now);
        self.sending.fetch_add(1, Ordering::SeqCst);
        let sending = Sending {
            count: self.sending.clone(),
            freed: self.freed.clone(),
            released: Default::default(),
            heard: self.heard.clone(),
        };
        let worker = self.worker.clone();
        let handle = self.flying.spawn(async move {
            let attempt = worker.send(task, refusals, &sending).await;
            Landed { seq, generation, refusals, attempt, sending }
        });
        self.tasks.insert(handle.id(), seq);
    }

    /// Tells the observer where the run stands.
    fn publish(&mut self, now: Instant, observe: &mut impl FnMut(&Progress)) {
        let p = &mut self.report.progress;
        p.in_flight = self.sending.load(Ordering::SeqCst);
        p.limit = self.limiter.limit();
        p.paused_until = self.limiter.paused_until(now);
        observe(p);
    }

    /// Takes in the rate-limit headers of the answers that arrived since, before anything more is
    /// sent: a server that says its limit is spent gets no request until it refills.
    fn hear(&mut self, now: Instant) {
        let heard = std::mem::take(&mut *self.heard.lock().unwrap_or_else(|e| e.into_inner()));
        for limits in &heard {
            let on_the_wire = self.sending.load(Ordering::SeqCst);
            self.limiter.pause_for_headers(limits, on_the_wire, self.tokens_each, now);
        }
        if !heard.is_empty() {
            self.stop_if_paused_too_long(now);
        }
    }

    /// A pause longer than `--max-wait` (a daily limit) is not slept: the run stops and says when
    /// the limit resets.
    fn stop_if_paused_too_long(&mut self, now: Instant) {
        if let Some(until) = self.limiter.paused_until(now)
            && until - now > self.max_wait
        {
            let wait = until - now;
            let at = SystemTime::now().checked_add(wait).unwrap_or(SystemTime::now());
            self.stop(Stopped::LimitResets { wait, at });
        }
    }

    /// Begins to stop (the first reason is the one reported): nothing more is sent.
    fn stop(&mut self, why: Stopped) {
        if self.stopping.is_none() {
            self.stopping = Some(Instant::now());
            self.report.stopped = Some(why);
        }
    }

    /// Takes in a unit's try: a refusal goes back in line (not once stopping: unwritten, a rerun
    /// sends it), a result waits for its turn to be written.
    fn absorb(&mut self, Landed { seq, generation, refusals, attempt, sending }: Landed<W::Task>) {
        let now = Instant::now();
        // Taken in below, before anything else is sent: its place is free.
        drop(sending);
        match attempt {
            Attempt::Refused { .. } if self.stopping.is_some() => {}
            Attempt::Refused { wait: Some(wait), .. } if wait > self.max_wait => {
                let at = SystemTime::now().checked_add(wait).unwrap_or(SystemTime::now());
                self.stop(Stopped::LimitResets { wait, at });
            }
            Attempt::Refused { error, .. } if refusals + 1 >= MAX_REFUSALS => {
                let message = format!("refused {MAX_REFUSALS} times: {error}");
                self.finish(seq, |worker, label| worker.failed(label, error.case().name(), &message));
            }
            Attempt::Refused { task, wait, .. } => {
                self.limiter.refused(generation, wait, now);
                self.again.push_back(Retry { seq, task, refusals: refusals + 1 });
            }
            Attempt::Stop(error) => self.stop(Stopped::Error(error)),
            Attempt::Finished(finished) => {
                if finished.failures.is_empty() {
                    let cost = finished.tokens_in.saturating_add(finished.tokens_out);
                    self.tokens_each = if self.tokens_each == 0 { cost } else { (self.tokens_each * 7 + cost) / 8 };
                    let on_the_wire = self.sending.load(Ordering::SeqCst);
                    self.limiter.succeeded(&finished.limits, on_the_wire, self.tokens_each, now);
                    self.stop_if_paused_too_long(now);
                }
                self.finish(seq, |_, _| finished);
            }
        }
    }

    /// A unit is done: its result waits for its turn to be written.
    fn finish(&mut self, seq: u64, result: impl FnOnce(&W, &W::Label) -> Finished) {
        if let Some(label) = self.labels.remove(&seq) {
            let finished = result(&self.worker, &label);
            self.ready.insert(seq, finished);
        }
        self.last_progress = Instant::now();
    }

    /// A task that panicked (or was cancelled by anything but this run): its unit is written as
    /// failed, so a rerun sends it again.
    fn lost(&mut self, error: &JoinError) {
        let Some(seq) = self.tasks.remove(&error.id()) else { return };
        let message = if error.is_panic() { "sending it failed (a panic)" } else { "sending it was cancelled" };
        self.finish(seq, |worker, label| worker.failed(label, "other", message));
    }

    /// Writes the results that are next in order. When stopping, results after a gap (a unit
    /// that never finished) are written too: the rerun sends only what is missing.
    fn write_ready(&mut self, flush_all: bool) -> std::io::Result<()> {
        while let Some(entry) = self.ready.first_entry() {
            if *entry.key() != self.next_write && !flush_all {
                break;
            }
            let seq = *entry.key();
            let finished = entry.remove();
            self.writer.write(&finished.lines)?;
            let p = &mut self.report.progress;
            p.done += finished.units;
            p.tokens_in = p.tokens_in.saturating_add(finished.tokens_in);
            p.tokens_out = p.tokens_out.saturating_add(finished.tokens_out);
            p.failed += finished.failures.len() as u64;
            self.report.failures.extend(finished.failures);
            self.next_write = self.next_write.max(seq + 1);
        }
        Ok(())
    }
}

async fn sleep_until(at: Instant) {
    tokio::time::sleep_until(at).await;
}
