//! A scripted HTTP/1.1 server on 127.0.0.1 for byte-exact streams: each connection plays the next
//! script (status, headers, then body steps with delays, waits and abrupt closes), and every
//! request it received is recorded.

use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub enum Step {
    /// One chunked-encoding frame holding these bytes.
    Chunk(Vec<u8>),
    Sleep(Duration),
    /// Waits until the test sends on the channel (or 30 s pass).
    Wait(Receiver<()>),
    /// The terminating zero-length chunk: a clean end of the body.
    End,
    /// Drops the connection without ending the body.
    Abort,
}

pub struct Script {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub steps: Vec<Step>,
}

impl Script {
    /// A `text/event-stream` response with these steps.
    pub fn sse(steps: Vec<Step>) -> Script {
        Script { status: 200, headers: vec![("content-type".into(), "text/event-stream".into())], steps }
    }

    /// A response with a fixed body.
    pub fn body(status: u16, content_type: &str, body: &str) -> Script {
        Script {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            steps: vec![Step::Chunk(body.as_bytes().to_vec()), Step::End],
        }
    }
}

/// `data: <json>\n\n` as a chunk.
pub fn event(data: &str) -> Step {
    Step::Chunk(format!("data: {data}\n\n").into_bytes())
}

/// A content delta event.
pub fn content(text: &str) -> Step {
    event(
        &serde_json::json!({"model": "Omniva/Kimi-K2.6", "choices": [{"index": 0, "delta": {"content": text}}]})
            .to_string(),
    )
}

pub fn done() -> Step {
    event("[DONE]")
}

pub fn bytes(b: &[u8]) -> Step {
    Step::Chunk(b.to_vec())
}

pub struct ScriptServer {
    pub port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub head: String,
    pub body: String,
}

impl Recorded {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON request body")
    }
}

impl ScriptServer {
    pub fn start(scripts: Vec<Script>) -> ScriptServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        std::thread::spawn(move || {
            for (script, conn) in scripts.into_iter().zip(listener.incoming()) {
                let Ok(conn) = conn else { return };
                let recorded = recorded.clone();
                std::thread::spawn(move || play(conn, script, &recorded));
            }
        });
        ScriptServer { port, requests }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }
}

fn play(mut conn: TcpStream, script: Script, recorded: &Mutex<Vec<Recorded>>) {
    let Some(request) = read_request(&mut conn) else { return };
    recorded.lock().expect("lock").push(request);
    let reason = match script.status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        422 => "Unprocessable Entity",
        _ => "Status",
    };
    let mut head =
        format!("HTTP/1.1 {} {reason}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n", script.status);
    for (k, v) in &script.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    if conn.write_all(head.as_bytes()).is_err() {
        return;
    }
    for step in script.steps {
        let ok = match step {
            Step::Chunk(b) => {
                let mut frame = format!("{:x}\r\n", b.len()).into_bytes();
                frame.extend_from_slice(&b);
                frame.extend_from_slice(b"\r\n");
                conn.write_all(&frame).and_then(|_| conn.flush()).is_ok()
            }
            Step::Sleep(d) => {
                std::thread::sleep(d);
                true
            }
            Step::Wait(rx) => {
                let _ = rx.recv_timeout(Duration::from_secs(30));
                true
            }
            Step::End => conn.write_all(b"0\r\n\r\n").is_ok(),
            Step::Abort => {
                let _ = conn.shutdown(Shutdown::Both);
                return;
            }
        };
        if !ok {
            return;
        }
    }
    // Let the client read the end before the socket closes.
    let _ = conn.shutdown(Shutdown::Write);
    std::thread::sleep(Duration::from_millis(50));
}

fn read_request(conn: &mut TcpStream) -> Option<Recorded> {
    let raw = crate::http_request::read(conn)?;
    Some(Recorded { head: raw.head, body: String::from_utf8_lossy(&raw.body).into_owned() })
}
