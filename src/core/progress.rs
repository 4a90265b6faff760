//! PURE: progress is an injected sink. The apply path emits these events; `--fix` shows them as
//! bars or lines (`modes::progress`), the TUI as messages, `-q` not at all.

use crate::core::tool::Tool;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Fetching the published checksum.
    Checksum,
    Download,
    /// A verified copy is already in the cache.
    Cached,
    Verify,
    Install,
    Reprobe,
    Done,
    Failed,
}

impl Phase {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Phase::Checksum => "checksum",
            Phase::Download => "download",
            Phase::Cached => "cached",
            Phase::Verify => "verify",
            Phase::Install => "install",
            Phase::Reprobe => "re-probe",
            Phase::Done => "done",
            Phase::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    Phase {
        tool: Tool,
        phase: Phase,
        detail: String,
    },
    Bytes {
        tool: Tool,
        done: u64,
        total: Option<u64>,
    },
    /// A transfer failed in a way worth retrying; attempt `attempt` of `of` starts after a pause.
    Retry {
        tool: Tool,
        attempt: u32,
        of: u32,
        /// Why the last attempt failed, in words.
        error: String,
    },
    /// Something to tell the user that is not a phase (waiting for the lock).
    Note(String),
}

pub(crate) trait Progress: Send + Sync {
    fn event(&self, e: Event);
}

impl dyn Progress + '_ {
    pub(crate) fn phase(&self, tool: Tool, phase: Phase, detail: impl Into<String>) {
        self.event(Event::Phase {
            tool,
            phase,
            detail: detail.into(),
        });
    }

    pub(crate) fn note(&self, text: impl Into<String>) {
        self.event(Event::Note(text.into()));
    }
}

/// `-q`.
pub(crate) struct Quiet;

impl Progress for Quiet {
    fn event(&self, _: Event) {}
}
