//! The hidden `tokenfactory man [COMMAND]`: roff man pages generated from the command definition,
//! like git's: tokenfactory(1) lists the commands, tokenfactory-chat(1) and the others hold each
//! command's options, examples, environment and exit codes.

use crate::report::Result;

use crate::output::Ui;
use crate::report::{Exit, UsageError};

/// Prints the page of `command`, or the top page.
pub fn run(ui: &Ui, command: Option<&str>) -> Result<Exit> {
    let mut top = crate::cli::command();
    top.build();
    let cmd = match command {
        None => top,
        Some(name) => {
            let Some(sub) = top.get_subcommands().find(|c| c.get_name() == name && !c.is_hide_set()) else {
                return Err(UsageError { message: format!("no command is called {name:?}"), hint: None }.into());
            };
            let full = format!("tokenfactory-{name}");
            sub.clone().display_name(full).bin_name(format!("tokenfactory {name}"))
        }
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    ui.data(&String::from_utf8_lossy(&page))?;
    Ok(Exit::Ok)
}
