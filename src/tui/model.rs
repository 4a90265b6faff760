//! PURE: the TUI's state, its messages and the commands `update` asks the shell to run.

use std::path::PathBuf;
use std::time::Duration;

use crate::cluster::rows::Row as ClusterRow;
use crate::cluster::{ClusterRun, Release};
use crate::core::diagnose::{Finding, Layout, Remedy, Status};
use crate::core::manifest::Manifest;
use crate::core::observation::Observation;
use crate::core::outcome::{Outcome, PrivilegedError};
use crate::core::overrides::Overrides;
use crate::core::plan::Choices;
use crate::core::progress::{Event, Phase as Step};
use crate::core::tool::Tool;
use crate::shellrc::{PersistPlan, PlanProblem};

/// Keys, already translated from the terminal's events (so `update` needs no terminal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    Up,
    Down,
    Enter,
    Esc,
    Backspace,
    Char(char),
    CtrlC,
}

#[derive(Clone, Debug)]
pub(crate) enum Msg {
    Key(Key),
    Resize(u16, u16),
    /// Time since start, for spinners, rates and ETAs.
    Tick(Duration),
    /// A probe finished; stale generations are dropped.
    Probed {
        generation: u64,
        observation: Observation,
    },
    /// A progress event from the apply worker, with the time since start.
    Progress(Event, Duration),
    /// The apply worker finished: what it did, and the overrides file as it left it.
    Applied {
        outcomes: Vec<Outcome>,
        overrides: Overrides,
    },
    PrivilegedDone(Result<(), PrivilegedError>),
    /// A look at the cluster finished; stale generations are dropped.
    ClusterSeen {
        generation: u64,
        rows: Vec<ClusterRow>,
    },
    /// The cluster fix is about to run this command (as a user would type it).
    ClusterStep(String),
    /// A line of the running cluster fix's output (untrusted: made inert when drawn).
    ClusterLine(String),
    /// The cluster fix finished: what it ran and the last look.
    ClusterFixed(ClusterRun),
    /// The PATH line was written to the shell's startup file (or could not be).
    PathPersisted(Result<crate::shellrc::Persisted, String>),
    /// SIGTERM or the like: cancel and leave.
    Terminate,
}

/// What the user chose for an unsatisfied row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Choice {
    Install,
    Keep,
    /// Recorded like `override TOOL --not-needed`: the tool counts as satisfied from now on.
    NotNeeded,
    Skip,
}

impl Choice {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Choice::Install => "install",
            Choice::Keep => "keep mine",
            Choice::NotNeeded => "not needed",
            Choice::Skip => "skip",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cmd {
    Probe {
        generation: u64,
    },
    /// Run the apply path with these choices, from these observations.
    Apply {
        choices: Choices,
        observations: Vec<Observation>,
    },
    /// Leave the alternate screen and run these (VirtualBox's privileged installer).
    RunPrivileged {
        commands: Vec<Vec<String>>,
    },
    /// Look at the cluster with the tools these findings found.
    LookAtCluster {
        generation: u64,
        findings: Vec<Finding>,
    },
    /// Run `--fix --cluster`'s steps (the context switch only when `switch_context`).
    FixCluster {
        findings: Vec<Finding>,
        switch_context: bool,
    },
    /// Write the PATH line into the shell's startup file.
    PersistPath(PersistPlan),
    /// Cancel the running apply or cluster fix (no partial files are left).
    Cancel,
    Quit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Probing,
    Ready,
    Applying,
    Done,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Normal,
    /// The in-place prompt for the selected row; `at` is the highlighted option.
    Prompt {
        at: usize,
    },
    /// Typing the optional reason for "keep mine".
    Reason {
        buffer: String,
    },
    Help,
    ConfirmApply,
    ConfirmQuit,
    ConfirmSudo {
        installer: PathBuf,
        commands: Vec<Vec<String>>,
        minikube_running: bool,
    },
    /// How to put the bin dir first on PATH: now, and in every new shell (`w` writes it).
    PathStep,
    /// What fixing the cluster would run; `switch` names the context it may switch to.
    ConfirmCluster {
        commands: Vec<String>,
        switch: Option<String>,
    },
}

/// The PATH step: the line for this shell now, and what `env --persist` would write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PathStep {
    /// The line for this terminal (None: a shell `env` does not write for).
    pub(crate) now: Option<String>,
    pub(crate) persist: Result<PersistPlan, PlanProblem>,
}

/// The cluster section (`--cluster`, or `c`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ClusterPane {
    pub(crate) run: ClusterRun,
    /// The minikube release the tools section found (its flags differ by era).
    pub(crate) minikube: Option<Release>,
    pub(crate) generation: u64,
    pub(crate) looking: bool,
    /// The command the fix is running now.
    pub(crate) running: Option<String>,
    pub(crate) fixing: bool,
    /// The running command's last lines of output.
    pub(crate) output: Vec<String>,
}

/// How many output lines of a running cluster fix are kept for the screen.
pub(crate) const CLUSTER_OUTPUT: usize = 4;

impl ClusterPane {
    pub(crate) fn new() -> ClusterPane {
        ClusterPane {
            run: ClusterRun::default(),
            minikube: None,
            generation: 0,
            looking: true,
            running: None,
            fixing: false,
            output: Vec::new(),
        }
    }
}

/// Live transfer state of a row while applying.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Transfer {
    pub(crate) step: Option<Step>,
    pub(crate) detail: String,
    pub(crate) done: u64,
    pub(crate) total: Option<u64>,
    /// When the first byte count arrived, and how many bytes there were then.
    pub(crate) started: Option<(Duration, u64)>,
    /// Bytes per second.
    pub(crate) rate: Option<f64>,
    /// When the download phase began, and when its byte count last grew.
    pub(crate) since: Option<Duration>,
    pub(crate) last_bytes: Option<Duration>,
    /// The attempt under way after a failure (`2` of `3`), and why the last one failed.
    pub(crate) retry: Option<(u32, u32, String)>,
}

/// A download with no new bytes for this long is shown as stalled.
pub(crate) const STALLED_AFTER: Duration = Duration::from_secs(3);

impl Transfer {
    /// How long the download has gone without a byte, once that is worth saying.
    pub(crate) fn stalled(&self, now: Duration) -> Option<Duration> {
        if self.step != Some(Step::Download) {
            return None;
        }
        let from = self.last_bytes.or(self.since)?;
        let quiet = now.saturating_sub(from);
        (quiet >= STALLED_AFTER).then_some(quiet)
    }
}

impl Transfer {
    pub(crate) fn eta(&self) -> Option<Duration> {
        let (rate, total) = (self.rate?, self.total?);
        (rate > 0.0).then(|| Duration::from_secs_f64(total.saturating_sub(self.done) as f64 / rate))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row {
    pub(crate) tool: Tool,
    pub(crate) pinned: String,
    /// None while its probe runs.
    pub(crate) finding: Option<Finding>,
    pub(crate) choice: Option<Choice>,
    pub(crate) reason: Option<String>,
    pub(crate) transfer: Option<Transfer>,
    /// What the last apply did to this row.
    pub(crate) outcome: Option<Outcome>,
    /// What the last probe saw (the apply path starts from it).
    pub(crate) observation: Option<Observation>,
    /// A probe for this row is running.
    pub(crate) probing: bool,
}

impl Row {
    /// The choices that make sense for this row, in prompt order.
    pub(crate) fn choices(&self) -> Vec<Choice> {
        let Some(f) = &self.finding else {
            return Vec::new();
        };
        if f.satisfied() {
            return Vec::new();
        }
        let mut v = Vec::new();
        let installable = matches!(
            f.remedy,
            Remedy::InstallPin { .. } | Remedy::SystemInstaller { .. }
        );
        if installable {
            v.push(Choice::Install);
        }
        if f.status == Status::Drift {
            v.push(Choice::Keep);
        }
        v.push(Choice::NotNeeded);
        v.push(Choice::Skip);
        v
    }

    /// Install when the doctor can do it alone; skip when it needs admin rights (VirtualBox's
    /// system installer) until the user chooses otherwise.
    pub(crate) fn default_choice(&self) -> Option<Choice> {
        let c = self.choices();
        let needs_sudo = self
            .finding
            .as_ref()
            .is_some_and(|f| matches!(f.remedy, Remedy::SystemInstaller { .. }));
        if c.contains(&Choice::Install) && !needs_sudo {
            Some(Choice::Install)
        } else if c.is_empty() {
            None
        } else {
            Some(Choice::Skip)
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub(crate) manifest: Manifest,
    pub(crate) overrides: Overrides,
    pub(crate) layout: Layout,
    pub(crate) mirror: Option<String>,
    pub(crate) colour: bool,
    pub(crate) rows: Vec<Row>,
    pub(crate) selected: usize,
    pub(crate) generation: u64,
    pub(crate) phase: Phase,
    pub(crate) mode: Mode,
    pub(crate) details: bool,
    pub(crate) size: (u16, u16),
    pub(crate) now: Duration,
    /// One line about what just happened (kept, failed to write, …).
    pub(crate) status: Option<String>,
    /// The probes running now follow an apply: when they finish, the run is done.
    pub(crate) after_apply: bool,
    /// The cluster section, once asked for.
    pub(crate) cluster: Option<ClusterPane>,
    /// How to put the bin dir first on PATH (None: not known, e.g. in tests).
    pub(crate) path_step: Option<PathStep>,
    pub(crate) quit: bool,
}

impl Model {
    pub(crate) fn new(
        manifest: Manifest,
        overrides: Overrides,
        layout: Layout,
        tools: &[Tool],
        mirror: Option<String>,
        colour: bool,
        size: (u16, u16),
    ) -> Model {
        let rows = manifest
            .tools
            .iter()
            .filter(|s| tools.contains(&s.tool))
            .map(|s| Row {
                tool: s.tool,
                pinned: s.pin_display(),
                finding: None,
                choice: None,
                reason: None,
                transfer: None,
                outcome: None,
                observation: None,
                probing: true,
            })
            .collect();
        Model {
            manifest,
            overrides,
            layout,
            mirror,
            colour,
            rows,
            selected: 0,
            generation: 0,
            phase: Phase::Probing,
            mode: Mode::Normal,
            details: false,
            size,
            now: Duration::ZERO,
            status: None,
            after_apply: false,
            cluster: None,
            path_step: None,
            quit: false,
        }
    }

    pub(crate) fn selected_row(&self) -> Option<&Row> {
        self.rows.get(self.selected)
    }

    /// Work that quitting would cancel: an apply, or a cluster fix.
    pub(crate) fn busy(&self) -> bool {
        self.phase == Phase::Applying || self.cluster.as_ref().is_some_and(|c| c.fixing)
    }

    pub(crate) fn findings(&self) -> Vec<Finding> {
        self.rows.iter().filter_map(|r| r.finding.clone()).collect()
    }

    /// The rows the user chose to install, and to keep.
    pub(crate) fn chosen(&self, c: Choice) -> Vec<Tool> {
        self.rows
            .iter()
            .filter(|r| r.choice == Some(c) && r.choices().contains(&c))
            .map(|r| r.tool)
            .collect()
    }
}
