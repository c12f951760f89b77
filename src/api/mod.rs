//! The HTTP core shared by every command: the client, the wire types, SSE decoding and the error
//! classification. It never prints, never reads the environment and knows nothing of clap.

mod case;
mod chat_stream;
mod client;
mod error;
mod headers;
mod retry;
mod server_message;
mod sse;
mod stream;
mod tls_probe;
mod transport;
mod trust;
mod vectors;
pub mod wire;

pub use case::Case;
pub use chat_stream::{ChatEvent, Ending, StreamStart};
pub use client::{Client, ClientConfig, Reply, TraceEvent, Tracer, endpoint};
#[cfg(test)]
pub use error::HttpFailure;
pub use error::{ApiError, NetKind, Timer, TlsKind};
#[cfg(test)]
pub use headers::ResponseHeaders;
pub use headers::{LONGEST_WAIT, RateLimits};
pub use retry::{RetryNotice, RetryPolicy};
pub use server_message::{ServerMessage, missing_answer};
pub use tls_probe::{CertInfo, TlsProbe, probe as tls_probe};
pub use vectors::{dimensions, one_line, vectors};
