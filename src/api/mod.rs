//! The HTTP core shared by every command: the client, the wire types and the error classification.
//! It never prints, never reads the environment and knows nothing of clap.

mod client;
mod error;
pub mod wire;

pub use client::{Client, ClientConfig, MAX_BODY, Reply, TraceEvent, Tracer};
pub use error::{ApiError, BodyFormat, HttpFailure, NetKind, ServerMessage, Timer, TlsKind, secs};
