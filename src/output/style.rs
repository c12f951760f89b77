//! Colours for one output stream, decided once from the settings: a palette that either styles
//! text or returns it unchanged.

use owo_colors::OwoColorize;

#[derive(Debug, Clone, Copy, Default)]
pub struct Palette {
    enabled: bool,
}

impl Palette {
    /// No colours.
    pub const PLAIN: Palette = Palette { enabled: false };

    pub fn new(enabled: bool) -> Palette {
        Palette { enabled }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn paint(&self, text: &str, style: owo_colors::Style) -> String {
        if self.enabled { text.style(style).to_string() } else { text.to_string() }
    }

    pub fn error(&self, text: &str) -> String {
        self.paint(text, owo_colors::Style::new().red().bold())
    }

    pub fn warn(&self, text: &str) -> String {
        self.paint(text, owo_colors::Style::new().yellow().bold())
    }

    pub fn good(&self, text: &str) -> String {
        self.paint(text, owo_colors::Style::new().green().bold())
    }

    pub fn hint(&self, text: &str) -> String {
        self.paint(text, owo_colors::Style::new().cyan())
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(text, owo_colors::Style::new().dimmed())
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(text, owo_colors::Style::new().bold())
    }
}
