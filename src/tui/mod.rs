//! The interactive TUI. `model`, `update` and `view` are pure; this module is the shell: the
//! one owner of the terminal, an input thread, and workers that send messages on a bounded
//! channel (probe results carry a generation so stale ones are dropped).

pub(crate) mod model;
pub(crate) mod update;
pub(crate) mod view;

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::{self, Fatal};
use crate::cli::{Cli, Format};
use crate::context::Context;
use crate::core::diagnose;
use crate::core::manifest::Manifest;
use crate::core::overrides::OverrideEntry;
use crate::core::progress::{Event, Progress};
use crate::core::tool::Tool;
use crate::modes::fix::{self, Outcome};
use crate::probe;

use model::{Cmd, Key, Model, Msg};

const CHANNEL: usize = 256;

pub(crate) async fn run(ctx: &Context, cli: &Cli) -> Result<u8, Fatal> {
    let started = Instant::now();
    let manifest = app::load_manifest(ctx)?;
    let (_, overrides) = app::load_overrides(ctx)?;
    let tools = app::selected_tools(&manifest, &cli.common.only)?;

    // Restores the terminal on panic too.
    let mut terminal =
        ratatui::try_init().map_err(|e| Fatal(format!("cannot set up the terminal: {e}")))?;
    let size = terminal.size().unwrap_or_default();
    let mut model = Model::new(
        manifest.clone(),
        overrides,
        app::layout(ctx),
        &tools,
        ctx.mirror.clone(),
        ctx.colour_allowed,
        (size.width, size.height),
    );

    let (tx, mut rx) = mpsc::channel::<Msg>(CHANNEL);
    let input = Input::spawn(tx.clone());
    let ticker = tokio::spawn({
        let tx = tx.clone();
        async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            loop {
                every.tick().await;
                if tx.send(Msg::Tick(started.elapsed())).await.is_err() {
                    break;
                }
            }
        }
    });
    let signals = tokio::spawn({
        let tx = tx.clone();
        async move {
            terminated().await;
            let _ = tx.send(Msg::Terminate).await;
        }
    });

    let mut shell = Shell {
        ctx,
        manifest,
        tx,
        started,
        tools,
        apply: None,
    };
    model.generation = 1;
    let mut cmds = vec![Cmd::Probe { generation: 1 }];
    let result: Result<(), Fatal> = async {
        loop {
            terminal
                .draw(|f| view::view(&model, f))
                .map_err(|e| Fatal(format!("cannot draw: {e}")))?;
            for c in std::mem::take(&mut cmds) {
                shell.exec(c, &mut terminal, &input).await;
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
    input.stop();
    ticker.abort();
    signals.abort();
    leave(terminal);
    result?;

    // Leave the result in the scrollback: the same report as --check.
    let complete = model.rows.iter().all(|r| r.finding.is_some() && !r.probing);
    if complete {
        let findings = model.findings();
        app::emit(&app::render(ctx, Format::Text, &findings, &model.manifest))?;
        Ok(diagnose::exit_code(&findings) as u8)
    } else {
        Ok(app::EXIT_FINDINGS)
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

/// Resolves on SIGTERM, SIGHUP or SIGINT (Ctrl-C itself arrives as a key in raw mode).
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

struct Shell<'a> {
    ctx: &'a Context,
    manifest: Manifest,
    tx: mpsc::Sender<Msg>,
    started: Instant,
    tools: Vec<Tool>,
    apply: Option<JoinHandle<()>>,
}

impl Shell<'_> {
    async fn exec(&mut self, cmd: Cmd, terminal: &mut DefaultTerminal, input: &Input) {
        match cmd {
            Cmd::Probe { generation } => {
                let space = self.ctx.search_space();
                for &tool in &self.tools {
                    let (tx, space, opts) =
                        (self.tx.clone(), space.clone(), self.ctx.probe.clone());
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
            Cmd::Apply { keeps, plan } => {
                let ctx = self.ctx.clone();
                let manifest = self.manifest.clone();
                let tx = self.tx.clone();
                let progress: Arc<dyn Progress> = Arc::new(ChannelProgress {
                    tx: tx.clone(),
                    started: self.started,
                    last: Mutex::new(HashMap::new()),
                });
                self.apply = Some(tokio::spawn(async move {
                    for k in keeps {
                        let entry = OverrideEntry {
                            version: k.version,
                            path: k.path,
                            pin: k.pin,
                            reason: k.reason,
                            recorded: None,
                        };
                        let result = app::save_override(&ctx, k.tool, entry).map_err(|e| e.0);
                        let _ = tx
                            .send(Msg::Kept {
                                tool: k.tool,
                                result,
                            })
                            .await;
                    }
                    let outcomes = if plan.downloads().next().is_some() {
                        install_all(&ctx, &manifest, &plan, progress).await
                    } else {
                        Vec::new()
                    };
                    let minikube_running = if outcomes
                        .iter()
                        .any(|o| matches!(o, Outcome::InstallerReady { .. }))
                    {
                        let space = ctx.search_space();
                        let vbox = probe::observe_tool(Tool::Virtualbox, &space, &ctx.probe).await;
                        fix::minikube_vm_running(&[vbox]).await
                    } else {
                        false
                    };
                    let _ = tx
                        .send(Msg::Applied {
                            outcomes,
                            minikube_running,
                        })
                        .await;
                }));
            }
            Cmd::RunPrivileged { commands } => {
                input.pause();
                let _ = terminal.show_cursor();
                let _ = ratatui::try_restore();
                let result = tokio::task::block_in_place(|| run_privileged(&commands));
                match ratatui::try_init() {
                    Ok(t) => {
                        *terminal = t;
                        let _ = terminal.clear();
                        input.resume();
                        let _ = self.tx.send(Msg::PrivilegedDone(result)).await;
                    }
                    // The terminal went away while sudo had it.
                    Err(_) => {
                        let _ = self.tx.send(Msg::Terminate).await;
                    }
                }
            }
            Cmd::Cancel => self.cancel().await,
            Cmd::Quit => {}
        }
    }

    /// Cancels the apply: every transfer stops at its next await; a stage-and-rename is never
    /// interrupted, so no partial file is left outside the cache's resumable `.partial`.
    async fn cancel(&mut self) {
        if let Some(h) = self.apply.take() {
            h.abort();
            let _ = h.await;
        }
    }
}

async fn install_all(
    ctx: &Context,
    manifest: &Manifest,
    plan: &crate::core::plan::Plan,
    progress: Arc<dyn Progress>,
) -> Vec<Outcome> {
    let fail_all = |error: String| -> Vec<Outcome> {
        plan.downloads()
            .map(|d| Outcome::Failed {
                tool: d.tool,
                error: error.clone(),
            })
            .collect()
    };
    let _lock =
        match crate::install::lock::acquire(&ctx.cache_dir, ctx.lock_timeout, &*progress).await {
            Ok(l) => l,
            Err(e) => return fail_all(e),
        };
    let fetcher = match fix::fetcher(ctx) {
        Ok(f) => f,
        Err(e) => return fail_all(e),
    };
    fix::execute(plan, manifest, fetcher, progress, ctx.probe.clone()).await
}

fn run_privileged(commands: &[Vec<String>]) -> Result<(), String> {
    let mut out = io::stdout();
    let mut result = Ok(());
    for cmd in commands {
        let _ = writeln!(out, "\n$ {}", crate::core::vbox::render(cmd));
        match std::process::Command::new(&cmd[0]).args(&cmd[1..]).status() {
            Ok(s) if s.success() => {}
            Ok(s) => {
                result = Err(format!("`{}` failed ({s})", crate::core::vbox::render(cmd)));
                break;
            }
            Err(e) => {
                result = Err(format!("cannot run `{}`: {e}", cmd[0]));
                break;
            }
        }
    }
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
