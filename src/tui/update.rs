//! PURE: `update(model, msg) -> commands`. Every decision of the TUI is made here and tested
//! without a terminal.

use crate::diagnose::diagnose_tool;
use crate::fix::Outcome;
use crate::plan;
use crate::progress::Event;
use crate::vbox;

use super::model::*;

pub fn update(m: &mut Model, msg: Msg) -> Vec<Cmd> {
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
                    m.overrides.get(tool),
                    &m.layout,
                ));
                row.probing = false;
                row.choice = row.default_choice();
                row.reason = None;
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
            }
            vec![]
        }
        Msg::Progress(event, at) => {
            m.now = at;
            progress(m, event, at);
            vec![]
        }
        Msg::Kept { tool, result } => {
            let row = m.rows.iter_mut().find(|r| r.tool == tool);
            match result {
                Ok(entry) => {
                    m.overrides.entries.insert(tool, entry);
                    if let Some(r) = row {
                        r.outcome = Some(Ok("kept (override recorded)".into()));
                    }
                }
                Err(e) => {
                    m.status = Some(format!("{tool}: could not record the override: {e}"));
                    if let Some(r) = row {
                        r.outcome = Some(Err(e));
                    }
                }
            }
            vec![]
        }
        Msg::Applied {
            outcomes,
            minikube_running,
        } => {
            let mut sudo = None;
            for o in outcomes {
                let Some(row) = m.rows.iter_mut().find(|r| r.tool == o.tool()) else {
                    continue;
                };
                row.transfer = None;
                row.outcome = Some(match o {
                    Outcome::Installed { version, .. } => Ok(format!("installed {version}")),
                    Outcome::Failed { error, .. } => Err(error),
                    Outcome::InstallerReady { installer, .. } => {
                        sudo = Some(installer);
                        Ok("installer verified".into())
                    }
                });
            }
            for r in &mut m.rows {
                r.transfer = None;
            }
            match sudo {
                Some(installer) => {
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
                t.step = Some(phase);
                t.detail = detail;
            }
        }
        Event::Bytes { tool, done, total } => {
            if let Some(r) = m.rows.iter_mut().find(|r| r.tool == tool) {
                let t = r.transfer.get_or_insert_with(Transfer::default);
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
        Mode::Normal => normal_key(m, k),
    }
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
        Key::Char('a') if m.phase == Phase::Ready || m.phase == Phase::Done => {
            if m.chosen(Choice::Install).is_empty() && m.chosen(Choice::Keep).is_empty() {
                m.status = Some("nothing to apply: every row is satisfied or skipped".into());
            } else {
                m.mode = Mode::ConfirmApply;
            }
        }
        Key::Char('r') if !m.busy() => {
            m.status = None;
            return reprobe(m, false);
        }
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

/// The confirmed plan: overrides to record and tools to install.
fn apply(m: &mut Model) -> Vec<Cmd> {
    let installs = m.chosen(Choice::Install);
    let keeps: Vec<Keep> = m
        .rows
        .iter()
        .filter(|r| r.choice == Some(Choice::Keep))
        .filter_map(|r| {
            let f = r.finding.as_ref()?;
            let found = f.found.as_ref()?;
            Some(Keep {
                tool: r.tool,
                version: found.version.clone()?,
                path: found.path.clone(),
                pin: f.pinned.clone(),
                reason: r.reason.clone(),
            })
        })
        .collect();
    let plan = plan::plan(
        &m.findings(),
        &m.manifest,
        &m.layout,
        m.mirror.as_deref(),
        |t| installs.contains(&t),
    );
    for r in &mut m.rows {
        r.outcome = None;
        r.transfer = installs.contains(&r.tool).then(Transfer::default);
    }
    m.phase = Phase::Applying;
    m.status = None;
    vec![Cmd::Apply { keeps, plan }]
}

/// The plan as the confirmation shows it.
pub fn plan_lines(m: &Model) -> Vec<String> {
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
            Some(Choice::Skip) if !r.choices().is_empty() => {
                lines.push(format!("skip     {:<10} {from}", r.tool.name()))
            }
            _ => {}
        }
    }
    lines
}
