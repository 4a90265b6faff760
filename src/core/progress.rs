//! Progress is an injected sink: core code emits events; progress bars on a terminal, one plain
//! line per phase off a terminal, nothing with `-q`, or messages to the TUI.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

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
    /// Something to tell the user that is not a phase (a retry, waiting for the lock).
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

/// Off a terminal: one line per phase on stderr, no byte counts.
pub(crate) struct Lines;

impl Progress for Lines {
    fn event(&self, e: Event) {
        let line = match e {
            Event::Phase {
                tool,
                phase,
                detail,
            } => {
                if detail.is_empty() {
                    format!("{tool}: {}", phase.word())
                } else {
                    format!("{tool}: {} {detail}", phase.word())
                }
            }
            Event::Note(n) => n,
            Event::Bytes { .. } => return,
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// On a terminal: a bar per download (bytes, rate, ETA) and a line per phase.
pub(crate) struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<Tool, ProgressBar>>,
}

impl Default for Bars {
    fn default() -> Self {
        Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        }
    }
}

impl Bars {
    fn bar(&self, tool: Tool) -> ProgressBar {
        let mut bars = self.bars.lock().expect("bars lock");
        bars.entry(tool)
            .or_insert_with(|| {
                let b = self.multi.add(ProgressBar::new(0));
                b.set_style(
                    ProgressStyle::with_template(
                        "{prefix:<10} {bar:30} {bytes:>10}/{total_bytes:<10} {bytes_per_sec:>12} eta {eta:<4} {msg}",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                );
                b.set_prefix(tool.name());
                b.enable_steady_tick(Duration::from_millis(200));
                b
            })
            .clone()
    }

    /// Hides the bars while something else writes to the terminal (sudo's prompt).
    pub(crate) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.multi.suspend(f)
    }
}

impl Progress for Bars {
    fn event(&self, e: Event) {
        match e {
            Event::Bytes { tool, done, total } => {
                let b = self.bar(tool);
                if let Some(t) = total {
                    b.set_length(t);
                }
                b.set_position(done);
            }
            Event::Phase {
                tool,
                phase,
                detail,
            } => {
                let b = self.bar(tool);
                let text = if detail.is_empty() {
                    phase.word().to_string()
                } else {
                    format!("{} {detail}", phase.word())
                };
                match phase {
                    Phase::Done | Phase::Failed => b.finish_with_message(text),
                    _ => b.set_message(text),
                }
            }
            Event::Note(n) => {
                let _ = self.multi.println(n);
            }
        }
    }
}
