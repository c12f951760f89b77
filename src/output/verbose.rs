//! `--verbose`: renders the HTTP core's trace events on stderr. The key is masked by the core;
//! everything the server sent passes `Ui::shown` (redacted, and sanitised on a terminal).

use std::sync::Arc;

use crate::api::{TraceEvent, Tracer};
use crate::time_text::secs;

use super::Ui;

/// A tracer that prints each event to stderr.
pub fn tracer(ui: Ui) -> Tracer {
    Arc::new(move |event: &TraceEvent| {
        for line in lines(event) {
            ui.dim(&line);
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
        TraceEvent::Response { status, reason, elapsed, headers } => {
            let mut lines = vec![format!("< {status} {reason} ({} ms)", elapsed.as_millis())];
            for (name, value) in headers {
                let value = if name.eq_ignore_ascii_case("set-cookie") { "[redacted]" } else { value };
                lines.push(format!("< {name}: {value}"));
            }
            lines
        }
        TraceEvent::Failed { elapsed, error } => {
            vec![format!("! failed after {}: {error}", secs(*elapsed))]
        }
    }
}
