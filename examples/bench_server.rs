//! A loopback OpenAI-compatible server for the benchmarks (`bench/batch.py`), fast enough not to
//! be what is measured: keep-alive HTTP/1.1, each request answered after a fixed latency, any
//! request beyond a concurrency limit refused with 429 and `Retry-After: 1`. Chat completions get
//! a short answer, embeddings one vector per input. Prints its port, then serves until killed; on
//! stdin closing it prints what it saw (served, refused, peak in flight) and exits.
//!
//! Usage: bench_server LATENCY_MS LIMIT DIMENSIONS

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
struct Counts {
    active: AtomicUsize,
    peak: AtomicUsize,
    served: AtomicUsize,
    refused: AtomicUsize,
    /// Microseconds between reading a request and writing its answer, summed.
    service_us: AtomicUsize,
    /// Microseconds between writing an answer and the next request arriving on that connection
    /// (the client's turnaround), summed, and how many there were.
    turnaround_us: AtomicUsize,
    turnarounds: AtomicUsize,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let number = |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let latency = Duration::from_millis(number(1, 20));
    let limit = number(2, 64) as usize;
    let dimensions = number(3, 1024) as usize;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    let counts = Arc::new(Counts::default());
    let report = counts.clone();
    tokio::spawn(async move {
        let mut line = String::new();
        let _ = BufReader::new(tokio::io::stdin()).read_line(&mut line).await;
        let served = report.served.load(Ordering::SeqCst).max(1);
        println!(
            "served {} refused {} peak {} in flight, mean latency {:.2} ms, mean client turnaround {:.2} ms",
            report.served.load(Ordering::SeqCst),
            report.refused.load(Ordering::SeqCst),
            report.peak.load(Ordering::SeqCst),
            report.service_us.load(Ordering::SeqCst) as f64 / served as f64 / 1000.0,
            report.turnaround_us.load(Ordering::SeqCst) as f64
                / report.turnarounds.load(Ordering::SeqCst).max(1) as f64
                / 1000.0
        );
        std::process::exit(0);
    });
    loop {
        let (conn, _) = listener.accept().await?;
        let counts = counts.clone();
        tokio::spawn(async move {
            let _ = serve(conn, &counts, latency, limit, dimensions).await;
        });
    }
}

async fn serve(
    conn: TcpStream,
    counts: &Counts,
    latency: Duration,
    limit: usize,
    dimensions: usize,
) -> std::io::Result<()> {
    let _ = conn.set_nodelay(true);
    let (read, mut write) = conn.into_split();
    let mut reader = BufReader::new(read);
    let mut answered: Option<std::time::Instant> = None;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        if let Some(at) = answered {
            counts.turnaround_us.fetch_add(at.elapsed().as_micros() as usize, Ordering::SeqCst);
            counts.turnarounds.fetch_add(1, Ordering::SeqCst);
        }
        let mut length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).await?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await?;
        let arrived = std::time::Instant::now();
        let active = counts.active.fetch_add(1, Ordering::SeqCst) + 1;
        counts.peak.fetch_max(active, Ordering::SeqCst);
        let response: Arc<String> = if active > limit {
            counts.active.fetch_sub(1, Ordering::SeqCst);
            counts.refused.fetch_add(1, Ordering::SeqCst);
            let payload = r#"{"error":{"message":"too many requests","code":"rate_limit_exceeded"}}"#;
            Arc::new(format!(
                "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 1\r\ncontent-length: {}\r\n\r\n{payload}",
                payload.len()
            ))
        } else {
            // tokio's timer rounds up to the next millisecond (20 ms becomes 20-21 ms); a blocking
            // thread's sleep keeps to LATENCY within a tenth of a millisecond.
            let _ = tokio::task::spawn_blocking(move || std::thread::sleep(latency)).await;
            counts.active.fetch_sub(1, Ordering::SeqCst);
            counts.served.fetch_add(1, Ordering::SeqCst);
            if request_line.contains("/embeddings") {
                embeddings(&body, dimensions)
            } else {
                let payload = chat();
                Arc::new(format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{payload}",
                    payload.len()
                ))
            }
        };
        write.write_all(response.as_bytes()).await?;
        answered = Some(std::time::Instant::now());
        counts.service_us.fetch_add(arrived.elapsed().as_micros() as usize, Ordering::SeqCst);
    }
}

fn chat() -> String {
    r#"{"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}"#.to_string()
}

/// The reply to an embeddings request: one vector per input, built once per input count (the
/// server must cost far less than the client it measures).
fn embeddings(body: &[u8], dimensions: usize) -> Arc<String> {
    static MADE: std::sync::Mutex<Vec<(usize, Arc<String>)>> = std::sync::Mutex::new(Vec::new());
    let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let inputs = match &request["input"] {
        serde_json::Value::Array(items) => items.len(),
        _ => 1,
    };
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, reply)) = made.iter().find(|(n, _)| *n == inputs) {
        return reply.clone();
    }
    let vector = format!("[{}]", vec!["0.125"; dimensions].join(","));
    let data: Vec<String> =
        (0..inputs).map(|i| format!(r#"{{"object":"embedding","index":{i},"embedding":{vector}}}"#)).collect();
    let payload = format!(
        r#"{{"object":"list","data":[{}],"model":"e","usage":{{"prompt_tokens":{},"total_tokens":{}}}}}"#,
        data.join(","),
        inputs * 4,
        inputs * 4
    );
    let reply = Arc::new(format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{payload}",
        payload.len()
    ));
    made.push((inputs, reply.clone()));
    reply
}
