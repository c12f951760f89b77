//! The engine on tokio's paused clock with a fake worker: every pause and delay passes in no
//! time, so each behaviour is checked exactly and without a server.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::AtomicUsize;

use super::*;
use crate::api::{HttpFailure, ResponseHeaders, ServerMessage};

/// What the fake worker does with a unit: wait, then end as `Reply` says.
#[derive(Clone, Copy, Debug)]
enum Reply {
    Ok,
    Refuse(Option<Duration>),
    Stop,
    Panic,
    /// Answered, with rate-limit headers saying the limit resets after this long.
    LimitedFor(Duration),
}

type Script = dyn Fn(u64, u32, usize) -> (Duration, Reply) + Send + Sync;

/// A worker that plays `script(unit, refusals, in flight)` and records what it saw.
struct Fake {
    script: Box<Script>,
    in_flight: AtomicUsize,
    /// (unit, when it was sent, how many were in flight then).
    sent: Mutex<Vec<(u64, Instant, usize)>>,
}

impl Fake {
    fn new(script: impl Fn(u64, u32, usize) -> (Duration, Reply) + Send + Sync + 'static) -> Arc<Fake> {
        Arc::new(Fake { script: Box::new(script), in_flight: AtomicUsize::new(0), sent: Mutex::new(Vec::new()) })
    }

    fn sent(&self) -> Vec<(u64, Instant, usize)> {
        self.sent.lock().expect("lock").clone()
    }
}

fn refusal() -> ApiError {
    ApiError::Status(Box::new(HttpFailure {
        status: 429,
        url: "http://x/v1/chat/completions".into(),
        model: None,
        server: ServerMessage::default(),
        body: String::new(),
        headers: ResponseHeaders::default(),
        received: SystemTime::UNIX_EPOCH,
        proxy: None,
        retries: 0,
    }))
}

impl Worker for Fake {
    type Task = u64;
    type Label = u64;

    async fn send(&self, unit: u64, refusals: u32, sending: &Sending) -> Attempt<u64> {
        let now_in_flight = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.sent.lock().expect("lock").push((unit, Instant::now(), now_in_flight));
        let (delay, reply) = (self.script)(unit, refusals, now_in_flight);
        tokio::time::sleep(delay).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let limits = match reply {
            Reply::LimitedFor(reset) => {
                RateLimits { remaining_requests: Some(0), reset_requests: Some(reset), ..RateLimits::default() }
            }
            _ => RateLimits::default(),
        };
        sending.answered(limits);
        let ok = |limits| {
            Attempt::Finished(Finished { lines: format!("ok {unit}\n"), units: 1, limits, ..Finished::default() })
        };
        match reply {
            Reply::Ok => ok(RateLimits::default()),
            Reply::LimitedFor(reset) => {
                ok(RateLimits { remaining_requests: Some(0), reset_requests: Some(reset), ..RateLimits::default() })
            }
            Reply::Refuse(wait) => Attempt::Refused { task: unit, wait, error: refusal() },
            Reply::Stop => Attempt::Stop(refusal()),
            Reply::Panic => panic!("unit {unit} panics (on purpose)"),
        }
    }

    fn failed(&self, unit: &u64, case: &str, _message: &str) -> Finished {
        let failures = vec![Failure { id: unit.to_string(), case: case.to_string() }];
        Finished { lines: format!("fail {unit} {case}\n"), units: 1, failures, ..Finished::default() }
    }
}

/// Where the engine writes: a buffer the test reads.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).lines().map(str::to_string).collect()
    }
}

struct Setup {
    units: u64,
    jobs: usize,
    window: u64,
    max_wait: Duration,
    give_up_after: Duration,
    /// When each Ctrl-C comes, if any does.
    interrupts: Vec<Duration>,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            units: 40,
            jobs: 8,
            window: 16,
            max_wait: Duration::from_secs(60),
            give_up_after: Duration::from_secs(300),
            interrupts: Vec::new(),
        }
    }
}

async fn run(fake: &Arc<Fake>, setup: Setup) -> (Report, Vec<String>) {
    let buffer = Buffer::default();
    let engine = Engine {
        worker: fake.clone(),
        max_in_flight: setup.jobs,
        window: setup.window,
        writer: LineWriter::new(Box::new(buffer.clone()), crate::settings::Redactor::none(), None),
        max_wait: setup.max_wait,
        give_up_after: setup.give_up_after,
    };
    let work = (0..setup.units).map(|seq| Work { seq, label: seq, task: seq });
    let start = Instant::now();
    // Each Ctrl-C at its time: the engine asks for the next one after each.
    let mut presses = setup.interrupts.clone().into_iter();
    let interrupt = move || -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
        match presses.next() {
            Some(at) => Box::pin(tokio::time::sleep_until(start + at)),
            None => Box::pin(std::future::pending()),
        }
    };
    let report = engine.run(work, |_| {}, interrupt).await.expect("runs");
    (report, buffer.lines())
}

fn oks(lines: &[String]) -> Vec<u64> {
    lines.iter().filter_map(|l| l.strip_prefix("ok ")?.parse().ok()).collect()
}

#[tokio::test(start_paused = true)]
async fn results_leave_in_input_order_through_the_window() {
    // Later units answer sooner: the writer holds them back, within the window.
    let fake = Fake::new(|unit, _, _| (Duration::from_millis(100 - unit % 50), Reply::Ok));
    let (report, lines) = run(&fake, Setup { units: 100, ..Setup::default() }).await;
    assert_eq!(oks(&lines), (0..100).collect::<Vec<_>>());
    assert!(report.stopped.is_none());
    assert_eq!(report.progress.done, 100);
    let sent = fake.sent();
    // No unit is sent 16 or more places past one that has not finished.
    for (unit, at, _) in &sent {
        let unfinished_before =
            sent.iter().filter(|(u, t, _)| u < unit && *t + Duration::from_millis(100 - u % 50) > *at);
        assert!(unfinished_before.clone().all(|(u, _, _)| unit - u < 16), "unit {unit} sent too far ahead");
    }
}

#[tokio::test(start_paused = true)]
async fn a_429_halves_the_limit_and_every_unit_ends_once() {
    // The server takes 4 at a time and refuses the rest.
    let fake = Fake::new(|_, _, in_flight| {
        (Duration::from_millis(50), if in_flight > 4 { Reply::Refuse(None) } else { Reply::Ok })
    });
    let (report, lines) = run(&fake, Setup { units: 60, jobs: 16, window: 64, ..Setup::default() }).await;
    assert_eq!(oks(&lines), (0..60).collect::<Vec<_>>(), "every unit once, in order");
    let sent = fake.sent();
    let first_refusal = sent.iter().find(|(_, _, n)| *n > 4).map(|(_, t, _)| *t).expect("a burst was refused");
    // After the first refused burst, never more than half of -j; once the limiter has settled at
    // what the server accepts, never more than that. (Answers that land together are taken in in
    // the runtime's order, so the first rounds after the pause may still differ.)
    let seen = first_refusal + Duration::from_millis(50);
    let after: Vec<usize> = sent.iter().filter(|(_, t, _)| *t > seen).map(|s| s.2).collect();
    assert!(after.iter().all(|&n| n <= 8), "{after:?}");
    let settled = &after[after.len() / 2..];
    assert!(settled.iter().all(|&n| n <= 4), "settled at what the server takes: {after:?}");
    assert!(report.progress.limit <= 4);
}

#[tokio::test(start_paused = true)]
async fn retry_after_pauses_everyone() {
    let fake = Fake::new(|unit, refusals, _| {
        let reply = if unit == 3 && refusals == 0 { Reply::Refuse(Some(Duration::from_secs(10))) } else { Reply::Ok };
        (Duration::from_millis(20), reply)
    });
    let start = Instant::now();
    let (_, lines) = run(&fake, Setup { units: 30, jobs: 2, ..Setup::default() }).await;
    assert_eq!(oks(&lines), (0..30).collect::<Vec<_>>());
    let sent = fake.sent();
    let refused_at = sent.iter().find(|(u, _, _)| *u == 3).map(|s| s.1).expect("unit 3") + Duration::from_millis(20);
    let during: Vec<u64> = sent
        .iter()
        .filter(|(_, t, _)| *t > refused_at && *t < refused_at + Duration::from_secs(10))
        .map(|s| s.0)
        .collect();
    assert!(during.is_empty(), "sent during the server's pause: {during:?}");
    assert!(start.elapsed() >= Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn a_stop_sends_nothing_more_and_keeps_what_finished() {
    let fake =
        Fake::new(|unit, _, _| (Duration::from_millis(10 + unit), if unit == 10 { Reply::Stop } else { Reply::Ok }));
    let (report, lines) = run(&fake, Setup { units: 100, jobs: 4, ..Setup::default() }).await;
    assert!(matches!(report.stopped, Some(Stopped::Error(_))));
    let sent = fake.sent();
    let stopped_at = sent.iter().find(|(u, _, _)| *u == 10).map(|s| s.1).expect("unit 10") + Duration::from_millis(20);
    assert!(sent.iter().all(|(_, t, _)| *t <= stopped_at), "nothing sent after the stop");
    let written = oks(&lines);
    assert!(written.iter().all(|u| *u != 10));
    let finished: Vec<u64> = sent.iter().map(|s| s.0).filter(|u| *u != 10).collect();
    let mut sorted = written.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, finished, "every answer that arrived is written, even past the gap");
}

#[tokio::test(start_paused = true)]
async fn ctrl_c_keeps_what_finished_and_sends_nothing_more() {
    let fake = Fake::new(|_, _, _| (Duration::from_millis(30), Reply::Ok));
    let setup = Setup { units: 100, jobs: 2, interrupts: vec![Duration::from_millis(200)], ..Setup::default() };
    let start = Instant::now();
    let (report, lines) = run(&fake, setup).await;
    assert!(matches!(report.stopped, Some(Stopped::Interrupted)));
    let sent = fake.sent();
    assert!(sent.iter().all(|(_, t, _)| *t <= start + Duration::from_millis(200)));
    assert_eq!(oks(&lines).len(), sent.len(), "the units in flight at Ctrl-C finished within the grace and are kept");
    assert!(sent.len() < 100);
}

#[tokio::test(start_paused = true)]
async fn a_second_ctrl_c_stops_at_once_without_waiting_for_what_is_in_flight() {
    let fake = Fake::new(|_, _, _| (Duration::from_secs(20), Reply::Ok));
    let presses = vec![Duration::from_millis(100), Duration::from_millis(300)];
    let setup = Setup { units: 10, jobs: 4, interrupts: presses, ..Setup::default() };
    let start = Instant::now();
    let (report, lines) = run(&fake, setup).await;
    assert!(matches!(report.stopped, Some(Stopped::Interrupted)));
    assert_eq!(start.elapsed(), Duration::from_millis(300), "it ended at the second Ctrl-C, within the grace");
    assert!(Duration::from_millis(300) < super::GRACE, "the grace would have waited longer");
    assert_eq!(fake.sent().len(), 4);
    assert!(lines.is_empty(), "nothing had finished: {lines:?}");
}

#[tokio::test(start_paused = true)]
async fn a_task_that_panics_is_written_as_failed_and_the_run_goes_on() {
    let fake = Fake::new(|unit, _, _| (Duration::from_millis(5), if unit == 3 { Reply::Panic } else { Reply::Ok }));
    let (report, lines) = run(&fake, Setup { units: 8, ..Setup::default() }).await;
    assert_eq!(lines[3], "fail 3 other");
    assert_eq!(oks(&lines), [0, 1, 2, 4, 5, 6, 7]);
    assert_eq!(report.failures, [Failure { id: "3".into(), case: "other".into() }]);
    assert!(report.stopped.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_run_that_makes_no_progress_stops() {
    let fake = Fake::new(|_, _, _| (Duration::from_millis(5), Reply::Refuse(Some(Duration::from_secs(1)))));
    let setup = Setup { units: 5, give_up_after: Duration::from_secs(8), ..Setup::default() };
    let start = Instant::now();
    let (report, lines) = run(&fake, setup).await;
    assert!(
        matches!(report.stopped, Some(Stopped::NoProgress(d)) if d == Duration::from_secs(8)),
        "{:?}",
        report.stopped
    );
    assert!(lines.is_empty());
    assert!(start.elapsed() < Duration::from_secs(8) + GRACE + Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn a_unit_refused_too_often_is_written_as_failed() {
    let fake = Fake::new(|unit, _, _| {
        (Duration::from_millis(5), if unit == 1 { Reply::Refuse(Some(Duration::from_millis(100))) } else { Reply::Ok })
    });
    let (report, lines) = run(&fake, Setup { units: 3, ..Setup::default() }).await;
    assert_eq!(lines, ["ok 0", "fail 1 429", "ok 2"]);
    assert_eq!(fake.sent().iter().filter(|s| s.0 == 1).count(), MAX_REFUSALS as usize);
    assert!(report.stopped.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_wait_longer_than_max_wait_stops_the_run_whether_asked_by_a_429_or_by_headers() {
    let two_hours = Duration::from_secs(7200);
    let refused = Fake::new(move |unit, _, _| {
        (Duration::from_millis(5), if unit == 2 { Reply::Refuse(Some(two_hours)) } else { Reply::Ok })
    });
    let (report, _) = run(&refused, Setup { units: 10, jobs: 1, ..Setup::default() }).await;
    assert!(
        matches!(report.stopped, Some(Stopped::LimitResets { wait, .. }) if wait == two_hours),
        "{:?}",
        report.stopped
    );

    // A reset as far away as a header can say (it saturates) stops the run too, without a panic.
    let limited = Fake::new(|unit, _, _| {
        (Duration::from_millis(5), if unit == 1 { Reply::LimitedFor(crate::api::LONGEST_WAIT) } else { Reply::Ok })
    });
    let (report, lines) = run(&limited, Setup { units: 10, jobs: 1, ..Setup::default() }).await;
    assert!(matches!(report.stopped, Some(Stopped::LimitResets { .. })), "{:?}", report.stopped);
    assert_eq!(oks(&lines), [0, 1], "the answers that came are kept, nothing sent after the headers said so");
}
