//! The model catalog as the session needs it: fetched only when `/model` or TAB asks (never
//! before the first prompt), once, and kept; plus what TAB offers for a line.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use super::command;
use crate::api::Client;
use crate::output::line_editor::Completions;

/// The longest wait for the catalog: TAB must not hang the line.
const WAIT: Duration = Duration::from_secs(5);

pub struct Catalog {
    client: Rc<Client>,
    runtime: Rc<tokio::runtime::Runtime>,
    ids: RefCell<Option<Rc<Vec<String>>>>,
}

impl Catalog {
    pub fn new(client: Rc<Client>, runtime: Rc<tokio::runtime::Runtime>) -> Catalog {
        Catalog { client, runtime, ids: RefCell::new(None) }
    }

    /// The catalog's model IDs, fetched the first time; a failure says why and is tried again
    /// next time.
    pub fn ids(&self) -> Result<Rc<Vec<String>>, String> {
        if let Some(ids) = self.ids.borrow().as_ref() {
            return Ok(ids.clone());
        }
        let fetched = self.runtime.block_on(async { tokio::time::timeout(WAIT, self.client.models()).await });
        let ids = match fetched {
            Ok(Ok(reply)) => Rc::new(reply.value.data.into_iter().map(|m| m.id).collect::<Vec<_>>()),
            Ok(Err(e)) => return Err(e.to_string()),
            Err(_) => return Err(format!("no catalog within {} s", WAIT.as_secs())),
        };
        *self.ids.borrow_mut() = Some(ids.clone());
        Ok(ids)
    }
}

/// What TAB offers: command names after `/`, catalog IDs after `/model ` (any ID that holds what
/// was typed, in any case), languages after `/print `.
pub fn completions(catalog: Rc<Catalog>) -> Completions {
    Box::new(move |line: &str| {
        if let Some(typed) = line.strip_prefix("/model ") {
            let start = line.len() - typed.len();
            let Ok(ids) = catalog.ids() else { return (start, Vec::new()) };
            let want = typed.trim().to_lowercase();
            let mut found: Vec<String> = ids.iter().filter(|id| id.to_lowercase().contains(&want)).cloned().collect();
            found.sort_by_key(|id| (!id.starts_with(typed.trim()), id.clone()));
            return (start, found);
        }
        if let Some(typed) = line.strip_prefix("/print ") {
            let start = line.len() - typed.len();
            let languages = ["curl", "python", "typescript", "http"];
            return (start, languages.iter().filter(|l| l.starts_with(typed)).map(|l| l.to_string()).collect());
        }
        if line.starts_with('/') && !line.contains(char::is_whitespace) {
            return (0, command::completing(line).map(|c| format!("{c} ")).collect());
        }
        (line.len(), Vec::new())
    })
}
