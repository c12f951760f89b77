//! `--verbose`: renders the HTTP core's trace events on stderr, the key masked.

use std::sync::Arc;

use crate::api::{TraceEvent, Tracer, secs};

use super::style::Palette;

/// A tracer that prints each event to stderr.
pub fn tracer(palette: Palette) -> Tracer {
    Arc::new(move |event: &TraceEvent| {
        for line in lines(event) {
            eprintln!("{}", palette.dim(&line));
        }
    })
}

fn lines(event: &TraceEvent) -> Vec<String> {
    match event {
        TraceEvent::Request { method, url, proxy, key_masked } => vec![
            format!("> {method} {url}"),
            format!("> authorization: Bearer {key_masked}"),
            match proxy {
                Some(p) => format!("> proxy: {} (from {})", p.redacted(), p.variable),
                None => "> proxy: none (direct connection)".into(),
            },
        ],
        TraceEvent::Response { status, elapsed, headers } => {
            let reason = reqwest::StatusCode::from_u16(*status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
            let mut lines = vec![format!("< {status} {reason} ({} ms)", elapsed.as_millis())];
            for (name, value) in headers.iter() {
                let value = if name.as_str().eq_ignore_ascii_case("set-cookie") {
                    "[redacted]".to_string()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                lines.push(format!("< {name}: {value}"));
            }
            lines
        }
        TraceEvent::Failed { elapsed, error } => {
            vec![format!("! failed after {}: {error}", secs(*elapsed))]
        }
    }
}
