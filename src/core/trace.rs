//! PURE: what `-v/--verbose` reports, as typed events: each probe's argument vector, the
//! environment it changed and how long it took; probe-cache and download-cache hits; every
//! request and how it ended; the time a step took. A sink (src/trace.rs, on stderr) renders
//! them through `render::trace_line`; without `-v` there is no sink and nothing is built.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::core::tool::Tool;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ProbeEnd {
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
    TimedOut,
    CannotSpawn {
        detail: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TraceEvent {
    /// One run of a tool: `argv` without a shell, `isolation` (hermetic, as the user runs it,
    /// or as the user without one part of their configuration), the variables removed and set.
    Probe {
        tool: Tool,
        argv: Vec<String>,
        isolation: String,
        removed: Vec<String>,
        set: Vec<(String, String)>,
        took: Duration,
        end: ProbeEnd,
    },
    /// The probe cache answered for this binary (or did not); `this_run`: the answer is one
    /// this run read (`--fix`'s memo), not one of an earlier run.
    ProbeCache {
        tool: Tool,
        path: PathBuf,
        hit: bool,
        this_run: bool,
    },
    /// A request: `method` `url` (from a byte offset), its status (None: no response).
    Request {
        method: &'static str,
        url: String,
        from: Option<u64>,
        status: Option<u16>,
        took: Duration,
    },
    /// A verified artifact reused from the download cache.
    Cached { tool: Tool, path: PathBuf },
    /// A file read from a local mirror.
    Local { path: PathBuf },
    /// A step of the run and how long it took.
    Step { what: String, took: Duration },
}

pub(crate) trait Trace: Send + Sync {
    fn event(&self, e: TraceEvent);
}

/// The sink, or none (no `-v`): events are built only when someone listens.
#[derive(Clone, Default)]
pub(crate) struct Tracer(Option<Arc<dyn Trace>>);

impl fmt::Debug for Tracer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tracer({})", if self.0.is_some() { "on" } else { "off" })
    }
}

impl Tracer {
    pub(crate) fn new(sink: Arc<dyn Trace>) -> Tracer {
        Tracer(Some(sink))
    }

    pub(crate) fn emit(&self, e: impl FnOnce() -> TraceEvent) {
        if let Some(s) = &self.0 {
            s.event(e());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Keep(Mutex<Vec<TraceEvent>>);
    impl Trace for Keep {
        fn event(&self, e: TraceEvent) {
            self.0.lock().unwrap().push(e);
        }
    }

    #[test]
    fn nothing_is_built_without_a_sink() {
        let off = Tracer::default();
        off.emit(|| panic!("built without a sink"));
        let keep = Arc::new(Keep::default());
        let on = Tracer::new(keep.clone());
        on.emit(|| TraceEvent::Local {
            path: "/m/x".into(),
        });
        assert_eq!(keep.0.lock().unwrap().len(), 1);
    }
}
