//! The sinks `--fix` shows progress with: bars on a terminal, one plain line per phase off a
//! terminal (`core::progress::Quiet` with `-q`).

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::core::inert::inert;
use crate::core::progress::{Event, Phase, Progress};
use crate::core::tool::Tool;

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
        let _ = writeln!(std::io::stderr(), "{}", inert(&line));
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
                    format!("{} {}", phase.word(), inert(&detail))
                };
                match phase {
                    Phase::Done | Phase::Failed => b.finish_with_message(text),
                    _ => b.set_message(text),
                }
            }
            Event::Note(n) => {
                let _ = self.multi.println(inert(&n));
            }
        }
    }
}
