//! The conversation history: one SQLite file, its versioned schema (`schema.rs`), the records it
//! holds (`record.rs`), the store and its queries (`store.rs`), and why it could not be used
//! (`error.rs`). It never prints and never reads the environment: `settings` says where the file
//! is.

mod error;
mod file;
mod record;
mod schema;
mod store;

pub use error::{HistoryError, Problem};
pub use record::{Exchange, Found, Hit, MATCH_END, MATCH_START, Status, Summary, now_ms, title};
pub use store::Store;
