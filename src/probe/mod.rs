//! Finding every copy of a tool and asking each one its version.
//!
//! `parse` is pure (arguments and output → version); `locate` and `runner` do the I/O.

pub(crate) mod locate;
pub(crate) mod parse;
pub(crate) mod runner;

use std::path::PathBuf;

pub(crate) use locate::{SearchSpace, locate};
pub(crate) use parse::{RawOutput, Reading};
pub(crate) use runner::{ProbeOptions, observe, observe_tool, probe_path, run_command};

use crate::core::tool::Tool;

/// Every copy of one tool, in the order a shell would consider them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Observation {
    pub(crate) tool: Tool,
    pub(crate) copies: Vec<Copy>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Copy {
    pub(crate) path: PathBuf,
    pub(crate) origin: Origin,
    pub(crate) in_bin_dir: bool,
    pub(crate) state: CopyState,
}

/// How a copy was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// In the PATH entry with this index: the first executable one is what the user runs.
    Path(usize),
    /// Outside PATH where consumers still look (VirtualBox's install dir on Windows).
    Known,
    /// In the bin dir, which is not on PATH.
    BinDir,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CopyState {
    /// A file with the tool's name that cannot be executed (a shell skips it).
    NotExecutable,
    Read(Reading),
    Failed {
        reason: String,
        timed_out: bool,
        /// What the last attempt printed, for the details view.
        output: Option<RawOutput>,
    },
}

impl Copy {
    pub(crate) fn executable(&self) -> bool {
        !matches!(self.state, CopyState::NotExecutable)
    }

    /// Whether running the tool's name would reach this copy (PATH, or a known location).
    pub(crate) fn reachable(&self) -> bool {
        matches!(self.origin, Origin::Path(_) | Origin::Known)
    }
}

impl Observation {
    /// The copy the user's PATH runs (or, for VirtualBox on Windows, the one minikube finds).
    pub(crate) fn effective(&self) -> Option<&Copy> {
        let first = |want: fn(&Origin) -> bool| {
            self.copies
                .iter()
                .find(|c| c.executable() && want(&c.origin))
        };
        first(|o| matches!(o, Origin::Path(_))).or_else(|| first(|o| matches!(o, Origin::Known)))
    }
}
