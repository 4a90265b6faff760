//! The sinks `--fix` shows progress with: bars on a terminal, one plain line per phase off a
//! terminal (`core::progress::Quiet` with `-q`). `mirror` and `pins update` fetch one tool for
//! several platforms at once, so their events go through `Labelled`, named by tool and platform.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::core::inert::inert;
use crate::core::progress::{Event, Phase, Progress};
use crate::core::tool::Tool;

/// Off a terminal: one line per phase on stderr, no byte counts.
pub(crate) struct Lines;

impl Progress for Lines {
    fn event(&self, e: Event) {
        Lines::event_as(None, e);
    }
}

impl Lines {
    fn event_as(label: Option<&str>, e: Event) {
        let line = match e {
            Event::Phase {
                tool,
                phase,
                detail,
            } => {
                let who = label.map_or_else(|| tool.to_string(), str::to_string);
                match (detail.is_empty(), phase) {
                    (true, _) => format!("{who}: {}", phase.word()),
                    (false, Phase::Failed) => format!("{who}: failed: {detail}"),
                    (false, _) => format!("{who}: {} {detail}", phase.word()),
                }
            }
            Event::Retry {
                tool,
                attempt,
                of,
                error,
            } => {
                let who = label.map_or_else(|| tool.to_string(), str::to_string);
                format!("{who}: {error}; retrying ({attempt}/{of})")
            }
            Event::Note(n) => n,
            Event::Bytes { .. } => return,
        };
        let _ = writeln!(std::io::stderr(), "{}", inert(&line));
    }
}

/// On a terminal: a bar per download (bytes, rate, ETA) and a line per phase.
pub(crate) struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
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
    fn bar(&self, label: &str) -> ProgressBar {
        let mut bars = self.bars.lock().expect("bars lock");
        bars.entry(label.to_string())
            .or_insert_with(|| {
                let b = self.multi.add(ProgressBar::new(0));
                b.set_style(
                    ProgressStyle::with_template(
                        "{prefix:<10} {bar:30} {bytes:>10}/{total_bytes:<10} {bytes_per_sec:>12} eta {eta:<4} {msg}",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                );
                b.set_prefix(label.to_string());
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
        self.event_as(None, e);
    }
}

impl Bars {
    fn event_as(&self, label: Option<&str>, e: Event) {
        let name = |tool: Tool| label.map_or_else(|| tool.to_string(), str::to_string);
        match e {
            Event::Bytes { tool, done, total } => {
                let b = self.bar(&name(tool));
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
                let b = self.bar(&name(tool));
                let text = if detail.is_empty() {
                    phase.word().to_string()
                } else {
                    format!("{} {}", phase.word(), inert(&detail))
                };
                match phase {
                    Phase::Done | Phase::Failed => b.finish_with_message(text),
                    _ => b.set_message(text),
                }
            }
            Event::Retry {
                tool,
                attempt,
                of,
                error,
            } => {
                let b = self.bar(&name(tool));
                b.set_message(format!("retrying ({attempt}/{of})"));
                let line = format!("{}: {error}; retrying ({attempt}/{of})", name(tool));
                let _ = self.multi.println(inert(&line));
            }
            Event::Note(n) => {
                let _ = self.multi.println(inert(&n));
            }
        }
    }
}

/// Where a run's progress goes.
#[derive(Clone)]
pub(crate) enum Sink {
    Bars(Arc<Bars>),
    Lines,
    Quiet,
}

impl Sink {
    /// Bars on a terminal, lines off one, nothing with `-q`.
    pub(crate) fn new(quiet: bool, stderr_tty: bool) -> Sink {
        match (quiet, stderr_tty) {
            (true, _) => Sink::Quiet,
            (false, true) => Sink::Bars(Arc::new(Bars::default())),
            (false, false) => Sink::Lines,
        }
    }

    /// A sink for one job, its events named `label` ("kubectl darwin-arm64").
    pub(crate) fn labelled(&self, label: String) -> Arc<dyn Progress> {
        Arc::new(Labelled {
            label,
            sink: self.clone(),
        })
    }

    pub(crate) fn note(&self, text: &str) {
        match self {
            Sink::Bars(b) => b.event_as(None, Event::Note(text.to_string())),
            Sink::Lines => Lines::event_as(None, Event::Note(text.to_string())),
            Sink::Quiet => {}
        }
    }
}

struct Labelled {
    label: String,
    sink: Sink,
}

impl Progress for Labelled {
    fn event(&self, e: Event) {
        match &self.sink {
            Sink::Bars(b) => b.event_as(Some(&self.label), e),
            Sink::Lines => Lines::event_as(Some(&self.label), e),
            Sink::Quiet => {}
        }
    }
}
