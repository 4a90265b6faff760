//! PURE: `update(model, msg) -> commands`. Every decision of the TUI is made here and tested
//! without a terminal.

use crate::cluster::render as cluster_render;
use crate::cluster::rows as cluster_rows;
use crate::cluster::{Release, fix};
use crate::core::diagnose::diagnose_tool;
use crate::core::outcome::Done;
use crate::core::overrides::OverrideEntry;
use crate::core::plan::Choices;
use crate::core::progress::{Event, Phase as Step};
use crate::core::vbox;

use super::model::*;

pub(crate) fn update(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Resize(w, h) => {
            m.size = (w, h);
            vec![]
        }
        Msg::Tick(now) => {
            m.now = now;
            vec![]
        }
        Msg::Probed {
            generation,
            observation,
        } => {
            if generation != m.generation {
                return vec![]; // a result from before the last re-probe
            }
            let tool = observation.tool;
            if let (Some(spec), Some(row)) = (
                m.manifest.get(tool),
                m.rows.iter_mut().find(|r| r.tool == tool),
            ) {
                row.finding = Some(diagnose_tool(
                    spec,
                    &observation,
                    m.overrides.for_tool(tool),
                    &m.layout,
                ));
                row.observation = Some(observation);
                row.probing = false;
                // What the user chose stays chosen (a skip stays a skip after an apply or a
                // re-probe) while the row still offers it.
                let chosen = row.choice.filter(|c| row.choices().contains(c));
                if chosen != Some(Choice::Keep) {
                    row.reason = None;
                }
                row.choice = chosen.or_else(|| row.default_choice());
            }
            if m.rows.iter().all(|r| !r.probing) && m.phase == Phase::Probing {
                if m.after_apply {
                    m.after_apply = false;
                    m.phase = Phase::Done;
                } else {
                    m.phase = Phase::Ready;
                    if m.generation == 1 {
                        select_next_open(m, 0);
                    }
                }
                // The cluster is looked at with the tools just found.
                // (Not while a cluster fix runs: it looks when it is done.)
                if m.cluster.as_ref().is_some_and(|c| !c.fixing) {
                    return look_at_cluster(m);
                }
            }
            vec![]
        }
        Msg::ClusterSeen { generation, rows } => {
            if let Some(c) = &mut m.cluster
                && c.generation == generation
            {
                c.run.rows = rows;
                c.looking = false;
            }
            vec![]
        }
        Msg::ClusterStep(command) => {
            if let Some(c) = &mut m.cluster {
                c.running = Some(command);
                c.output.clear();
            }
            vec![]
        }
        Msg::ClusterLine(line) => {
            if let Some(c) = &mut m.cluster {
                if c.output.len() == CLUSTER_OUTPUT {
                    c.output.remove(0);
                }
                c.output.push(line);
            }
            vec![]
        }
        Msg::ClusterFixed(run) => {
            if let Some(c) = &mut m.cluster {
                let failed = run.fixes.iter().filter(|d| d.result.is_err()).count();
                m.status = Some(match (run.fixes.len(), failed) {
                    (0, _) => "cluster: nothing was run".into(),
                    (n, 0) => format!("cluster: ran {n} command{}", plural(n)),
                    (n, f) => format!(
                        "cluster: ran {n} command{}, {f} failed (see its row)",
                        plural(n)
                    ),
                });
                c.run = run;
                c.fixing = false;
                c.running = None;
                c.output.clear();
            }
            vec![]
        }
        Msg::Progress(event, at) => {
            m.now = at;
            progress(m, event, at);
            vec![]
        }
        Msg::Applied {
            outcomes,
            overrides,
        } => {
            m.overrides = overrides;
            // Notes made while applying (waiting for the lock, retries) are over now.
            m.status = None;
            let mut sudo = None;
            for r in &mut m.rows {
                r.transfer = None;
            }
            for o in outcomes {
                let Some(row) = m.rows.iter_mut().find(|r| r.tool == o.tool) else {
                    continue;
                };
                if let Done::InstallerReady {
                    installer,
                    vm_running,
                    ..
                } = &o.done
                {
                    sudo = Some((installer.clone(), *vm_running));
                }
                row.outcome = Some(o);
            }
            match sudo {
                Some((installer, minikube_running)) => {
                    let commands = vbox::install_commands(
                        m.layout.platform.os,
                        &installer.display().to_string(),
                    );
                    m.mode = Mode::ConfirmSudo {
                        installer,
                        commands,
                        minikube_running,
                    };
                    vec![]
                }
                None => reprobe(m, true),
            }
        }
        Msg::PrivilegedDone(result) => {
            m.status = Some(match result {
                Ok(()) => "VirtualBox installer finished".into(),
                Err(e) => format!("VirtualBox: {e}"),
            });
            reprobe(m, true)
        }
        Msg::PathPersisted(result) => {
            let bin = m.layout.bin_dir.display().to_string();
            let rc = match &m.path_step {
                Some(PathStep {
                    persist: Ok(plan), ..
                }) => plan.rc.display().to_string(),
                _ => "your shell's startup file".into(),
            };
            m.status = Some(match result {
                Ok(crate::shellrc::Persisted::Unchanged { .. }) => {
                    format!("{rc} already puts {bin} first on PATH")
                }
                Ok(_) => format!("added to {rc}: every new terminal puts {bin} first on PATH"),
                Err(e) => format!("cannot write {rc}: {e}; nothing was changed"),
            });
            vec![]
        }
        Msg::Terminate => quit(m),
        Msg::Key(k) => key(m, k),
    }
}

fn progress(m: &mut Model, event: Event, at: std::time::Duration) {
    match event {
        Event::Phase {
            tool,
            phase,
            detail,
        } => {
            if let Some(r) = m.rows.iter_mut().find(|r| r.tool == tool) {
                let t = r.transfer.get_or_insert_with(Transfer::default);
                if phase == Step::Download && t.step != Some(Step::Download) {
                    t.since = Some(at);
                }
                if phase != Step::Download {
                    t.retry = None;
                }
                t.step = Some(phase);
                t.detail = detail;
            }
        }
        Event::Retry {
            tool,
            attempt,
            of,
            error,
        } => {
            if let Some(r) = m.rows.iter_mut().find(|r| r.tool == tool) {
                let t = r.transfer.get_or_insert_with(Transfer::default);
                t.retry = Some((attempt, of, error));
                // The next attempt measures its own rate and silence.
                t.started = None;
                t.rate = None;
                t.since = Some(at);
                t.last_bytes = None;
            }
        }
        Event::Bytes { tool, done, total } => {
            if let Some(r) = m.rows.iter_mut().find(|r| r.tool == tool) {
                let t = r.transfer.get_or_insert_with(Transfer::default);
                if done > t.done || t.last_bytes.is_none() && done > 0 {
                    t.last_bytes = Some(at);
                }
                t.done = done;
                t.total = total.or(t.total);
                let (t0, b0) = *t.started.get_or_insert((at, done));
                let secs = at.saturating_sub(t0).as_secs_f64();
                if secs >= 0.2 {
                    t.rate = Some(done.saturating_sub(b0) as f64 / secs);
                }
            }
        }
        Event::Note(n) => m.status = Some(n),
    }
}

/// Starts a fresh probe of every row; results of older probes are dropped on arrival.
fn reprobe(m: &mut Model, after_apply: bool) -> Vec<Cmd> {
    m.generation += 1;
    m.phase = Phase::Probing;
    m.after_apply = after_apply;
    for r in &mut m.rows {
        r.probing = true;
    }
    vec![Cmd::Probe {
        generation: m.generation,
    }]
}

fn quit(m: &mut Model) -> Vec<Cmd> {
    m.quit = true;
    if m.busy() {
        vec![Cmd::Cancel, Cmd::Quit]
    } else {
        vec![Cmd::Quit]
    }
}

/// Moves the selection to the first row at or after `from` that still needs a decision.
fn select_next_open(m: &mut Model, from: usize) {
    if let Some(i) = (from..m.rows.len()).find(|&i| !m.rows[i].choices().is_empty()) {
        m.selected = i;
    }
}

fn choose(m: &mut Model, c: Choice) {
    let i = m.selected;
    if c == Choice::Keep {
        m.mode = Mode::Reason {
            buffer: String::new(),
        };
        return;
    }
    m.rows[i].choice = Some(c);
    m.rows[i].reason = None;
    m.mode = Mode::Normal;
    select_next_open(m, i + 1);
}

fn key(m: &mut Model, k: Key) -> Vec<Cmd> {
    if k == Key::CtrlC {
        return quit(m);
    }
    match m.mode.clone() {
        Mode::Help => {
            m.mode = Mode::Normal;
            vec![]
        }
        Mode::Prompt { at } => {
            let choices = m.selected_row().map(Row::choices).unwrap_or_default();
            match k {
                Key::Up => {
                    m.mode = Mode::Prompt {
                        at: at.saturating_sub(1),
                    }
                }
                Key::Down => {
                    m.mode = Mode::Prompt {
                        at: (at + 1).min(choices.len().saturating_sub(1)),
                    }
                }
                Key::Enter => {
                    if let Some(&c) = choices.get(at) {
                        choose(m, c);
                    }
                }
                Key::Char(ch) => {
                    let c = match ch {
                        'i' => Some(Choice::Install),
                        'k' => Some(Choice::Keep),
                        'n' => Some(Choice::NotNeeded),
                        's' => Some(Choice::Skip),
                        _ => None,
                    };
                    if let Some(c) = c.filter(|c| choices.contains(c)) {
                        choose(m, c);
                    }
                }
                Key::Esc => m.mode = Mode::Normal,
                _ => {}
            }
            vec![]
        }
        Mode::Reason { mut buffer } => {
            match k {
                Key::Char(c) if buffer.chars().count() < 200 => {
                    buffer.push(c);
                    m.mode = Mode::Reason { buffer };
                }
                Key::Backspace => {
                    buffer.pop();
                    m.mode = Mode::Reason { buffer };
                }
                Key::Enter => {
                    let i = m.selected;
                    let reason = buffer.trim().to_string();
                    m.rows[i].choice = Some(Choice::Keep);
                    m.rows[i].reason = (!reason.is_empty()).then_some(reason);
                    m.mode = Mode::Normal;
                    select_next_open(m, i + 1);
                }
                Key::Esc => m.mode = Mode::Prompt { at: 0 },
                _ => {}
            }
            vec![]
        }
        Mode::ConfirmApply => match k {
            Key::Char('y') | Key::Enter => {
                m.mode = Mode::Normal;
                apply(m)
            }
            Key::Char('n') | Key::Esc | Key::Char('q') => {
                m.mode = Mode::Normal;
                vec![]
            }
            _ => vec![],
        },
        Mode::ConfirmQuit => match k {
            Key::Char('y') => quit(m),
            Key::Char('n') | Key::Esc => {
                m.mode = Mode::Normal;
                vec![]
            }
            _ => vec![],
        },
        Mode::ConfirmSudo {
            installer,
            commands,
            minikube_running,
        } => match k {
            Key::Char('y') if !minikube_running => {
                m.mode = Mode::Normal;
                vec![Cmd::RunPrivileged { commands }]
            }
            Key::Char('m') if minikube_running => {
                m.mode = Mode::Normal;
                let mut all = vec![vbox::stop_minikube()];
                all.extend(commands);
                vec![Cmd::RunPrivileged { commands: all }]
            }
            Key::Char('n') | Key::Esc => {
                m.mode = Mode::Normal;
                m.status = Some(format!(
                    "VirtualBox not installed; the verified installer is {}",
                    installer.display()
                ));
                reprobe(m, true)
            }
            _ => vec![],
        },
        Mode::PathStep => match k {
            Key::Char('w') => {
                m.mode = Mode::Normal;
                match &m.path_step {
                    Some(PathStep {
                        persist: Ok(plan), ..
                    }) => vec![Cmd::PersistPath(plan.clone())],
                    _ => vec![],
                }
            }
            _ => {
                m.mode = Mode::Normal;
                vec![]
            }
        },
        Mode::ConfirmCluster { commands, switch } => match k {
            Key::Char('y') | Key::Enter if !commands.is_empty() => fix_cluster(m, false),
            Key::Char('s') if switch.is_some() => fix_cluster(m, true),
            Key::Char('n') | Key::Esc | Key::Char('q') => {
                m.mode = Mode::Normal;
                vec![]
            }
            _ => vec![],
        },
        Mode::Normal => normal_key(m, k),
    }
}

/// `p` is offered while the bin dir is not first on PATH.
pub(crate) fn path_step_offered(m: &Model) -> bool {
    m.path_step.is_some() && m.layout.bin_dir_index != Some(0)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A fresh look at the cluster; answers of older looks are dropped on arrival.
fn look_at_cluster(m: &mut Model) -> Vec<Cmd> {
    let findings = m.findings();
    let minikube = findings
        .iter()
        .find(|f| f.tool == crate::core::tool::Tool::Minikube)
        .and_then(|f| f.found_version())
        .and_then(Release::parse);
    let Some(c) = &mut m.cluster else {
        return vec![];
    };
    c.generation += 1;
    c.looking = true;
    c.minikube = minikube;
    vec![Cmd::LookAtCluster {
        generation: c.generation,
        findings,
    }]
}

/// `f`: what fixing the cluster would run, to confirm; the context switch offered apart.
fn confirm_cluster_fix(m: &mut Model) {
    let Some(c) = &m.cluster else {
        m.status = Some("press c to check the cluster first".into());
        return;
    };
    if c.looking {
        return;
    }
    let (commands, switch) = cluster_offer(c);
    if commands.is_empty() && switch.is_none() {
        m.status = Some(if c.run.rows.iter().any(cluster_rows::fails) {
            "nothing in the cluster that aladdin-doctor may fix: its rows say what to do".into()
        } else {
            "the cluster needs nothing".into()
        });
        return;
    }
    m.mode = Mode::ConfirmCluster { commands, switch };
}

/// What `f` would offer: the commands it runs, and the context it may switch to.
pub(crate) fn cluster_offer(c: &ClusterPane) -> (Vec<String>, Option<String>) {
    if c.looking || c.fixing {
        return (Vec::new(), None);
    }
    let commands = fix::next(&c.run.rows, c.minikube, false, &[])
        .iter()
        .map(|s| cluster_render::action_line(&s.action))
        .collect();
    let switch = fix::needs_switch(&c.run.rows, c.minikube);
    (commands, switch)
}

fn fix_cluster(m: &mut Model, switch_context: bool) -> Vec<Cmd> {
    m.mode = Mode::Normal;
    let findings = m.findings();
    let Some(c) = &mut m.cluster else {
        return vec![];
    };
    c.fixing = true;
    c.output.clear();
    m.status = None;
    vec![Cmd::FixCluster {
        findings,
        switch_context,
    }]
}

fn normal_key(m: &mut Model, k: Key) -> Vec<Cmd> {
    let n = m.rows.len();
    match k {
        Key::Up | Key::Char('k') => {
            m.selected = m.selected.saturating_sub(1);
        }
        Key::Down | Key::Char('j') => {
            m.selected = (m.selected + 1).min(n.saturating_sub(1));
        }
        Key::Enter => {
            if let Some(r) = m.selected_row()
                && !r.choices().is_empty()
                && !m.busy()
            {
                let at = r
                    .choices()
                    .iter()
                    .position(|c| Some(*c) == r.choice)
                    .unwrap_or(0);
                m.mode = Mode::Prompt { at };
            }
        }
        Key::Char('a') if (m.phase == Phase::Ready || m.phase == Phase::Done) && !m.busy() => {
            if m.chosen(Choice::Install).is_empty()
                && m.chosen(Choice::Keep).is_empty()
                && m.chosen(Choice::NotNeeded).is_empty()
            {
                m.status = Some("nothing to apply: every row is satisfied or skipped".into());
            } else {
                m.mode = Mode::ConfirmApply;
            }
        }
        Key::Char('r') if !m.busy() => {
            m.status = None;
            return reprobe(m, false);
        }
        Key::Char('c')
            if !m.busy()
                && m.phase != Phase::Probing
                && m.cluster.as_ref().is_none_or(|c| !c.looking) =>
        {
            m.cluster.get_or_insert_with(ClusterPane::new);
            return look_at_cluster(m);
        }
        Key::Char('f') if !m.busy() => confirm_cluster_fix(m),
        Key::Char('p') if path_step_offered(m) => m.mode = Mode::PathStep,
        Key::Char('d') => m.details = !m.details,
        Key::Char('?') => m.mode = Mode::Help,
        Key::Char('q') | Key::Esc => {
            if m.busy() {
                m.mode = Mode::ConfirmQuit;
            } else {
                return quit(m);
            }
        }
        _ => {}
    }
    vec![]
}

/// The confirmed choices: overrides to record and tools to install.
fn apply(m: &mut Model) -> Vec<Cmd> {
    let install = m.chosen(Choice::Install);
    let not_needed = m.chosen(Choice::NotNeeded);
    let keep: Vec<_> = m
        .rows
        .iter()
        .filter(|r| r.choice == Some(Choice::Keep))
        .filter_map(|r| {
            let f = r.finding.as_ref()?;
            let found = f.found.as_ref()?;
            let entry = OverrideEntry {
                version: found.version.clone()?,
                path: found.path.clone(),
                pin: f.pinned.clone(),
                reason: r.reason.clone(),
                recorded: None,
            };
            Some((r.tool, entry))
        })
        .collect();
    let observations = m
        .rows
        .iter()
        .filter_map(|r| r.observation.clone())
        .collect();
    for r in &mut m.rows {
        r.outcome = None;
        r.transfer = install.contains(&r.tool).then(Transfer::default);
    }
    m.phase = Phase::Applying;
    m.status = None;
    vec![Cmd::Apply {
        choices: Choices {
            install,
            keep,
            not_needed,
        },
        observations,
    }]
}

/// The plan as the confirmation shows it.
pub(crate) fn plan_lines(m: &Model) -> Vec<String> {
    let mut lines = Vec::new();
    for r in &m.rows {
        let Some(f) = &r.finding else { continue };
        let from = f
            .found
            .as_ref()
            .and_then(|s| s.version.clone())
            .unwrap_or_else(|| "missing".into());
        match r.choice {
            Some(Choice::Install) if r.choices().contains(&Choice::Install) => lines.push(format!(
                "install  {:<10} {from} → {}",
                r.tool.name(),
                r.pinned
            )),
            Some(Choice::Keep) if r.choices().contains(&Choice::Keep) => lines.push(format!(
                "keep     {:<10} {from}{}",
                r.tool.name(),
                r.reason
                    .as_ref()
                    .map(|x| format!(" ({x})"))
                    .unwrap_or_default()
            )),
            Some(Choice::NotNeeded) if r.choices().contains(&Choice::NotNeeded) => {
                lines.push(format!("not needed {:<10} {from}", r.tool.name()))
            }
            Some(Choice::Skip) if !r.choices().is_empty() => {
                lines.push(format!("skip     {:<10} {from}", r.tool.name()))
            }
            _ => {}
        }
    }
    lines
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::core::diagnose::tests::{copy, layout, read};
    use crate::core::failure::{FetchError, FetchErrorKind};
    use crate::core::manifest::Manifest;
    use crate::core::observation::{Observation, Origin};
    use crate::core::outcome::{ApplyError, Outcome};
    use crate::core::overrides::{OverrideEntry, Overrides};
    use crate::core::progress::Phase as Step;
    use crate::core::tool::Tool;

    pub(crate) fn fresh() -> Model {
        let mut m = Model::new(
            Manifest::embedded().unwrap(),
            Overrides::default(),
            layout(Some(0)),
            &Tool::ALL,
            None,
            false,
            (80, 24),
        );
        m.generation = 1;
        m
    }

    pub(crate) fn observation(tool: Tool) -> Observation {
        let copies = match tool {
            Tool::Docker => vec![copy("/usr/bin/docker", Origin::Path(1), read("27.3.1"))],
            Tool::Kubectl => vec![copy(
                "/usr/bin/kubectl",
                Origin::Path(1),
                read("1.32.4-dispatcher"),
            )],
            Tool::Helm => vec![copy("/usr/local/bin/helm", Origin::Path(2), read("3.12.0"))],
            _ => vec![],
        };
        Observation { tool, copies }
    }

    /// docker ok, virtualbox and minikube missing, kubectl and helm drifted.
    pub(crate) fn ready() -> Model {
        let mut m = fresh();
        for t in Tool::ALL {
            update(
                &mut m,
                Msg::Probed {
                    generation: 1,
                    observation: observation(t),
                },
            );
        }
        m
    }

    fn keys(m: &mut Model, ks: &[Key]) -> Vec<Cmd> {
        let mut out = Vec::new();
        for k in ks {
            out = update(m, Msg::Key(*k));
        }
        out
    }

    fn select(m: &mut Model, tool: Tool) {
        m.selected = m.rows.iter().position(|r| r.tool == tool).unwrap();
    }

    fn row(m: &Model, tool: Tool) -> &Row {
        m.rows.iter().find(|r| r.tool == tool).unwrap()
    }

    #[test]
    fn probes_fill_rows_and_the_first_open_row_is_selected() {
        let mut m = fresh();
        assert_eq!(m.phase, Phase::Probing);
        update(
            &mut m,
            Msg::Probed {
                generation: 1,
                observation: observation(Tool::Docker),
            },
        );
        assert_eq!(m.phase, Phase::Probing, "four probes still run");
        let m = ready();
        assert_eq!(m.phase, Phase::Ready);
        assert_eq!(m.rows[m.selected].tool, Tool::Virtualbox);
        assert_eq!(
            row(&m, Tool::Docker).choice,
            None,
            "satisfied: nothing to choose"
        );
        assert_eq!(row(&m, Tool::Kubectl).choice, Some(Choice::Install));
        assert_eq!(
            row(&m, Tool::Kubectl).choices(),
            [
                Choice::Install,
                Choice::Keep,
                Choice::NotNeeded,
                Choice::Skip
            ]
        );
        assert_eq!(
            row(&m, Tool::Minikube).choices(),
            [Choice::Install, Choice::NotNeeded, Choice::Skip],
            "nothing to keep"
        );
    }

    #[test]
    fn results_of_an_older_generation_are_dropped() {
        let mut m = ready();
        let cmds = keys(&mut m, &[Key::Char('r')]);
        assert_eq!(cmds, [Cmd::Probe { generation: 2 }]);
        assert!(m.rows.iter().all(|r| r.probing));
        let mut moved = observation(Tool::Kubectl);
        moved.copies[0].state = read("1.30.6");
        update(
            &mut m,
            Msg::Probed {
                generation: 1,
                observation: moved.clone(),
            },
        );
        assert!(row(&m, Tool::Kubectl).probing, "stale result ignored");
        assert_eq!(
            row(&m, Tool::Kubectl)
                .finding
                .as_ref()
                .unwrap()
                .found
                .as_ref()
                .unwrap()
                .version
                .as_deref(),
            Some("1.32.4-dispatcher")
        );
        update(
            &mut m,
            Msg::Probed {
                generation: 2,
                observation: moved,
            },
        );
        assert!(!row(&m, Tool::Kubectl).probing);
        assert!(row(&m, Tool::Kubectl).finding.as_ref().unwrap().satisfied());
    }

    #[test]
    fn prompt_install_then_moves_on() {
        let mut m = ready();
        select(&mut m, Tool::Kubectl);
        keys(&mut m, &[Key::Char('s')]);
        assert_eq!(m.mode, Mode::Normal, "s outside the prompt does nothing");
        keys(&mut m, &[Key::Enter]);
        assert_eq!(m.mode, Mode::Prompt { at: 0 });
        keys(&mut m, &[Key::Down, Key::Down, Key::Up, Key::Char('i')]);
        assert_eq!(row(&m, Tool::Kubectl).choice, Some(Choice::Install));
        assert_eq!(m.mode, Mode::Normal);
        assert_eq!(m.rows[m.selected].tool, Tool::Helm, "next open row");
    }

    #[test]
    fn prompt_keep_asks_an_optional_reason() {
        let mut m = ready();
        select(&mut m, Tool::Kubectl);
        keys(&mut m, &[Key::Enter, Key::Char('k')]);
        assert!(matches!(m.mode, Mode::Reason { .. }));
        keys(
            &mut m,
            &[
                Key::Char('g'),
                Key::Char('c'),
                Key::Char('x'),
                Key::Backspace,
                Key::Enter,
            ],
        );
        let r = row(&m, Tool::Kubectl);
        assert_eq!(
            (r.choice, r.reason.as_deref()),
            (Some(Choice::Keep), Some("gc"))
        );
        // Without a reason.
        select(&mut m, Tool::Helm);
        keys(&mut m, &[Key::Enter, Key::Char('k'), Key::Enter]);
        let r = row(&m, Tool::Helm);
        assert_eq!((r.choice, r.reason.clone()), (Some(Choice::Keep), None));
        // Keep is not offered for a missing tool.
        select(&mut m, Tool::Minikube);
        keys(&mut m, &[Key::Enter, Key::Char('k')]);
        assert!(matches!(m.mode, Mode::Prompt { .. }));
        keys(&mut m, &[Key::Esc]);
        assert_eq!(row(&m, Tool::Minikube).choice, Some(Choice::Install));
    }

    #[test]
    fn prompt_skip_and_enter_on_a_satisfied_row() {
        let mut m = ready();
        select(&mut m, Tool::Minikube);
        keys(&mut m, &[Key::Enter, Key::Down, Key::Down, Key::Enter]);
        assert_eq!(row(&m, Tool::Minikube).choice, Some(Choice::Skip));
        select(&mut m, Tool::Docker);
        keys(&mut m, &[Key::Enter]);
        assert_eq!(
            m.mode,
            Mode::Normal,
            "nothing to choose for a satisfied row"
        );
    }

    #[test]
    fn nothing_is_applied_before_confirmation_then_one_plan() {
        let mut m = ready();
        select(&mut m, Tool::Kubectl);
        keys(&mut m, &[Key::Enter, Key::Char('k')]);
        keys(&mut m, &[Key::Char('o'), Key::Char('k'), Key::Enter]);
        select(&mut m, Tool::Minikube);
        keys(&mut m, &[Key::Enter, Key::Char('s')]);
        let cmds = keys(&mut m, &[Key::Char('a')]);
        assert!(cmds.is_empty());
        assert_eq!(m.mode, Mode::ConfirmApply);
        // VirtualBox needs admin rights: skipped until chosen.
        assert_eq!(
            plan_lines(&m),
            [
                "skip     virtualbox missing",
                "skip     minikube   missing",
                "keep     kubectl    1.32.4-dispatcher (ok)",
                "install  helm       3.12.0 → 3.17.0",
            ]
        );
        let cmds = keys(&mut m, &[Key::Char('y')]);
        let [
            Cmd::Apply {
                choices,
                observations,
            },
        ] = cmds.as_slice()
        else {
            panic!("{cmds:?}")
        };
        assert_eq!(choices.keep.len(), 1);
        let (tool, entry) = &choices.keep[0];
        assert_eq!(*tool, Tool::Kubectl);
        assert_eq!(entry.version, "1.32.4-dispatcher");
        assert_eq!(entry.path, PathBuf::from("/usr/bin/kubectl"));
        assert_eq!(entry.pin, "1.30.6");
        assert_eq!(entry.reason.as_deref(), Some("ok"));
        assert_eq!(choices.install, [Tool::Helm]);
        assert_eq!(
            observations.len(),
            5,
            "the apply starts from what was probed"
        );
        assert_eq!(m.phase, Phase::Applying);
        // Declining the confirmation changes nothing.
        let mut m2 = ready();
        keys(&mut m2, &[Key::Char('a'), Key::Char('n')]);
        assert_eq!((m2.mode.clone(), m2.phase), (Mode::Normal, Phase::Ready));
    }

    #[test]
    fn a_skip_stays_skipped_after_an_apply_and_sudo_rows_start_skipped() {
        let mut m = ready();
        assert_eq!(row(&m, Tool::Virtualbox).choice, Some(Choice::Skip));
        assert_eq!(row(&m, Tool::Minikube).choice, Some(Choice::Install));
        select(&mut m, Tool::Helm);
        keys(&mut m, &[Key::Enter, Key::Char('s')]);
        keys(&mut m, &[Key::Char('a'), Key::Char('y')]);
        let cmds = update(
            &mut m,
            Msg::Applied {
                outcomes: vec![],
                overrides: Overrides::default(),
            },
        );
        let [Cmd::Probe { generation }] = cmds[..] else {
            panic!("{cmds:?}")
        };
        for t in Tool::ALL {
            update(
                &mut m,
                Msg::Probed {
                    generation,
                    observation: observation(t),
                },
            );
        }
        assert_eq!(m.phase, Phase::Done);
        assert_eq!(row(&m, Tool::Helm).choice, Some(Choice::Skip));
        assert_eq!(row(&m, Tool::Virtualbox).choice, Some(Choice::Skip));
        assert_eq!(row(&m, Tool::Minikube).choice, Some(Choice::Install));
    }

    #[test]
    fn not_needed_is_recorded_on_apply_and_nothing_is_fetched_for_it() {
        let mut m = ready();
        select(&mut m, Tool::Minikube);
        keys(&mut m, &[Key::Enter, Key::Char('n')]);
        assert_eq!(row(&m, Tool::Minikube).choice, Some(Choice::NotNeeded));
        keys(&mut m, &[Key::Char('a')]);
        assert!(plan_lines(&m).contains(&"not needed minikube   missing".to_string()));
        let cmds = keys(&mut m, &[Key::Char('y')]);
        let [Cmd::Apply { choices, .. }] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        assert_eq!(choices.not_needed, [Tool::Minikube]);
        assert!(!choices.install.contains(&Tool::Minikube));
    }

    #[test]
    fn quit_while_busy_asks_then_cancels() {
        let mut m = ready();
        keys(&mut m, &[Key::Char('a'), Key::Char('y')]);
        assert!(m.busy());
        assert!(keys(&mut m, &[Key::Char('q')]).is_empty());
        assert_eq!(m.mode, Mode::ConfirmQuit);
        keys(&mut m, &[Key::Char('n')]);
        assert!(!m.quit);
        let cmds = keys(&mut m, &[Key::Char('q'), Key::Char('y')]);
        assert_eq!(cmds, [Cmd::Cancel, Cmd::Quit]);
        assert!(m.quit);
        // Not busy: q quits at once; Ctrl-C always.
        let mut m = ready();
        assert_eq!(keys(&mut m, &[Key::Char('q')]), [Cmd::Quit]);
        let mut m = ready();
        keys(&mut m, &[Key::Char('a'), Key::Char('y')]);
        assert_eq!(keys(&mut m, &[Key::CtrlC]), [Cmd::Cancel, Cmd::Quit]);
        let mut m = ready();
        keys(&mut m, &[Key::Char('a'), Key::Char('y')]);
        assert_eq!(update(&mut m, Msg::Terminate), [Cmd::Cancel, Cmd::Quit]);
    }

    #[test]
    fn progress_kept_applied_then_done() {
        let mut m = ready();
        select(&mut m, Tool::Kubectl);
        keys(
            &mut m,
            &[
                Key::Enter,
                Key::Char('k'),
                Key::Enter,
                Key::Char('a'),
                Key::Char('y'),
            ],
        );
        let s = Duration::from_secs;
        update(
            &mut m,
            Msg::Progress(
                Event::Phase {
                    tool: Tool::Helm,
                    phase: Step::Download,
                    detail: String::new(),
                },
                s(1),
            ),
        );
        update(
            &mut m,
            Msg::Progress(
                Event::Bytes {
                    tool: Tool::Helm,
                    done: 0,
                    total: Some(10_000_000),
                },
                s(1),
            ),
        );
        update(
            &mut m,
            Msg::Progress(
                Event::Bytes {
                    tool: Tool::Helm,
                    done: 4_000_000,
                    total: Some(10_000_000),
                },
                s(3),
            ),
        );
        let t = row(&m, Tool::Helm).transfer.clone().unwrap();
        assert_eq!(t.rate, Some(2_000_000.0));
        assert_eq!(t.eta(), Some(s(3)));
        let entry = OverrideEntry {
            version: "1.32.4-dispatcher".into(),
            path: "/usr/bin/kubectl".into(),
            pin: "1.30.6".into(),
            reason: None,
            recorded: None,
        };
        let mut overrides = Overrides::default();
        overrides.entries.insert(Tool::Kubectl, entry.clone());
        let failure = Done::Failed(ApplyError::Fetch(FetchError::new(
            "https://x/minikube",
            FetchErrorKind::NotFound { status: 404 },
        )));
        let cmds = update(
            &mut m,
            Msg::Applied {
                outcomes: vec![
                    Outcome {
                        tool: Tool::Kubectl,
                        done: Done::Kept(entry),
                    },
                    Outcome {
                        tool: Tool::Helm,
                        done: Done::Installed {
                            version: "3.17.0".into(),
                            dest: "/h/.aladdin/bin/helm".into(),
                        },
                    },
                    Outcome {
                        tool: Tool::Minikube,
                        done: failure.clone(),
                    },
                ],
                overrides,
            },
        );
        assert!(m.overrides.get(Tool::Kubectl).is_some());
        assert_eq!(cmds, [Cmd::Probe { generation: 2 }]);
        assert_eq!(
            row(&m, Tool::Minikube).outcome.as_ref().map(|o| &o.done),
            Some(&failure)
        );
        // The re-probe sees kubectl kept and helm installed.
        for t in Tool::ALL {
            let mut o = observation(t);
            if t == Tool::Helm {
                o.copies = vec![copy(
                    "/h/.aladdin/bin/helm",
                    Origin::Path(0),
                    read("3.17.0"),
                )];
            }
            update(
                &mut m,
                Msg::Probed {
                    generation: 2,
                    observation: o,
                },
            );
        }
        assert_eq!(m.phase, Phase::Done);
        let k = row(&m, Tool::Kubectl).finding.clone().unwrap();
        assert_eq!(k.status, crate::core::diagnose::Status::Overridden);
        assert!(row(&m, Tool::Helm).finding.as_ref().unwrap().satisfied());
    }

    pub(crate) fn installer_ready(vm_running: bool) -> Msg {
        Msg::Applied {
            outcomes: vec![Outcome {
                tool: Tool::Virtualbox,
                done: Done::InstallerReady {
                    installer: "/c/VirtualBox.run".into(),
                    vm_running,
                    sudo_allowed: false,
                },
            }],
            overrides: Overrides::default(),
        }
    }

    #[test]
    fn virtualbox_installer_needs_consent_and_a_stopped_minikube() {
        for running in [false, true] {
            let mut m = ready();
            keys(&mut m, &[Key::Char('a'), Key::Char('y')]);
            let cmds = update(&mut m, installer_ready(running));
            assert!(cmds.is_empty(), "nothing runs before consent");
            assert!(matches!(m.mode, Mode::ConfirmSudo { .. }));
            if running {
                assert!(
                    keys(&mut m, &[Key::Char('y')]).is_empty(),
                    "y is not enough while minikube runs"
                );
                let cmds = keys(&mut m, &[Key::Char('m')]);
                let [Cmd::RunPrivileged { commands }] = cmds.as_slice() else {
                    panic!("{cmds:?}")
                };
                assert_eq!(commands[0], ["minikube", "stop"]);
                assert_eq!(commands[1], ["sudo", "sh", "/c/VirtualBox.run", "install"]);
            } else {
                let cmds = keys(&mut m, &[Key::Char('y')]);
                let [Cmd::RunPrivileged { commands }] = cmds.as_slice() else {
                    panic!("{cmds:?}")
                };
                assert_eq!(commands.len(), 1);
            }
            let cmds = update(&mut m, Msg::PrivilegedDone(Ok(())));
            assert_eq!(cmds, [Cmd::Probe { generation: 2 }]);
        }
        // Declined: nothing runs, the installer's path is told.
        let mut m = ready();
        keys(&mut m, &[Key::Char('a'), Key::Char('y')]);
        update(&mut m, installer_ready(false));
        let cmds = keys(&mut m, &[Key::Char('n')]);
        assert_eq!(cmds, [Cmd::Probe { generation: 2 }]);
        assert!(m.status.as_ref().unwrap().contains("/c/VirtualBox.run"));
    }

    #[test]
    fn apply_with_nothing_chosen_says_so() {
        let mut m = ready();
        for t in [Tool::Virtualbox, Tool::Minikube, Tool::Kubectl, Tool::Helm] {
            select(&mut m, t);
            keys(&mut m, &[Key::Enter, Key::Char('s')]);
        }
        assert!(keys(&mut m, &[Key::Char('a')]).is_empty());
        assert_eq!(m.mode, Mode::Normal);
        assert!(m.status.as_ref().unwrap().contains("nothing to apply"));
    }

    pub(crate) fn cluster_rows(
        minikube: crate::cluster::minikube::MinikubeState,
        context: &str,
    ) -> Vec<crate::cluster::rows::Row> {
        use crate::cluster::kubectl::CurrentContext;
        use crate::cluster::rows::{Installed, Observed};
        let pins = m_pins();
        let installed = Installed {
            docker: true,
            minikube: true,
            kubectl: true,
            helm: None,
        };
        let seen = Observed {
            minikube: Some(minikube),
            context: Some(CurrentContext::Set {
                name: context.into(),
            }),
            ..Observed::default()
        };
        crate::cluster::rows::rows(&pins, &installed, &seen)
    }

    fn m_pins() -> crate::cluster::ClusterPins {
        Manifest::embedded().unwrap().cluster
    }

    /// `ready()` with the cluster section asked for and its first look answered.
    pub(crate) fn with_cluster(rows: Vec<crate::cluster::rows::Row>) -> Model {
        let mut m = fresh();
        m.cluster = Some(ClusterPane::new());
        let mut last = vec![];
        for t in Tool::ALL {
            last = update(
                &mut m,
                Msg::Probed {
                    generation: 1,
                    observation: observation(t),
                },
            );
        }
        // The last probe's answer starts the look at the cluster, with the tools it found.
        let [
            Cmd::LookAtCluster {
                generation,
                findings,
            },
        ] = &last[..]
        else {
            panic!("{last:?}");
        };
        assert_eq!(findings.len(), Tool::ALL.len());
        let generation = *generation;
        // An older look's answer is dropped.
        update(
            &mut m,
            Msg::ClusterSeen {
                generation: generation - 1,
                rows: vec![],
            },
        );
        assert!(m.cluster.as_ref().unwrap().looking);
        update(&mut m, Msg::ClusterSeen { generation, rows });
        assert!(!m.cluster.as_ref().unwrap().looking);
        m
    }

    #[test]
    fn fixing_the_cluster_shows_the_commands_and_switches_the_context_only_on_s() {
        use crate::cluster::minikube::MinikubeState;
        let mut m = with_cluster(cluster_rows(MinikubeState::Stopped, "prod-eu"));
        assert_eq!(keys(&mut m, &[Key::Char('f')]), vec![]);
        let Mode::ConfirmCluster { commands, switch } = m.mode.clone() else {
            panic!("{:?}", m.mode);
        };
        assert_eq!(commands, ["minikube start --keep-context"]);
        assert_eq!(switch.as_deref(), Some("minikube"));
        // y runs the commands, not the switch.
        let cmds = keys(&mut m, &[Key::Char('y')]);
        assert!(
            matches!(
                &cmds[..],
                [Cmd::FixCluster {
                    switch_context: false,
                    ..
                }]
            ),
            "{cmds:?}"
        );
        assert!(m.busy());
        // While it runs, quitting asks first, and then cancels it.
        keys(&mut m, &[Key::Char('q')]);
        assert_eq!(m.mode, Mode::ConfirmQuit);
        assert_eq!(
            keys(&mut m, &[Key::Char('y')]),
            vec![Cmd::Cancel, Cmd::Quit]
        );

        let mut m = with_cluster(cluster_rows(MinikubeState::Stopped, "prod-eu"));
        let cmds = keys(&mut m, &[Key::Char('f'), Key::Char('s')]);
        assert!(
            matches!(
                &cmds[..],
                [Cmd::FixCluster {
                    switch_context: true,
                    ..
                }]
            ),
            "{cmds:?}"
        );
    }

    #[test]
    fn a_running_cluster_fix_shows_its_command_and_last_lines_then_the_result() {
        use crate::cluster::minikube::MinikubeState;
        let mut m = with_cluster(cluster_rows(MinikubeState::NoProfile, "minikube"));
        keys(&mut m, &[Key::Char('f'), Key::Enter]);
        update(&mut m, Msg::ClusterStep("minikube start".into()));
        for i in 0..10 {
            update(&mut m, Msg::ClusterLine(format!("line {i}")));
        }
        let c = m.cluster.as_ref().unwrap();
        assert_eq!(c.running.as_deref(), Some("minikube start"));
        assert_eq!(c.output.len(), CLUSTER_OUTPUT);
        assert_eq!(c.output.last().map(String::as_str), Some("line 9"));
        let run = crate::cluster::ClusterRun {
            rows: cluster_rows(MinikubeState::Stopped, "minikube"),
            fixes: vec![crate::cluster::fix::Done {
                check: crate::cluster::rows::Check::Minikube,
                action: crate::cluster::fix::Action::Manual(crate::cluster::fix::Why::Wait),
                result: Err(crate::cluster::fix::Failure::Cancelled),
            }],
        };
        update(&mut m, Msg::ClusterFixed(run.clone()));
        let c = m.cluster.as_ref().unwrap();
        assert!(!c.fixing && c.running.is_none() && c.output.is_empty());
        assert_eq!(c.run, run);
        assert!(!m.busy());
        assert_eq!(
            m.status.as_deref(),
            Some("cluster: ran 1 command, 1 failed (see its row)")
        );
    }

    #[test]
    fn nothing_to_fix_in_the_cluster_says_so_instead_of_asking() {
        use crate::cluster::minikube::{Component, Components, MinikubeState};
        let running = MinikubeState::Running {
            components: Components {
                host: Component::parse("Running"),
                kubelet: Component::parse("Running"),
                apiserver: Component::parse("Running"),
                kubeconfig: Component::parse("Configured"),
            },
            workers_down: 0,
        };
        let mut m = with_cluster(cluster_rows(running, "minikube"));
        keys(&mut m, &[Key::Char('f')]);
        assert_eq!(m.mode, Mode::Normal);
        assert_eq!(m.status.as_deref(), Some("the cluster needs nothing"));
        // Without the section, c asks for it and looks.
        let mut m = ready();
        assert!(m.cluster.is_none());
        let cmds = keys(&mut m, &[Key::Char('c')]);
        assert!(matches!(&cmds[..], [Cmd::LookAtCluster { .. }]), "{cmds:?}");
        assert!(m.cluster.as_ref().unwrap().looking);
    }
}
