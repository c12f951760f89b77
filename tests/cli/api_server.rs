//! A programmable API server on 127.0.0.1 for many concurrent requests (`batch run`, `embed`):
//! a thread per connection, a handler that sees each request and how many are in flight, and a
//! log of arrivals (with the in-flight count at each) to check what the client did.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A request as received, and the server's state when it arrived.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub path: String,
    pub body: serde_json::Value,
    /// Requests in flight, this one included, when it arrived.
    pub in_flight: usize,
    pub at: Instant,
}

/// What the handler answers.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// How long to wait before answering.
    pub delay: Duration,
}

impl Answer {
    pub fn json(status: u16, body: serde_json::Value) -> Answer {
        Answer { status, headers: Vec::new(), body: body.to_string(), delay: Duration::ZERO }
    }

    pub fn after(mut self, delay: Duration) -> Answer {
        self.delay = delay;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Handler = dyn Fn(&Arrival) -> Answer + Send + Sync;

pub struct ApiServer {
    pub port: u16,
    arrivals: Arc<Mutex<Vec<Arrival>>>,
    /// When each 429 was sent.
    refusals: Arc<Mutex<Vec<Instant>>>,
}

impl ApiServer {
    pub fn start(handler: impl Fn(&Arrival) -> Answer + Send + Sync + 'static) -> ApiServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let refusals = Arc::new(Mutex::new(Vec::new()));
        let active = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let (log, refused) = (arrivals.clone(), refusals.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (log, refused, active, handler) = (log.clone(), refused.clone(), active.clone(), handler.clone());
                std::thread::spawn(move || serve(conn, &log, &refused, &active, &*handler));
            }
        });
        ApiServer { port, arrivals, refusals }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    pub fn arrivals(&self) -> Vec<Arrival> {
        self.arrivals.lock().expect("lock").clone()
    }

    pub fn refusals(&self) -> Vec<Instant> {
        self.refusals.lock().expect("lock").clone()
    }
}

fn serve(
    mut conn: TcpStream,
    log: &Mutex<Vec<Arrival>>,
    refused: &Mutex<Vec<Instant>>,
    active: &AtomicUsize,
    handler: &Handler,
) {
    // Keep-alive: answer requests on this connection until the client closes it.
    loop {
        let Some((path, body)) = read_request(&mut conn) else { return };
        let in_flight = active.fetch_add(1, Ordering::SeqCst) + 1;
        let arrival = Arrival { path, body, in_flight, at: Instant::now() };
        log.lock().expect("lock").push(arrival.clone());
        let answer = handler(&arrival);
        std::thread::sleep(answer.delay);
        if answer.status == 429 {
            refused.lock().expect("lock").push(Instant::now());
        }
        let reason = match answer.status {
            200 => "OK",
            413 => "Payload Too Large",
            429 => "Too Many Requests",
            _ => "Status",
        };
        let mut head = format!(
            "HTTP/1.1 {} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            answer.status,
            answer.body.len()
        );
        for (k, v) in &answer.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        active.fetch_sub(1, Ordering::SeqCst);
        if conn.write_all(head.as_bytes()).and_then(|_| conn.write_all(answer.body.as_bytes())).is_err() {
            return;
        }
    }
}

/// The path and JSON body of the next request; `None` when the client closed before it all arrived.
fn read_request(conn: &mut TcpStream) -> Option<(String, serde_json::Value)> {
    let raw = crate::http_request::read(conn).filter(|r| r.complete)?;
    let path = raw.head.split_whitespace().nth(1).unwrap_or_default().to_string();
    Some((path, serde_json::from_slice(&raw.body).unwrap_or(serde_json::Value::Null)))
}
