//! I/O: the `-v/--verbose` sink: each event on stderr as one line (made inert), stamped with
//! the time since the run started.

use std::io::Write;
use std::time::Instant;

use crate::core::inert::inert;
use crate::core::render;
use crate::core::trace::{Trace, TraceEvent};

pub(crate) struct Stderr {
    start: Instant,
}

impl Stderr {
    pub(crate) fn new() -> Stderr {
        Stderr {
            start: Instant::now(),
        }
    }
}

impl Trace for Stderr {
    fn event(&self, e: TraceEvent) {
        let ms = self.start.elapsed().as_secs_f64() * 1000.0;
        let _ = writeln!(
            std::io::stderr().lock(),
            "[{ms:>8.1} ms] {}",
            inert(&render::trace_line(&e))
        );
    }
}
