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
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::api::{ApiError, RateLimits, parse_wait};
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
    let wait = http.retry_after.as_deref().and_then(|w| parse_wait(w, std::time::SystemTime::now()));
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
        let mut limiter = Limiter::new(self.max_in_flight);
        let mut work = work.peekable();
        let mut again: VecDeque<(Work<T>, u32)> = VecDeque::new();
        let mut flying: JoinSet<(u64, String, u64, u32, Attempt<T>)> = JoinSet::new();
        let sending = Arc::new(AtomicUsize::new(0));
        let freed = Arc::new(Notify::new());
        let mut ready: BTreeMap<u64, Finished> = BTreeMap::new();
        let mut next_write = 0u64;
        let mut report = Report::default();
        let mut tokens_each = 0u64;
        let mut stopping: Option<Instant> = None;
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            let now = Instant::now();
            if stopping.is_none() {
                while sending.load(Ordering::SeqCst) < limiter.limit()
                    && flying.len() < 2 * limiter.limit()
                    && limiter.paused_until(now).is_none()
                {
                    let next = match again.pop_front() {
                        Some(item) => Some(item),
                        None => match work.peek() {
                            Some(w) if w.seq < next_write + window => work.next().map(|w| (w, 0)),
                            _ => None,
                        },
                    };
                    let Some((w, refusals)) = next else { break };
                    let generation = limiter.sending(now);
                    sending.fetch_add(1, Ordering::SeqCst);
                    let guard = Sending { count: sending.clone(), freed: freed.clone() };
                    let fut = (self.start)(w.task, refusals, guard);
                    let (seq, id) = (w.seq, w.id);
                    flying.spawn(async move { (seq, id, generation, refusals, fut.await) });
                }
            }
            report.progress.in_flight = sending.load(Ordering::SeqCst);
            report.progress.limit = limiter.limit();
            report.progress.paused = limiter.paused_until(now).is_some();
            observe(&report.progress);
            let nothing_left = work.peek().is_none() && again.is_empty();
            if flying.is_empty() && (nothing_left || stopping.is_some()) {
                break;
            }
            let pause = limiter.paused_until(now);
            tokio::select! {
                joined = flying.join_next(), if !flying.is_empty() => {
                    let Some(Ok((seq, id, generation, refusals, attempt))) = joined else { continue };
                    match attempt {
                        Attempt::Refused { task, wait } if stopping.is_none() => {
                            limiter.refused(generation, wait, Instant::now());
                            report.refusals = report.refusals.max(u64::from(refusals) + 1);
                            again.push_back((Work { seq, id, task }, refusals + 1));
                        }
                        // Ctrl-C: it is not written, so a rerun sends it.
                        Attempt::Refused { .. } => {}
                        Attempt::Stop(error) => {
                            flying.abort_all();
                            report.stopped = Some(error);
                            break;
                        }
                        Attempt::Finished(finished) => {
                            if finished.failures.is_empty() {
                                let cost = finished.tokens_in + finished.tokens_out;
                                tokens_each = if tokens_each == 0 { cost } else { (tokens_each * 7 + cost) / 8 };
                                let on_the_wire = sending.load(Ordering::SeqCst);
                                limiter.succeeded(&finished.limits, on_the_wire, tokens_each, Instant::now());
                            }
                            ready.insert(seq, finished);
                        }
                    }
                    self.write_ready(&mut ready, &mut next_write, &mut report, stopping.is_some())?;
                }
                _ = freed.notified() => {}
                _ = tokio::time::sleep_until(pause.unwrap_or(now).into()), if pause.is_some() && stopping.is_none() => {}
                _ = &mut ctrl_c, if stopping.is_none() => {
                    stopping = Some(Instant::now());
                    report.interrupted = true;
                }
                _ = tokio::time::sleep_until((stopping.unwrap_or(now) + GRACE).into()), if stopping.is_some() => {
                    flying.abort_all();
                    break;
                }
            }
        }
        if report.stopped.is_none() {
            self.write_ready(&mut ready, &mut next_write, &mut report, true)?;
        }
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Writes the results that are next in order. When stopping, results after a gap (a unit
    /// that never finished) are written too: the rerun sends only what is missing.
    fn write_ready(
        &mut self,
        ready: &mut BTreeMap<u64, Finished>,
        next_write: &mut u64,
        report: &mut Report,
        flush_all: bool,
    ) -> std::io::Result<()> {
        while let Some(entry) = ready.first_entry() {
            if *entry.key() != *next_write && !flush_all {
                break;
            }
            let seq = *entry.key();
            let finished = entry.remove();
            self.writer.write(&finished.lines)?;
            let p = &mut report.progress;
            p.done += finished.units;
            p.tokens_in += finished.tokens_in;
            p.tokens_out += finished.tokens_out;
            p.failed += finished.failures.len() as u64;
            report.failures.extend(finished.failures);
            *next_write = seq + 1;
        }
        Ok(())
    }
}
