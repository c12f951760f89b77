//! Reading one HTTP/1.1 request off a socket, for the loopback servers of the tests.

use std::io::Read;
use std::net::TcpStream;

/// A request as read: its head (request line and headers) and its body.
pub struct RawRequest {
    pub head: String,
    /// Content-Length bytes, or what arrived before the client closed.
    pub body: Vec<u8>,
    /// Whether the whole body arrived.
    pub complete: bool,
}

/// Reads one request; `None` when the connection closed before the head ended.
pub fn read(conn: &mut TcpStream) -> Option<RawRequest> {
    let mut data = Vec::new();
    let mut buf = [0u8; 16384];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    while data.len() < head_end + length {
        match conn.read(&mut buf) {
            Ok(n) if n > 0 => data.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    let complete = data.len() >= head_end + length;
    let body = data[head_end..data.len().min(head_end + length)].to_vec();
    Some(RawRequest { head, body, complete })
}
