//! The languages `chat --print` writes a request in: one enum, read by clap from the flag and
//! matched by `codegen` to write the program.

/// A language `--print` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Language {
    Curl,
    Python,
    #[value(alias = "ts")]
    Typescript,
    Http,
}
