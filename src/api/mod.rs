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
pub mod wire;

pub use case::Case;
pub use chat_stream::{ChatEvent, Ending, StreamStart};
pub use client::{Client, ClientConfig, Reply, TraceEvent, Tracer, decode_error, endpoint};
pub use error::{ApiError, NetKind, Timer, TlsKind};
pub use headers::RateLimits;
pub use retry::{RetryNotice, RetryPolicy};
pub use server_message::{ServerMessage, missing_answer};
pub use tls_probe::{CertInfo, TlsProbe, probe as tls_probe};
