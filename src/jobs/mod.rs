//! Many independent requests against the API (`batch run`, `embed --lines`): as many on the wire
//! as the limiter allows (a unit whose answer has arrived frees its place while it is still being
//! turned into result lines), results written in input order through a bounded reorder window
//! (one slow request holds the writer back; memory does not grow), each finished result on disk
//! at once. A stop (Ctrl-C, an error every unit would share, a run that makes no progress, a rate
//! limit that resets later than `--max-wait`) sends nothing more, waits briefly for what is in
//! flight, and keeps every answer already paid for. It never prints: progress goes to an
//! observer the command gives; the command's [`Worker`] sends the units.

pub mod limiter;
pub mod results;
mod run;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::api::{ApiError, RateLimits};
use results::LineWriter;

/// A set of IDs kept as 64-bit hashes: a million IDs cost 16 MB as strings but a few as hashes,
/// and two different IDs share a hash with a chance of about one in 10^7 even then.
#[derive(Debug, Default)]
pub struct IdSet(std::collections::HashSet<u64>);

impl IdSet {
    /// Adds `id`; false when it was there already.
    pub fn insert(&mut self, id: &str) -> bool {
        self.0.insert(fingerprint(id.as_bytes()))
    }

    pub fn contains(&self, id: &str) -> bool {
        self.0.contains(&fingerprint(id.as_bytes()))
    }
}

impl FromIterator<u64> for IdSet {
    /// A set of IDs given by their fingerprints.
    fn from_iter<I: IntoIterator<Item = u64>>(fingerprints: I) -> IdSet {
        IdSet(fingerprints.into_iter().collect())
    }
}

/// A stable 64-bit fingerprint (FNV-1a): the same bytes give the same value in every build and
/// on every machine, so it can be written into a results file and compared by a later run.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// How long a stop waits for the requests in flight (their answers are paid for).
pub const GRACE: Duration = Duration::from_secs(5);

/// Refusals of one unit after which it is written as failed.
pub const MAX_REFUSALS: u32 = 20;

/// One unit of work: its place in the output, what to write if it is lost, and what the worker
/// needs to send it.
pub struct Work<T, L> {
    pub seq: u64,
    pub label: L,
    pub task: T,
}

/// What a command gives the engine: it sends one unit and words its result lines.
pub trait Worker: Send + Sync + 'static {
    /// What one unit sends.
    type Task: Send + 'static;
    /// What the engine keeps of a unit to write it as failed when it cannot be sent (refused too
    /// often, or its task panicked).
    type Label: Send + 'static;

    /// Sends one unit, told how often it was refused so far. `sending.answered(limits)` once the
    /// answer has arrived (with its rate-limit headers) lets the next unit go out while this one is
    /// turned into lines; otherwise its place is freed when the engine has taken in how the unit
    /// ended.
    fn send(
        &self,
        task: Self::Task,
        refusals: u32,
        sending: &Sending,
    ) -> impl Future<Output = Attempt<Self::Task>> + Send;

    /// The result lines of a unit that failed as a whole: `case` names the failure, `message`
    /// says it.
    fn failed(&self, label: &Self::Label, case: &str, message: &str) -> Finished;
}

/// How one try of a unit ended.
pub enum Attempt<T> {
    Finished(Finished),
    /// Refused for now (429): the engine pauses everyone as the limiter says, then sends it
    /// again; after [`MAX_REFUSALS`], or when the wait asked for is longer than `--max-wait`, it
    /// stops sending as the error says.
    Refused {
        task: T,
        wait: Option<Duration>,
        error: ApiError,
    },
    /// The unit shows the run cannot go on (a key refused, a quota spent): nothing more is sent.
    Stop(ApiError),
}

/// A unit's place on the wire. Released once its answer has arrived, or by the engine once it has
/// taken in how the unit ended (never earlier: a unit that stops the run must be seen before the
/// next one is sent).
pub struct Sending {
    count: Arc<AtomicUsize>,
    freed: Arc<Notify>,
    released: std::sync::atomic::AtomicBool,
    /// The rate-limit headers of answers that arrived, for the engine to hear before it sends
    /// the next request.
    heard: Arc<std::sync::Mutex<Vec<RateLimits>>>,
}

impl Sending {
    /// The answer has arrived, with these rate-limit headers: the place is free.
    pub fn answered(&self, limits: RateLimits) {
        if limits != RateLimits::default()
            && let Ok(mut heard) = self.heard.lock()
        {
            heard.push(limits);
        }
        self.release();
    }

    fn release(&self) {
        if !self.released.swap(true, Ordering::SeqCst) {
            self.count.fetch_sub(1, Ordering::SeqCst);
            self.freed.notify_one();
        }
    }
}

impl Drop for Sending {
    fn drop(&mut self) {
        self.release();
    }
}

/// A unit's result.
#[derive(Debug, Default)]
pub struct Finished {
    /// Newline-terminated output lines (one per input the unit covered).
    pub lines: String,
    /// How many inputs the unit covered (the progress counts inputs).
    pub units: u64,
    /// The ID and troubleshooting case of each input that failed for good.
    pub failures: Vec<Failure>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub limits: RateLimits,
}

/// An input that failed for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub id: String,
    pub case: String,
}

/// What the observer sees after every change.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub done: u64,
    pub failed: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub in_flight: usize,
    pub limit: usize,
    /// The rate limit pauses new requests until then.
    pub paused_until: Option<Instant>,
    /// When the run started.
    pub started: Option<Instant>,
}

/// Why a run stopped before every unit was sent.
#[derive(Debug)]
pub enum Stopped {
    /// Ctrl-C.
    Interrupted,
    /// An error every unit would share (a key refused, a spent quota, an endpoint missing).
    Error(ApiError),
    /// No unit was answered for this long (`--give-up-after`).
    NoProgress(Duration),
    /// The rate limit pauses until `at`, longer than `--max-wait`.
    LimitResets { wait: Duration, at: SystemTime },
}

/// How the run ended.
#[derive(Debug, Default)]
pub struct Report {
    pub progress: Progress,
    /// Each input that failed, in the order written.
    pub failures: Vec<Failure>,
    pub elapsed: Duration,
    /// Why the run stopped early; what finished before (and within the grace after) is written.
    pub stopped: Option<Stopped>,
}

pub struct Engine<W: Worker> {
    pub worker: Arc<W>,
    pub max_in_flight: usize,
    /// How far past the oldest unfinished unit sending may run: the bound on the results held
    /// back for order (a unit with large results wants a small window).
    pub window: u64,
    pub writer: LineWriter,
    /// The longest pause the run sleeps through (`--max-wait`); a longer one stops it.
    pub max_wait: Duration,
    /// How long the run may go without any unit answered before it stops.
    pub give_up_after: Duration,
}

impl<W: Worker> Engine<W> {
    /// Runs every unit of `work` (in input order, `seq` counting from 0) and writes the results in
    /// that order; `observe` is told after every change. `interrupt` resolves at each Ctrl-C: the
    /// first stops the run (what is in flight may finish), the second ends it at once.
    pub async fn run(
        self,
        work: impl Iterator<Item = Work<W::Task, W::Label>> + Send,
        observe: impl FnMut(&Progress) + Send,
        interrupt: impl FnMut() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Send,
    ) -> std::io::Result<Report> {
        run::Run::new(self).drive(work, observe, interrupt).await
    }
}

#[cfg(test)]
mod tests;
