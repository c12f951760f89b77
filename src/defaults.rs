//! Every default setting, written once: `settings` applies them; the help text, the
//! explanations and doctor quote them from here.

/// Token Factory's API.
pub const BASE_URL: &str = "https://api.tokenfactory.omniva.com/v1";
pub const MODEL: &str = "Omniva/Kimi-K2.6";
/// `embed`'s model (`OMNIVA_EMBEDDING_MODEL`).
pub const EMBEDDING_MODEL: &str = "BAAI/bge-large-en-v1.5";
/// `--connect-timeout`, seconds.
pub const CONNECT_TIMEOUT_SECS: u64 = 10;
/// `--timeout` / `OMNIVA_TIMEOUT`, seconds.
pub const TIMEOUT_SECS: u64 = 600;
/// `--idle-timeout`, seconds.
pub const IDLE_TIMEOUT_SECS: u64 = 120;
/// `--retries`.
pub const RETRIES: u32 = 2;
/// `--max-wait`, seconds.
pub const MAX_WAIT_SECS: u64 = 60;
/// `batch run --give-up-after`, seconds: a run that gets no answer for this long stops.
pub const NO_PROGRESS_SECS: u64 = 300;
