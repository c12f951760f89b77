//! Many independent requests against the API (`batch run`, `embed --lines`): as many on the wire
//! as the limiter allows (a unit whose answer has arrived frees its place while it is still being
//! turned into result lines), results written in input order through a bounded reorder window
//! (one slow request holds the writer back; memory does not grow), each finished result on disk
//! at once, and Ctrl-C stops sending, waits briefly for what is in flight, and keeps what
//! finished. It never prints: progress goes to an observer the command gives.

pub mod limiter;
pub mod results;

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::iter::Peekable;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::api::{ApiError, RateLimits};
use limiter::Limiter;
use results::LineWriter;

/// A set of IDs kept as 64-bit hashes: a million IDs cost 16 MB as strings but a few as hashes,
/// and two different IDs share a hash with a chance of about one in 10^7 even then.
#[derive(Debug, Default)]
pub struct IdSet(std::collections::HashSet<u64>);

impl IdSet {
    fn hash(id: &str) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        id.hash(&mut hasher);
        hasher.finish()
    }

    /// Adds `id`; false when it was there already.
    pub fn insert(&mut self, id: &str) -> bool {
        self.0.insert(IdSet::hash(id))
    }

    pub fn contains(&self, id: &str) -> bool {
        self.0.contains(&IdSet::hash(id))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// How long Ctrl-C waits for the requests in flight before it stops anyway.
const GRACE: Duration = Duration::from_secs(5);

/// One unit of work: its place in the output and what the command needs to send it.
pub struct Work<T> {
    pub seq: u64,
    pub id: String,
    pub task: T,
}

/// How one try of a unit ended.
pub enum Attempt<T> {
    Finished(Finished),
    /// Refused for now (429): the engine pauses everyone as the limiter says, then sends it again
    /// (the command gives up with a `Finished` failure after `MAX_REFUSALS`).
    Refused {
        task: T,
        wait: Option<Duration>,
    },
    /// The unit shows the whole run cannot succeed (the first one failed for a reason every other
    /// would share: an unknown model, a bad key): stop at once and write nothing more.
    Stop(ApiError),
}

/// Held while a unit's request is on the wire. Dropping it (once the answer has arrived, or when
/// the unit ends) lets the engine send the next unit.
pub struct Sending {
    count: Arc<AtomicUsize>,
    freed: Arc<Notify>,
}

impl Drop for Sending {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::SeqCst);
        self.freed.notify_one();
    }
}

/// A unit's result.
#[derive(Default)]
pub struct Finished {
    /// Newline-terminated output lines (one per input the unit covered).
    pub lines: String,
    /// How many inputs the unit covered (the progress counts inputs).
    pub units: u64,
    /// `(id, case)` of each input that failed for good.
    pub failures: Vec<(String, String)>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub limits: RateLimits,
}

/// Sends one unit, told how often it was refused so far: the command's part.
pub type Start<T> = Box<dyn Fn(T, u32, Sending) -> Pin<Box<dyn Future<Output = Attempt<T>> + Send>> + Send>;

/// What the observer sees after every change.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub done: u64,
    pub failed: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub in_flight: usize,
    pub limit: usize,
    pub paused: bool,
}

/// How the run ended.
#[derive(Debug, Default)]
pub struct Report {
    pub progress: Progress,
    /// `(id, case)` of each unit that failed, in input order.
    pub failures: Vec<(String, String)>,
    pub elapsed: Duration,
    pub interrupted: bool,
    /// A refusal was retried this many times at most for one unit.
    pub refusals: u64,
    /// Why the run stopped early (`Attempt::Stop`); nothing after the error was written.
    pub stopped: Option<ApiError>,
}

/// Refusals of one unit after which the command writes it as failed (it is told the count).
pub const MAX_REFUSALS: u32 = 20;

/// Whether a failed try goes back to the scheduler (`Some`, with the wait the server asked for):
/// a 429 for a unit refused fewer than `MAX_REFUSALS` times that asks to wait no longer than
/// `max_wait`. Anything else fails for good.
pub fn send_again(error: &ApiError, refusals: u32, max_wait: Duration) -> Option<Option<Duration>> {
    let http = error.http().filter(|h| h.status == 429)?;
    let wait = http.headers.retry_after;
    (refusals + 1 < MAX_REFUSALS && wait.is_none_or(|w| w <= max_wait)).then_some(wait)
}

pub struct Engine<T> {
    pub start: Start<T>,
    pub max_in_flight: usize,
    /// How far past the oldest unfinished unit sending may run: the bound on the results held
    /// back for order (a unit with large results wants a small window).
    pub window: u64,
    pub writer: LineWriter,
}

/// What a unit's task hands back: its place, its ID, the limiter's generation when it was sent,
/// how often it had been refused, and how the try ended.
type Landed<T> = (u64, String, u64, u32, Attempt<T>);

/// The state of one run: what is on the wire, what waits to be sent again, and what waits to be
/// written in order.
struct Run<T> {
    limiter: Limiter,
    /// Refused units, sent again before new ones.
    again: VecDeque<(Work<T>, u32)>,
    flying: JoinSet<Landed<T>>,
    /// Units whose request is on the wire (a unit still turning its answer into lines is not).
    sending: Arc<AtomicUsize>,
    freed: Arc<Notify>,
    ready: BTreeMap<u64, Finished>,
    next_write: u64,
    report: Report,
    /// The tokens a unit costs, averaged, for the limiter's token budget.
    tokens_each: u64,
    /// When Ctrl-C came.
    stopping: Option<Instant>,
}

impl<T: Send + 'static> Run<T> {
    fn new(max_in_flight: usize) -> Self {
        Run {
            limiter: Limiter::new(max_in_flight),
            again: VecDeque::new(),
            flying: JoinSet::new(),
            sending: Arc::new(AtomicUsize::new(0)),
            freed: Arc::new(Notify::new()),
            ready: BTreeMap::new(),
            next_write: 0,
            report: Report::default(),
            tokens_each: 0,
            stopping: None,
        }
    }

    /// Sends units while the limiter allows, refused ones first, new ones only within `window`
    /// of the oldest unwritten one.
    fn fill(
        &mut self,
        start: &Start<T>,
        work: &mut Peekable<impl Iterator<Item = Work<T>>>,
        window: u64,
        now: Instant,
    ) {
        while self.sending.load(Ordering::SeqCst) < self.limiter.limit()
            && self.flying.len() < 2 * self.limiter.limit()
            && self.limiter.paused_until(now).is_none()
        {
            let next = match self.again.pop_front() {
                Some(item) => Some(item),
                None => match work.peek() {
                    Some(w) if w.seq < self.next_write + window => work.next().map(|w| (w, 0)),
                    _ => None,
                },
            };
            let Some((w, refusals)) = next else { break };
            let generation = self.limiter.sending(now);
            self.sending.fetch_add(1, Ordering::SeqCst);
            let guard = Sending { count: self.sending.clone(), freed: self.freed.clone() };
            let fut = start(w.task, refusals, guard);
            let (seq, id) = (w.seq, w.id);
            self.flying.spawn(async move { (seq, id, generation, refusals, fut.await) });
        }
    }

    /// Tells the observer where the run stands.
    fn publish(&mut self, now: Instant, observe: &mut impl FnMut(&Progress)) {
        let p = &mut self.report.progress;
        p.in_flight = self.sending.load(Ordering::SeqCst);
        p.limit = self.limiter.limit();
        p.paused = self.limiter.paused_until(now).is_some();
        observe(p);
    }

    /// Takes in a unit's try: a refusal goes back in line (not after Ctrl-C: unwritten, a rerun
    /// sends it), a result waits for its turn to be written. False when the run must stop.
    fn absorb(&mut self, (seq, id, generation, refusals, attempt): Landed<T>) -> bool {
        match attempt {
            Attempt::Refused { task, wait } if self.stopping.is_none() => {
                self.limiter.refused(generation, wait, Instant::now());
                self.report.refusals = self.report.refusals.max(u64::from(refusals) + 1);
                self.again.push_back((Work { seq, id, task }, refusals + 1));
            }
            Attempt::Refused { .. } => {}
            Attempt::Stop(error) => {
                self.flying.abort_all();
                self.report.stopped = Some(error);
                return false;
            }
            Attempt::Finished(finished) => {
                if finished.failures.is_empty() {
                    let cost = finished.tokens_in + finished.tokens_out;
                    self.tokens_each = if self.tokens_each == 0 { cost } else { (self.tokens_each * 7 + cost) / 8 };
                    let on_the_wire = self.sending.load(Ordering::SeqCst);
                    self.limiter.succeeded(&finished.limits, on_the_wire, self.tokens_each, Instant::now());
                }
                self.ready.insert(seq, finished);
            }
        }
        true
    }

    /// Writes the results that are next in order. When stopping, results after a gap (a unit
    /// that never finished) are written too: the rerun sends only what is missing.
    fn write_ready(&mut self, writer: &mut LineWriter, flush_all: bool) -> std::io::Result<()> {
        while let Some(entry) = self.ready.first_entry() {
            if *entry.key() != self.next_write && !flush_all {
                break;
            }
            let seq = *entry.key();
            let finished = entry.remove();
            writer.write(&finished.lines)?;
            let p = &mut self.report.progress;
            p.done += finished.units;
            p.tokens_in += finished.tokens_in;
            p.tokens_out += finished.tokens_out;
            p.failed += finished.failures.len() as u64;
            self.report.failures.extend(finished.failures);
            self.next_write = seq + 1;
        }
        Ok(())
    }
}

impl<T: Send + 'static> Engine<T> {
    /// Runs every unit of `work` (in input order, `seq` counting from 0) and writes the results in
    /// that order. `observe` is told after every change.
    pub async fn run(
        mut self,
        work: impl Iterator<Item = Work<T>> + Send,
        mut observe: impl FnMut(&Progress) + Send,
    ) -> std::io::Result<Report> {
        let started = Instant::now();
        let window = self.window.max(self.max_in_flight as u64);
        let mut run = Run::new(self.max_in_flight);
        let mut work = work.peekable();
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            let now = Instant::now();
            if run.stopping.is_none() {
                run.fill(&self.start, &mut work, window, now);
            }
            run.publish(now, &mut observe);
            let nothing_left = work.peek().is_none() && run.again.is_empty();
            if run.flying.is_empty() && (nothing_left || run.stopping.is_some()) {
                break;
            }
            let pause = run.limiter.paused_until(now);
            tokio::select! {
                joined = run.flying.join_next(), if !run.flying.is_empty() => {
                    let Some(Ok(landed)) = joined else { continue };
                    if !run.absorb(landed) {
                        break;
                    }
                    run.write_ready(&mut self.writer, run.stopping.is_some())?;
                }
                _ = run.freed.notified() => {}
                _ = tokio::time::sleep_until(pause.unwrap_or(now).into()), if pause.is_some() && run.stopping.is_none() => {}
                _ = &mut ctrl_c, if run.stopping.is_none() => {
                    run.stopping = Some(Instant::now());
                    run.report.interrupted = true;
                }
                _ = tokio::time::sleep_until((run.stopping.unwrap_or(now) + GRACE).into()), if run.stopping.is_some() => {
                    run.flying.abort_all();
                    break;
                }
            }
        }
        if run.report.stopped.is_none() {
            run.write_ready(&mut self.writer, true)?;
        }
        run.report.elapsed = started.elapsed();
        Ok(run.report)
    }
}
