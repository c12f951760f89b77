//! An input file of `batch run` or `embed --lines`: `-` (stdin) is copied to a private temporary
//! file first, because the input is read twice (checked whole before anything is sent, then sent)
//! and never held in memory.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// A readable input file; a spooled one is deleted when this is dropped.
pub struct Source {
    path: PathBuf,
    spooled: bool,
}

impl Source {
    /// `path`, or stdin (`-`) copied to a private file in `temp_dir`.
    pub fn open(path: &Path, temp_dir: &Path) -> crate::report::Result<Source> {
        if path != Path::new("-") {
            File::open(path).map_err(|e| crate::report::UsageError {
                message: format!("cannot read {}: {e}", path.display()),
                hint: None,
            })?;
            return Ok(Source { path: path.to_path_buf(), spooled: false });
        }
        let spool = temp_dir.join(format!("tokenfactory-input-{}", crate::id::new()));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&spool)?;
        let source = Source { path: spool, spooled: true };
        io::copy(&mut io::stdin().lock(), &mut file)?;
        Ok(source)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        if self.spooled {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
