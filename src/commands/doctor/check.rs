//! One doctor check's result, and the counts over all of them.

use std::time::Duration;

use crate::explain::Case;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skipped",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    pub id: &'static str,
    pub name: &'static str,
    pub status: Status,
    pub summary: String,
    /// Facts found along the way (addresses, certificates, headers).
    pub details: Vec<String>,
    /// The fix: the troubleshooting case's explanation.
    pub hints: Vec<String>,
    pub duration: Duration,
    /// The troubleshooting case a failure belongs to.
    pub case: Option<Case>,
}

impl Check {
    pub fn new(id: &'static str, name: &'static str, status: Status, summary: impl Into<String>) -> Check {
        Check {
            id,
            name,
            status,
            summary: summary.into(),
            details: Vec::new(),
            hints: Vec::new(),
            duration: Duration::ZERO,
            case: None,
        }
    }

    pub fn skipped(id: &'static str, name: &'static str, why: impl Into<String>) -> Check {
        Check::new(id, name, Status::Skip, why)
    }

    pub fn passed(&self) -> bool {
        matches!(self.status, Status::Pass | Status::Warn)
    }
}

/// How many checks ended in each status.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub warnings: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Tally {
    pub fn of(checks: &[Check]) -> Tally {
        let mut t = Tally::default();
        for c in checks {
            match c.status {
                Status::Pass => t.passed += 1,
                Status::Warn => t.warnings += 1,
                Status::Fail => t.failed += 1,
                Status::Skip => t.skipped += 1,
            }
        }
        t
    }
}
