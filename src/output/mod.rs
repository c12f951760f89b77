//! Terminal output: colours, the spinner, the answer writer with its sanitiser, tables, and
//! `--verbose`.

pub mod answer;
pub mod doctor;
pub mod sanitize;
pub mod spinner;
pub mod style;
pub mod table;
pub mod verbose;

pub use answer::AnswerWriter;
pub use sanitize::Sanitizer;
pub use spinner::Spinner;
pub use style::Palette;
