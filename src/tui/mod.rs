//! The interactive TUI. `model`, `update` and `view` are pure; this module is the shell: the
//! one owner of the terminal, an input thread, and workers that send messages on a bounded
//! channel (probe results carry a generation so stale ones are dropped).

pub(crate) mod model;
#[cfg(all(test, unix))]
mod tests;
pub(crate) mod update;
pub(crate) mod view;

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::backend::Backend;
use ratatui::{DefaultTerminal, Terminal};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::apply::{self, Runner};
use crate::cancel::{self, Cancel};
use crate::core::outcome::PrivilegedError;
use crate::core::progress::{Event, Progress};
use crate::core::report::Format;
use crate::core::tool::Tool;
use crate::probe;
use crate::session::{EXIT_FINDINGS, Fatal, Session, emit, exit_code};

use model::{Cmd, Key, Model, Msg};

const CHANNEL: usize = 256;

/// What the loop needs from a terminal besides drawing on it: a way to hand it to another
/// program (sudo) and take it back. The real one is crossterm's; tests use ratatui's
/// `TestBackend`.
pub(crate) trait Screen {
    type B: Backend;
    fn terminal(&mut self) -> &mut Terminal<Self::B>;
    /// Runs `f` with the terminal in its normal state; false when it could not be taken back.
    fn hand_over(&mut self, f: &mut dyn FnMut()) -> bool;
    /// A frame was drawn (tests read it from the backend).
    fn drawn(&mut self) {}
}

/// The real terminal: alternate screen, raw mode, and the input thread that reads it.
struct Crossterm {
    terminal: DefaultTerminal,
    input: Input,
}

impl Screen for Crossterm {
    type B = ratatui::backend::CrosstermBackend<io::Stdout>;

    fn terminal(&mut self) -> &mut Terminal<Self::B> {
        &mut self.terminal
    }

    fn hand_over(&mut self, f: &mut dyn FnMut()) -> bool {
        self.input.pause();
        let _ = self.terminal.show_cursor();
        let _ = ratatui::try_restore();
        f();
        match ratatui::try_init() {
            Ok(t) => {
                self.terminal = t;
                let _ = self.terminal.clear();
                self.input.resume();
                true
            }
            // The terminal went away while sudo had it.
            Err(_) => false,
        }
    }
}

pub(crate) async fn run(session: Session) -> Result<u8, Fatal> {
    // Restores the terminal on panic too.
    let terminal =
        ratatui::try_init().map_err(|e| Fatal(format!("cannot set up the terminal: {e}")))?;
    let (tx, rx) = mpsc::channel::<Msg>(CHANNEL);
    let mut screen = Crossterm {
        terminal,
        input: Input::spawn(tx.clone()),
    };
    let outcome = event_loop(&mut screen, session, tx, rx).await;
    let Crossterm { terminal, input } = screen;
    input.stop();
    leave(terminal);
    let (model, session) = outcome?;
    let seen: Vec<_> = model
        .rows
        .iter()
        .filter_map(|r| r.observation.clone())
        .collect();
    session.remember(&seen);

    // Leave the result in the scrollback: the same report as --check.
    let complete = model.rows.iter().all(|r| r.finding.is_some() && !r.probing);
    if complete {
        let findings = model.findings();
        let outcomes: Vec<_> = model
            .rows
            .iter()
            .filter_map(|r| r.outcome.clone())
            .collect();
        let cluster = model.cluster.map(|c| c.run).unwrap_or_default();
        emit(&session.render(Format::Text, &findings, &outcomes, &cluster))?;
        Ok(exit_code(&findings, &outcomes, &cluster))
    } else {
        Ok(EXIT_FINDINGS)
    }
}

/// The TUI's loop, over any backend: draws the model, runs the commands `update` returns,
/// feeds it every message (keys, probe results, progress, signals). Returns the final model.
pub(crate) async fn event_loop<S: Screen>(
    screen: &mut S,
    session: Session,
    tx: mpsc::Sender<Msg>,
    mut rx: mpsc::Receiver<Msg>,
) -> Result<(Model, Session), Fatal> {
    let started = Instant::now();
    let size = screen.terminal().size().unwrap_or_default();
    let mut model = Model::new(
        session.manifest.clone(),
        session.overrides.clone(),
        session.layout(),
        &session.tools,
        session.ctx.mirror.clone(),
        session.ctx.colour_allowed,
        (size.width, size.height),
    );
    if session.ctx.cluster {
        model.cluster = Some(model::ClusterPane::new());
    }
    model.path_step = Some(path_step(&session.ctx));
    let ticker = tokio::spawn({
        let tx = tx.clone();
        async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            loop {
                every.tick().await;
                // Never waits: a tick that finds the queue full is dropped, so a full queue
                // cannot hold up a worker that the loop is waiting for.
                if let Err(mpsc::error::TrySendError::Closed(_)) =
                    tx.try_send(Msg::Tick(started.elapsed()))
                {
                    break;
                }
            }
        }
    });
    let signals = tokio::spawn({
        let tx = tx.clone();
        async move {
            cancel::terminated().await;
            let _ = tx.send(Msg::Terminate).await;
        }
    });

    let mut shell = Shell {
        session,
        tx,
        started,
        apply: None,
        cluster_fix: None,
    };
    model.generation = 1;
    let mut cmds = vec![Cmd::Probe { generation: 1 }];
    let result: Result<(), Fatal> = async {
        loop {
            screen
                .terminal()
                .draw(|f| view::view(&model, f))
                .map_err(|e| Fatal(format!("cannot draw: {e}")))?;
            screen.drawn();
            for c in std::mem::take(&mut cmds) {
                shell.exec(c, screen).await;
            }
            if model.quit {
                return Ok(());
            }
            let Some(msg) = rx.recv().await else {
                return Ok(());
            };
            cmds = update::update(&mut model, msg);
            // Coalesce whatever else is queued into this frame.
            while cmds.is_empty() && !model.quit {
                match rx.try_recv() {
                    Ok(msg) => cmds = update::update(&mut model, msg),
                    Err(_) => break,
                }
            }
        }
    }
    .await;
    shell.cancel().await;
    ticker.abort();
    signals.abort();
    result.map(|()| (model, shell.session))
}

/// The PATH step for this user's shell: the line for now, and what `env --persist` would write.
fn path_step(ctx: &crate::context::Context) -> model::PathStep {
    let windows = ctx.platform.os == crate::core::tool::Os::Windows;
    match crate::shellrc::shell(ctx, None) {
        Ok(shell) => model::PathStep {
            now: Some(crate::core::envline::line(
                shell,
                &ctx.bin_dir,
                &ctx.path_entries,
                windows,
            )),
            persist: crate::shellrc::plan(ctx, shell),
        },
        Err(p) => model::PathStep {
            now: None,
            persist: Err(p),
        },
    }
}

/// Gives the terminal back: main screen, cooked mode, cursor shown. Nothing here may print:
/// `restore()` and ratatui's `Drop for Terminal` both `eprintln!` on failure, and printing to a
/// hung-up terminal panics (then the panic hook panics again, and the process aborts).
fn leave(mut terminal: DefaultTerminal) {
    let shown = terminal.show_cursor().is_ok();
    let _ = ratatui::try_restore();
    if !shown {
        // The terminal is gone; skip the Drop that would try again and print.
        std::mem::forget(terminal);
    }
}

/// Runs what `update` asks for; owns the session and the running apply.
struct Shell {
    session: Session,
    tx: mpsc::Sender<Msg>,
    started: Instant,
    apply: Option<(JoinHandle<()>, Cancel)>,
    /// The running `--fix --cluster` (SIGINT to its command on cancel).
    cluster_fix: Option<(JoinHandle<()>, Cancel)>,
}

impl Shell {
    async fn exec<S: Screen>(&mut self, cmd: Cmd, screen: &mut S) {
        match cmd {
            Cmd::Probe { generation } => {
                let space = self.session.ctx.search_space();
                for &tool in &self.session.tools {
                    let (tx, space, opts) = (
                        self.tx.clone(),
                        space.clone(),
                        self.session.ctx.probe.clone(),
                    );
                    tokio::spawn(async move {
                        let observation = probe::observe_tool(tool, &space, &opts).await;
                        let _ = tx
                            .send(Msg::Probed {
                                generation,
                                observation,
                            })
                            .await;
                    });
                }
            }
            Cmd::Apply {
                choices,
                observations,
            } => {
                let mut session = self.session.clone();
                let tx = self.tx.clone();
                let runner = Runner {
                    progress: Arc::new(ChannelProgress {
                        tx: tx.clone(),
                        started: self.started,
                        last: Mutex::new(HashMap::new()),
                    }),
                    cancel: Cancel::default(),
                    sudo_allowed: false,
                };
                let cancel = runner.cancel.clone();
                let handle = tokio::spawn(async move {
                    let findings = session.diagnose(&observations);
                    let applied = apply::apply(
                        &mut session,
                        observations,
                        &findings,
                        &choices,
                        &runner,
                        None,
                    )
                    .await;
                    let _ = tx
                        .send(Msg::Applied {
                            outcomes: applied.outcomes,
                            overrides: session.overrides.clone(),
                        })
                        .await;
                });
                self.apply = Some((handle, cancel));
            }
            Cmd::RunPrivileged { commands } => {
                let mut result = Ok(());
                let taken_back = screen.hand_over(&mut || {
                    result = tokio::task::block_in_place(|| run_privileged(&commands));
                });
                let msg = if taken_back {
                    Msg::PrivilegedDone(result)
                } else {
                    Msg::Terminate
                };
                let _ = self.tx.send(msg).await;
            }
            Cmd::LookAtCluster {
                generation,
                findings,
            } => {
                let (session, tx) = (self.session.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let rows = session
                        .look_at_cluster(&session.cluster_tools(&findings).await)
                        .await;
                    let _ = tx.send(Msg::ClusterSeen { generation, rows }).await;
                });
            }
            Cmd::FixCluster {
                findings,
                switch_context,
            } => {
                let (session, tx) = (self.session.clone(), self.tx.clone());
                let cancel = Cancel::default();
                let handle = tokio::spawn({
                    let cancel = cancel.clone();
                    async move {
                        // Both through the same queue, so a command's lines never arrive
                        // before the command.
                        let on_step = |step: &crate::cluster::fix::Step| {
                            let _ = tx.try_send(Msg::ClusterStep(
                                crate::cluster::render::action_line(&step.action),
                            ));
                        };
                        let on_line = |l: &str| {
                            let _ = tx.try_send(Msg::ClusterLine(l.to_string()));
                        };
                        let run = session
                            // One round per confirmation: what a later round would run is
                            // offered again (`f`) once the look after this one shows it.
                            .fix_cluster(&findings, switch_context, 1, &cancel, &on_step, &on_line)
                            .await;
                        let _ = tx.send(Msg::ClusterFixed(run)).await;
                    }
                });
                self.cluster_fix = Some((handle, cancel));
            }
            Cmd::PersistPath(plan) => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result =
                        tokio::task::spawn_blocking(move || crate::shellrc::write(&plan, false))
                            .await
                            .map_err(|e| e.to_string())
                            .and_then(|r| r.map_err(|e| e.error.to_string()));
                    let _ = tx.send(Msg::PathPersisted(result)).await;
                });
            }
            Cmd::Cancel => self.cancel().await,
            Cmd::Quit => {}
        }
    }

    /// Cancels the apply and waits for it: transfers stop at their next await, and an install
    /// whose rename happened finishes its re-probe and roll-back first.
    async fn cancel(&mut self) {
        // An install whose rename happened finishes its re-probe and roll-back: awaited in full.
        if let Some((handle, cancel)) = self.apply.take() {
            cancel.cancel();
            let _ = handle.await;
        }
        // A cluster command gets SIGINT and, 10 s on, SIGKILL for its whole group; the worker
        // then stops without a last look. Its last message may find the queue full now that
        // nobody reads it, so it is dropped after a while rather than awaited forever.
        if let Some((handle, cancel)) = self.cluster_fix.take() {
            cancel.cancel();
            let abort = handle.abort_handle();
            if tokio::time::timeout(Duration::from_secs(15), handle)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

/// VirtualBox's commands on the normal screen, through the one privileged runner; then waits
/// for Enter so the user can read what they printed.
fn run_privileged(commands: &[Vec<String>]) -> Result<(), PrivilegedError> {
    let mut out = io::stdout();
    let _ = writeln!(out);
    let result = apply::run_privileged(commands, &mut out);
    let _ = write!(out, "\nPress Enter to return to aladdin-doctor. ");
    let _ = out.flush();
    let _ = io::stdin().lock().read_line(&mut String::new());
    result
}

/// Progress events to the UI, with byte counts thinned to ten a second per tool.
struct ChannelProgress {
    tx: mpsc::Sender<Msg>,
    started: Instant,
    last: Mutex<HashMap<Tool, Instant>>,
}

impl Progress for ChannelProgress {
    fn event(&self, e: Event) {
        if let Event::Bytes { tool, done, total } = &e {
            let now = Instant::now();
            let mut last = self.last.lock().expect("progress lock");
            let due = last
                .get(tool)
                .is_none_or(|t| now.duration_since(*t) >= Duration::from_millis(100));
            if !due && Some(*done) != *total {
                return;
            }
            last.insert(*tool, now);
        }
        let bytes = matches!(e, Event::Bytes { .. });
        let msg = Msg::Progress(e, self.started.elapsed());
        if let Err(mpsc::error::TrySendError::Full(msg)) = self.tx.try_send(msg)
            && !bytes
        {
            // A phase change must not be lost; byte counts may be.
            let tx = self.tx.clone();
            tokio::spawn(async move {
                let _ = tx.send(msg).await;
            });
        }
    }
}

/// True when read errors say the terminal is gone (EINTR from a signal is not an error).
fn terminal_gone(e: io::Error, errors: &mut u32) -> bool {
    if e.kind() == io::ErrorKind::Interrupted {
        return false;
    }
    *errors += 1;
    std::thread::sleep(Duration::from_millis(20));
    *errors > 20
}

/// The thread that reads the terminal. Paused while another program owns the terminal.
struct Input {
    paused: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Input {
    fn spawn(tx: mpsc::Sender<Msg>) -> Input {
        let paused = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (paused.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            // A signal (SIGWINCH on resize) interrupts poll/read: retry. Anything else repeated
            // means the terminal is gone: ask the app to leave rather than ignore keys forever.
            let mut errors = 0u32;
            while !s.load(Ordering::SeqCst) {
                if p.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                match event::poll(Duration::from_millis(50)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(e) => {
                        if terminal_gone(e, &mut errors) {
                            let _ = tx.blocking_send(Msg::Terminate);
                            break;
                        }
                        continue;
                    }
                }
                let msg = match event::read() {
                    Ok(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => {
                        let key = match k.code {
                            KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                                Key::CtrlC
                            }
                            KeyCode::Char(c) => Key::Char(c),
                            KeyCode::Up => Key::Up,
                            KeyCode::Down => Key::Down,
                            KeyCode::Enter => Key::Enter,
                            KeyCode::Esc => Key::Esc,
                            KeyCode::Backspace => Key::Backspace,
                            _ => continue,
                        };
                        Msg::Key(key)
                    }
                    Ok(TermEvent::Resize(w, h)) => Msg::Resize(w, h),
                    Ok(_) => continue,
                    Err(e) => {
                        if terminal_gone(e, &mut errors) {
                            let _ = tx.blocking_send(Msg::Terminate);
                            break;
                        }
                        continue;
                    }
                };
                errors = 0;
                if tx.blocking_send(msg).is_err() {
                    break;
                }
            }
        });
        Input {
            paused,
            stop,
            handle: Some(handle),
        }
    }

    fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        // Let a poll in progress run out before another program reads the terminal.
        std::thread::sleep(Duration::from_millis(70));
    }

    fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }

    /// Tells the thread to stop and does not wait for it: on a hung-up terminal crossterm's
    /// poll spins on EOF and never returns, and joining it would keep the process alive
    /// forever. The thread ends with the process.
    fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        drop(self.handle.take());
    }
}
