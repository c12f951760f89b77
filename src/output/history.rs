//! How the history looks: the list of conversations (a table on a terminal, IDs when piped), a
//! conversation as Markdown, and search results with the matched words highlighted on a terminal.
//! Stored text passes `Ui::shown` like any text from outside.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{Ui, table};
use crate::history::{Exchange, Hit, MATCH_END, MATCH_START, Status, Summary};
use crate::time_text::utc_date;

/// The short form of a conversation ID, as git shortens commits.
pub fn short(id: &str) -> &str {
    &id[..8.min(id.len())]
}

fn when(ms: i64) -> String {
    utc_date((ms.max(0) / 1000) as u64).trim_end_matches(" UTC").to_string()
}

/// The conversations, newest first: an aligned table fitted to `width` on a terminal, one full ID
/// per line otherwise.
pub fn list(conversations: &[Summary], ui: &Ui, width: usize) -> String {
    if !ui.out.terminal {
        return conversations.iter().map(|c| format!("{}\n", c.id)).collect();
    }
    let mut rows: Vec<Vec<String>> = conversations
        .iter()
        .map(|c| {
            vec![
                short(&c.id).to_string(),
                when(c.updated_at),
                ui.shown(&c.model, ui.out).into_owned(),
                c.turns.to_string(),
            ]
        })
        .collect();
    let header = ["ID", "UPDATED (UTC)", "MODEL", "TURNS", "FIRST PROMPT"];
    // The first prompt gets what the other columns leave of the line.
    let used: usize =
        (0..4).map(|i| rows.iter().map(|r| r[i].width()).chain([header[i].width()]).max().unwrap_or(0) + 2).sum();
    let room = width.saturating_sub(used).max(12);
    for (row, c) in rows.iter_mut().zip(conversations) {
        row.push(fit(&ui.shown(&c.title, ui.out), room));
    }
    let rendered = table::render(&header, &rows);
    let mut lines = rendered.lines();
    let mut out = String::new();
    if let Some(head) = lines.next() {
        out.push_str(&ui.out.palette.bold(head));
        out.push('\n');
    }
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `text` on one line, cut to `width` columns with an ellipsis.
pub fn fit(text: &str, width: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.width() <= width {
        return line;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in line.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// A conversation as Markdown: a title, its facts, then each turn.
pub fn markdown(summary: &Summary, exchanges: &[Exchange], ui: &Ui) -> String {
    let shown = |text: &str| ui.shown(text, ui.out).into_owned();
    let title = fit(&shown(&summary.title), 72);
    let turns = summary.turns;
    let mut out = format!(
        "# {title}\n\n- conversation: {}\n- model: {}\n- started: {} UTC, {turns} turn{}\n",
        summary.id,
        shown(&summary.model),
        when(summary.started_at),
        if turns == 1 { "" } else { "s" }
    );
    let mut system: Option<&str> = None;
    for e in exchanges {
        if e.system.as_deref() != system {
            system = e.system.as_deref();
            if let Some(s) = system {
                out.push_str(&format!("\n**System:** {}\n", shown(s)));
            }
        }
        out.push_str(&format!("\n## You ({})\n\n{}\n", e.turn, shown(&e.prompt).trim_end()));
        let model = e.model_answered.as_deref().unwrap_or(&e.model_asked);
        out.push_str(&format!("\n## {} ({})\n\n", shown(model), e.turn));
        if !e.answer.is_empty() {
            out.push_str(shown(&e.answer).trim_end());
            out.push('\n');
        }
        if let Some(note) = ending_note(e) {
            out.push_str(&format!("{}> {}\n", if e.answer.is_empty() { "" } else { "\n" }, shown(&note)));
        }
    }
    out
}

/// What a reader should know about how a turn ended, if it did not end well.
fn ending_note(e: &Exchange) -> Option<String> {
    let why = |fallback: &str| e.error.clone().unwrap_or_else(|| fallback.to_string());
    match e.status {
        Status::Complete => None,
        Status::CutOff if e.finish_reason.as_deref() == Some("length") => {
            Some("cut off: the token budget ran out".into())
        }
        Status::CutOff => Some(format!("cut off: {}", why("the stream ended early"))),
        Status::Interrupted => Some("interrupted (Ctrl-C)".into()),
        Status::Failed => Some(format!("failed: {}", why("no answer"))),
        Status::Replaced => Some("asked again (/retry): the next turn replaces this answer".into()),
    }
}

/// Search results, best first: on a terminal a heading line per match and its snippet with the
/// matched words highlighted; piped, one tab-separated line each (ID, turn, snippet).
pub fn search(hits: &[Hit], ui: &Ui) -> String {
    let mut out = String::new();
    for hit in hits {
        if ui.out.terminal {
            let head = format!(
                "{}  {}  {}  turn {}",
                short(&hit.conversation),
                when(hit.at),
                ui.shown(&hit.model, ui.out),
                hit.turn
            );
            out.push_str(&format!("{}\n    {}\n", ui.out.palette.bold(&head), highlighted(&hit.snippet, ui)));
        } else {
            out.push_str(&format!("{}\t{}\t{}\n", hit.conversation, hit.turn, plain_snippet(&hit.snippet)));
        }
    }
    out
}

/// A snippet on one line without its match markers.
pub fn plain_snippet(snippet: &str) -> String {
    snippet.replace([MATCH_START, MATCH_END], "").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A snippet on one line, the matched words styled. Each piece passes `Ui::shown` on its own, so
/// the markers (control characters) become styling, not text.
fn highlighted(snippet: &str, ui: &Ui) -> String {
    let one_line = snippet.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    // Pieces alternate: outside a match, inside one.
    for (i, piece) in one_line.split([MATCH_START, MATCH_END]).enumerate() {
        let piece = ui.shown(piece, ui.out);
        if i % 2 == 1 {
            out.push_str(&ui.out.palette.good(&piece));
        } else {
            out.push_str(&piece);
        }
    }
    out
}
