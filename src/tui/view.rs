//! PURE: `view(model, frame)`. Draws the model; decides nothing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row as TableRow, Table, Wrap};

use super::model::*;
use super::update::plan_lines;
use crate::cluster::rows::RowStatus;
use crate::core::diagnose::{Finding, Remedy, Seen, Status};
use crate::core::inert::inert;
use crate::core::outcome::Done;
use crate::core::plan::mirror_url;
use crate::core::progress::Phase as Step;
use crate::core::render;
use crate::core::report::{Mark, cluster_mark, cluster_symbol, verdict};
use crate::shellrc::PlanProblem;

pub(crate) const MIN_WIDTH: u16 = 80;
pub(crate) const MIN_HEIGHT: u16 = 24;
/// The action column's width.
const ACTION_W: usize = 18;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

struct Theme {
    colour: bool,
}

impl Theme {
    fn fg(&self, c: Color) -> Style {
        if self.colour {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    fn mark(&self, m: Mark) -> Style {
        self.fg(match m {
            Mark::Good => Color::Green,
            Mark::Warn => Color::Yellow,
            Mark::Bad => Color::Red,
        })
    }
    fn dim(&self) -> Style {
        if self.colour {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }
    fn key(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }
}

pub(crate) fn view(m: &Model, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "aladdin-doctor needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}.\nEnlarge the window, or press q and run `aladdin-doctor --check` for the same diagnosis as plain text.",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let t = Theme { colour: m.colour };
    let prompt_lines = match &m.mode {
        Mode::Prompt { .. } | Mode::Reason { .. } => 1,
        _ => 0,
    };
    let table_h = (m.rows.len() as u16 + 3 + prompt_lines).min(area.height - 8);
    // The cluster block takes what the lower pane can spare (it keeps 4 lines).
    let cluster_room = area.height.saturating_sub(table_h + 8);
    let cluster_lines = m
        .cluster
        .as_ref()
        .map(|c| {
            cluster_lines(
                m,
                c,
                &t,
                area.width,
                usize::from(cluster_room.saturating_sub(2)),
            )
        })
        .unwrap_or_default();
    let cluster_h = match m.cluster {
        None => 0,
        Some(_) => (cluster_lines.len() as u16 + 2).min(cluster_room),
    };
    let [head, table, cluster, pane, status, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(table_h),
        Constraint::Length(cluster_h),
        Constraint::Min(4),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);

    header(m, &t, f, head);
    rows(m, &t, f, table);
    if let Some(c) = &m.cluster
        && cluster_h > 0
    {
        let title = if c.fixing {
            format!(" Cluster — {} fixing ", spinner(m))
        } else if c.looking {
            format!(" Cluster — {} looking ", spinner(m))
        } else {
            " Cluster ".to_string()
        };
        f.render_widget(
            Paragraph::new(inert_text(cluster_lines)).block(Block::bordered().title(title)),
            cluster,
        );
    }
    lower_pane(m, &t, f, pane);
    f.render_widget(Paragraph::new(status_line(m)).style(t.dim()), status);
    f.render_widget(Paragraph::new(footer_line(m, &t, footer.width)), footer);

    match &m.mode {
        Mode::Help => {
            let text = help_text(&t);
            let h = text.lines.len() as u16 + 2;
            popup(f, area, "Keys", text, 76, h)
        }
        Mode::ConfirmApply => {
            let mut lines: Vec<Line> = plan_lines(m).into_iter().map(Line::from).collect();
            lines.push(Line::from(""));
            lines.push(Line::from(vec![
                Span::styled("y", t.key()),
                Span::raw(" / ↵ apply   "),
                Span::styled("n", t.key()),
                Span::raw(" / esc back"),
            ]));
            let h = lines.len() as u16 + 2;
            popup(f, area, "Apply this plan?", Text::from(lines), 70, h);
        }
        Mode::ConfirmQuit => popup(
            f,
            area,
            "Quit?",
            Text::from(vec![
                Line::from("Work is running. Quit and cancel it?"),
                Line::from("Nothing half-installed is left; downloads resume next time."),
                Line::from(""),
                Line::from(vec![
                    Span::styled("y", t.key()),
                    Span::raw(" quit   "),
                    Span::styled("n", t.key()),
                    Span::raw(" / esc keep going"),
                ]),
            ]),
            66,
            6,
        ),
        Mode::ConfirmSudo {
            installer,
            commands,
            minikube_running,
        } => {
            let mut lines = vec![
                Line::from("The VirtualBox installer is verified:"),
                Line::from(format!("  {}", installer.display())),
                Line::from("Installing it needs admin rights. These commands will run"),
                Line::from("outside this screen, so that sudo can ask for your password:"),
            ];
            if *minikube_running {
                lines.push(Line::from(
                    "  minikube stop     (its VM is running: stop it first)",
                ));
            }
            for c in commands {
                lines.push(Line::from(format!("  {}", crate::core::vbox::render(c))));
            }
            lines.push(Line::from(""));
            lines.push(if *minikube_running {
                Line::from(vec![
                    Span::styled("m", t.key()),
                    Span::raw(" stop minikube, then install   "),
                    Span::styled("n", t.key()),
                    Span::raw(" not now"),
                ])
            } else {
                Line::from(vec![
                    Span::styled("y", t.key()),
                    Span::raw(" run them now   "),
                    Span::styled("n", t.key()),
                    Span::raw(" not now"),
                ])
            });
            let h = lines.len() as u16 + 2;
            popup(f, area, "VirtualBox", Text::from(lines), 76, h);
        }
        Mode::PathStep => {
            let bin = m.layout.bin_dir.display().to_string();
            let mut lines = vec![Line::from(format!(
                "The tools are installed in {bin}, which your PATH does not run first."
            ))];
            if let Some(step) = &m.path_step {
                if let Some(now) = &step.now {
                    lines.push(Line::from(""));
                    lines.push(Line::from("In this terminal, run:"));
                    lines.push(Line::from(format!("  {now}")));
                }
                lines.push(Line::from(""));
                match &step.persist {
                    Ok(plan) => {
                        lines.push(Line::from(format!(
                            "For every new {} terminal, w adds to {}:",
                            plan.shell.name(),
                            plan.rc.display()
                        )));
                        lines.push(Line::from(format!("  {}", crate::core::envline::MARKER)));
                        lines.push(Line::from(format!("  {}", plan.line)));
                    }
                    Err(PlanProblem::UnknownShell(name)) => lines.push(Line::from(format!(
                        "Your shell is {name}: put {bin} first on PATH in its own startup file."
                    ))),
                    Err(PlanProblem::NoHome) => lines.push(Line::from(
                        "No home directory (HOME is unset): no startup file to add it to.",
                    )),
                    Err(PlanProblem::NoStartupFile) => lines.push(Line::from(
                        "For PowerShell, add `aladdin-doctor env --shell powershell | Invoke-Expression` to your $PROFILE.",
                    )),
                }
            }
            lines.push(Line::from(""));
            let mut keys = Vec::new();
            if m.path_step.as_ref().is_some_and(|s| s.persist.is_ok()) {
                keys.push(Span::styled("w", t.key()));
                keys.push(Span::raw(" write it   "));
            }
            keys.push(Span::styled("esc", t.key()));
            keys.push(Span::raw(" close"));
            lines.push(Line::from(keys));
            popup_fit(f, area, "PATH", inert_text_owned(lines), 110);
        }
        Mode::ConfirmCluster { commands, switch } => {
            let mut lines: Vec<Line> = Vec::new();
            if !commands.is_empty() {
                lines.push(Line::from(
                    "These run as you, one after another, each re-checked:",
                ));
                for c in commands {
                    lines.push(Line::from(format!("  {c}")));
                }
            }
            if let Some(name) = switch {
                lines.push(Line::from(format!(
                    "The current kube context is not `{name}`: kubectl and helm (and aladdin)"
                )));
                lines.push(Line::from(
                    "talk to another cluster. Switching changes that for every shell.",
                ));
            }
            lines.push(Line::from(""));
            let mut keys = Vec::new();
            if !commands.is_empty() {
                keys.push(Span::styled("y", t.key()));
                keys.push(Span::raw(" / ↵ run them   "));
            }
            if let Some(name) = switch {
                keys.push(Span::styled("s", t.key()));
                if commands.is_empty() {
                    keys.push(Span::raw(format!(" switch to `{name}`   ")));
                } else {
                    keys.push(Span::raw(format!(" run them and switch to `{name}`   ")));
                }
            }
            keys.push(Span::styled("n", t.key()));
            keys.push(Span::raw(" / esc back"));
            lines.push(Line::from(keys));
            popup_fit(f, area, "Fix the cluster?", inert_text_owned(lines), 78);
        }
        _ => {}
    }
}

/// `inert_text` for a popup's `Text`.
fn inert_text_owned(lines: Vec<Line<'static>>) -> Text<'static> {
    Text::from(inert_text(lines))
}

/// The cluster section: one line per check, the fix under a row that fails, and while a fix
/// runs its command and last lines of output.
fn cluster_lines(
    m: &Model,
    c: &ClusterPane,
    t: &Theme,
    width: u16,
    room_lines: usize,
) -> Vec<Line<'static>> {
    // Inside the border; what does not fit ends in `…` (the scrollback report has it all).
    let room = usize::from(width.saturating_sub(2));
    // Made inert before it is cut: an escaped control character is four columns wide.
    let fit = |s: String, used: usize| clip(&inert(&s), room.saturating_sub(used));
    let mut lines = Vec::new();
    if c.run.rows.is_empty() {
        lines.push(Line::from(format!(
            "{} looking at docker, minikube, the kube context, the API server, addons and helm…",
            spinner(m)
        )));
        return lines;
    }
    let rendered = crate::cluster::render::render(&c.run, c.minikube);
    let running_lines = c.running.as_ref().map_or(0, |_| 1 + c.output.len());
    let all_lines = rendered
        .iter()
        .map(|r| 1 + usize::from(r.fails && r.hint.is_some()) + 2 * r.ran.len())
        .sum::<usize>()
        + running_lines;
    // Short of room: the rows that need attention first, the others counted in one line.
    let crowded = all_lines > room_lines;
    let mut hidden = 0;
    for r in rendered {
        if crowded && matches!(r.status, RowStatus::Ok | RowStatus::Skipped) {
            hidden += 1;
            continue;
        }
        let mark = cluster_mark(r.status);
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", cluster_symbol(r.status)), t.mark(mark)),
            Span::raw(format!("{:<21} ", r.name)),
            Span::styled(format!("{:<8} ", r.status.word()), t.mark(mark)),
            Span::raw(fit(r.detail.clone(), 2 + 22 + 9)),
        ]));
        if let Some(ran) = r.ran.iter().rev().find(|x| x.error.is_some()) {
            lines.push(Line::from(Span::styled(
                fit(
                    format!(
                        "    ran `{}`: {}",
                        ran.command,
                        ran.error.clone().unwrap_or_default()
                    ),
                    0,
                ),
                t.mark(Mark::Bad),
            )));
            if let Some(last) = ran.output.last() {
                lines.push(Line::from(Span::styled(
                    fit(format!("      │ {last}"), 0),
                    t.dim(),
                )));
            }
        }
        // While a fix runs in a crowded block, its output matters more than the hints.
        let show_hint = !(crowded && c.running.is_some());
        if r.fails
            && show_hint
            && let Some(h) = &r.hint
        {
            lines.push(Line::from(Span::styled(
                fit(format!("    → {h}"), 0),
                t.dim(),
            )));
        }
    }
    if hidden > 0 {
        lines.push(Line::from(Span::styled(
            format!("+ {hidden} more, ok or skipped (all of them in the report on quit)"),
            t.dim(),
        )));
    }
    if let Some(cmd) = &c.running {
        lines.push(Line::from(fit(
            format!("{} running `{cmd}`", spinner(m)),
            0,
        )));
        for l in &c.output {
            lines.push(Line::from(Span::styled(
                fit(format!("  │ {l}"), 0),
                t.dim(),
            )));
        }
    }
    lines
}

/// `s` cut to `room` characters, ending in `…` when cut.
fn clip(s: &str, room: usize) -> String {
    if s.chars().count() <= room {
        return s.to_string();
    }
    let mut out: String = s.chars().take(room.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn header(m: &Model, t: &Theme, f: &mut Frame, area: Rect) {
    let l = &m.layout;
    let on_path = match l.bin_dir_index {
        Some(0) => "first on PATH",
        Some(_) => "on PATH, not first",
        None => "not on PATH",
    };
    let lines = vec![
        Line::from(vec![
            Span::styled(
                "aladdin-doctor",
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!("  {} · pins from {}", l.platform, m.manifest.source),
                t.dim(),
            ),
        ]),
        Line::from(Span::styled(
            format!("bin dir {} ({on_path})", l.bin_dir.display()),
            t.dim(),
        )),
    ];
    f.render_widget(Paragraph::new(lines), area);
}

fn spinner(m: &Model) -> &'static str {
    SPINNER[(m.now.as_millis() / 100) as usize % SPINNER.len()]
}

fn found_text(f: &Finding) -> String {
    match &f.found {
        None => "—".into(),
        Some(s) => inert(&format!(
            "{} {}",
            s.version.as_deref().unwrap_or("?"),
            s.path.display()
        ))
        .into_owned(),
    }
}

/// Every span of `lines` made inert: what tools, servers and file names say is shown, never
/// obeyed (ratatui drops control characters; this shows them).
fn inert_text(lines: Vec<Line<'static>>) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .map(|mut l| {
            for span in &mut l.spans {
                if let std::borrow::Cow::Owned(clean) = inert(&span.content) {
                    span.content = clean.into();
                }
            }
            l
        })
        .collect()
}

fn human_bytes(n: f64) -> String {
    if n >= 1e9 {
        format!("{:.1} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.0} kB", n / 1e3)
    } else {
        format!("{n:.0} B")
    }
}

fn transfer_text(m: &Model, tr: &Transfer) -> String {
    match tr.step {
        Some(Step::Download) if tr.stalled(m.now).is_some() || tr.retry.is_some() => {
            let mut s = String::new();
            if let Some((attempt, of, _)) = &tr.retry {
                s.push_str(&format!("{attempt}/{of} "));
            }
            match tr.stalled(m.now) {
                Some(q) => s.push_str(&format!("stalled {}s", q.as_secs())),
                None => s.push_str("retrying"),
            }
            s
        }
        Some(Step::Download) => {
            let pct = tr
                .total
                .filter(|&t| t > 0)
                .map(|t| format!("{:>3}% ", tr.done * 100 / t))
                .unwrap_or_default();
            let rate = tr
                .rate
                .map(|r| format!("{}/s ", human_bytes(r)))
                .unwrap_or_default();
            let eta = tr
                .eta()
                .map(|e| format!("{}s", e.as_secs()))
                .unwrap_or_default();
            format!("{pct}{rate}{eta}").trim_end().to_string()
        }
        Some(s) => format!("{}…", s.word()),
        None => "queued".into(),
    }
}

fn action_cell(m: &Model, r: &Row, t: &Theme) -> Line<'static> {
    if r.probing && (r.finding.is_none() || m.phase == Phase::Probing) {
        return Line::from(format!("{} probing", spinner(m)));
    }
    if let Some(tr) = &r.transfer {
        return Line::from(clip(
            &format!("{} {}", spinner(m), transfer_text(m, tr)),
            ACTION_W,
        ));
    }
    if let Some(o) = &r.outcome {
        return match &o.done {
            Done::Failed(_) => Line::from(Span::styled("✗ failed (below)", t.mark(Mark::Bad))),
            Done::Refused(_) | Done::Cancelled => Line::from(Span::styled(
                format!("✗ {}", render::outcome_word(o)),
                t.mark(Mark::Bad),
            )),
            _ => Line::from(Span::styled(
                format!("✓ {}", render::outcome_word(o)),
                t.mark(Mark::Good),
            )),
        };
    }
    match r.choice {
        Some(c) if !r.choices().is_empty() => Line::from(format!("→ {}", c.word())),
        _ => match &r.finding {
            Some(f) if !f.satisfied() => Line::from("see below"),
            _ => Line::from(""),
        },
    }
}

fn rows(m: &Model, t: &Theme, f: &mut Frame, area: Rect) {
    let mut out = Vec::new();
    let mut prompt = None;
    for (i, r) in m.rows.iter().enumerate() {
        let selected = i == m.selected;
        let (found, verdict_line) = match &r.finding {
            None => (format!("{} …", spinner(m)), Line::from("")),
            Some(fd) => {
                let mark = Mark::of(fd);
                (
                    found_text(fd),
                    Line::from(Span::styled(
                        format!("{} {}", mark.symbol(), verdict(fd)),
                        t.mark(mark),
                    )),
                )
            }
        };
        let style = if selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        // What does not fit its column ends in `…` (the details pane has it all).
        let found_w = usize::from(area.width).saturating_sub(2 + 10 + 13 + 12 + ACTION_W + 4);
        out.push(
            TableRow::new(vec![
                Cell::from(r.tool.name()),
                Cell::from(clip(&found, found_w)),
                Cell::from(clip(&r.pinned, 13)),
                Cell::from(verdict_line),
                Cell::from(action_cell(m, r, t)),
            ])
            .style(style),
        );
        if selected && let Some(line) = prompt_line(m, r, t) {
            // A placeholder row; the prompt is drawn over it across the whole width.
            prompt = Some((out.len() as u16, line));
            out.push(TableRow::new(vec![Cell::from("")]));
        }
    }
    let widths = [
        Constraint::Length(10),
        Constraint::Fill(1),
        Constraint::Length(13),
        Constraint::Length(12),
        Constraint::Length(ACTION_W as u16),
    ];
    let header = TableRow::new(vec!["tool", "found", "pinned", "verdict", "action"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let table = Table::new(out, widths)
        .header(header)
        .column_spacing(1)
        .block(Block::bordered().title(" Tools "));
    f.render_widget(table, area);
    if let Some((at, line)) = prompt {
        let y = area.y + 2 + at;
        if y + 1 < area.bottom() {
            let r = Rect::new(area.x + 2, y, area.width.saturating_sub(4), 1);
            f.render_widget(Paragraph::new(line), r);
        }
    }
}

/// The in-place prompt under the selected row: it spans the table's width.
fn prompt_line(m: &Model, r: &Row, t: &Theme) -> Option<Line<'static>> {
    let f = r.finding.as_ref()?;
    let found = f
        .found
        .as_ref()
        .and_then(|s| s.version.clone())
        .unwrap_or_default();
    match &m.mode {
        Mode::Prompt { at } => {
            let mut spans = vec![Span::raw("↳ ")];
            for (i, c) in r.choices().iter().enumerate() {
                let (k, label) = match c {
                    Choice::Install => ("i", format!("install {}", r.pinned)),
                    Choice::Keep => ("k", format!("keep {found}")),
                    Choice::NotNeeded => ("n", "not needed".to_string()),
                    Choice::Skip => ("s", "skip".to_string()),
                };
                let style = if i == *at {
                    Style::default().add_modifier(Modifier::REVERSED)
                } else {
                    Style::default()
                };
                spans.push(Span::styled(format!("[{k}]"), t.key()));
                spans.push(Span::styled(format!(" {label}"), style));
                spans.push(Span::raw("  "));
            }
            Some(Line::from(spans))
        }
        Mode::Reason { buffer } => Some(Line::from(vec![
            Span::raw(format!("↳ keep {found} — reason (optional): ")),
            Span::styled(
                format!("{buffer}▏"),
                Style::default().add_modifier(Modifier::UNDERLINED),
            ),
            Span::styled("  ↵ done", t.dim()),
        ])),
        _ => None,
    }
}

fn lower_pane(m: &Model, t: &Theme, f: &mut Frame, area: Rect) {
    let Some(r) = m.selected_row() else { return };
    let title = if m.details {
        format!(" {} — details (d to close) ", r.tool)
    } else {
        format!(" {} ", r.tool)
    };
    let mut lines: Vec<Line> = Vec::new();
    match &r.finding {
        None => lines.push(Line::from(format!(
            "{} asking {} its version…",
            spinner(m),
            r.tool
        ))),
        Some(fd) if m.details => details(m, r, fd, t, &mut lines),
        Some(fd) => {
            if let Some(tr) = &r.transfer {
                lines.push(Line::from(transfer_sentence(m, tr)));
            }
            summary(m, r, fd, !m.busy(), t, &mut lines)
        }
    }
    f.render_widget(
        Paragraph::new(inert_text(lines))
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(title)),
        area,
    );
}

/// The selected row's transfer in full: bytes, rate, time left.
fn transfer_sentence(m: &Model, tr: &Transfer) -> String {
    match (tr.step, tr.total) {
        (Some(Step::Download), total) => {
            let mut s = match &tr.retry {
                Some((attempt, of, error)) => {
                    format!("attempt {attempt} of {of} (the last one failed: {error}); ")
                }
                None => String::new(),
            };
            if let Some(q) = tr.stalled(m.now) {
                s.push_str(&format!(
                    "no data for {} s (it gives up after the --timeout); ",
                    q.as_secs()
                ));
            }
            s.push_str(&format!("downloading: {}", human_bytes(tr.done as f64)));
            if let Some(t) = total {
                s.push_str(&format!(" of {}", human_bytes(t as f64)));
            }
            if let Some(r) = tr.rate {
                s.push_str(&format!(" at {}/s", human_bytes(r)));
            }
            if let Some(e) = tr.eta() {
                s.push_str(&format!(", about {} s left", e.as_secs()));
            }
            s
        }
        (Some(step), _) if tr.detail.is_empty() => format!("{}…", step.word()),
        (Some(step), _) => format!("{}… {}", step.word(), tr.detail),
        (None, _) => "waiting to start…".into(),
    }
}

fn summary(
    m: &Model,
    r: &Row,
    fd: &Finding,
    can_choose: bool,
    t: &Theme,
    lines: &mut Vec<Line<'static>>,
) {
    match &fd.found {
        Some(s) => lines.push(Line::from(format!(
            "found {} at {} · pinned {}",
            s.version.as_deref().unwrap_or("(unreadable version)"),
            s.path.display(),
            fd.pinned
        ))),
        None => lines.push(Line::from(format!(
            "not found on PATH · pinned {}",
            fd.pinned
        ))),
    }
    if let Some(Done::Failed(e)) = r.outcome.as_ref().map(|o| &o.done) {
        lines.push(Line::from(Span::styled(
            format!("✗ {}", render::apply_error(e)),
            t.mark(Mark::Bad),
        )));
    }
    if let Some(e) = fd.found.as_ref().and_then(|s| s.error.as_ref()) {
        lines.push(Line::from(format!("• {}", render::seen_error(e))));
    }
    for n in &fd.notes {
        lines.push(Line::from(format!("• {}", render::note(n, &fd.pinned))));
    }
    match tui_hint(m, r, fd) {
        Some(h) => lines.push(Line::from(format!("→ {h}"))),
        None if fd.satisfied() => lines.push(Line::from(format!(
            "✓ {} {} is as pinned.",
            r.tool,
            fd.found
                .as_ref()
                .and_then(|s| s.version.clone())
                .unwrap_or_default()
        ))),
        None => {}
    }
    if can_choose && !r.choices().is_empty() {
        lines.push(Line::from(Span::styled(
            "↵ to choose: install pinned / keep mine / skip · d for details",
            t.dim(),
        )));
    }
}

/// The hint inside the TUI: the keys that act here, not shell commands. Manual steps (a
/// configuration to fix, a driver to repair) are the report's words.
fn tui_hint(m: &Model, r: &Row, fd: &Finding) -> Option<String> {
    let bin = m.layout.bin_dir.display();
    let choices = r.choices();
    let failed = r.outcome.as_ref().is_some_and(|o| o.failed());
    let path_step = || {
        if !super::update::path_step_offered(m) {
            String::new()
        } else {
            format!("; then p puts {bin} first on PATH")
        }
    };
    let keep = || {
        if choices.contains(&Choice::Keep) {
            format!(
                "; or ↵ k keeps {}",
                fd.found_version().unwrap_or("the one you have")
            )
        } else {
            String::new()
        }
    };
    // `a` applies what is chosen; a row set to something else needs ↵ i first.
    let choose_install = || {
        if r.choice == Some(Choice::Install) {
            "a "
        } else {
            "↵ i, then a: "
        }
    };
    if let Some(Done::InstallerReady { .. }) = r.outcome.as_ref().map(|o| &o.done) {
        return render::hint(fd, r.outcome.as_ref(), &m.layout);
    }
    Some(match &fd.remedy {
        Remedy::InstallPin { .. } if failed => format!(
            "a tries again (a download resumes where it stopped){}",
            keep()
        ),
        Remedy::InstallPin { .. } if choices.contains(&Choice::Install) => format!(
            "{}installs {} into {bin}{}{}",
            choose_install(),
            fd.pinned,
            path_step(),
            keep()
        ),
        Remedy::SystemInstaller { file, .. } => format!(
            "{}downloads and verifies {file}; it asks before anything runs with sudo",
            choose_install()
        ),
        Remedy::UseBinDir { parked, .. } => format!(
            "the pinned copy is already at {}: p puts {bin} first on PATH",
            parked.display()
        ),
        Remedy::None if fd.status == Status::Overridden => format!(
            "kept instead of {}{} (recorded in your overrides)",
            fd.pinned,
            fd.kept
                .as_ref()
                .and_then(|k| k.reason.as_ref())
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
        _ => return render::hint(fd, r.outcome.as_ref(), &m.layout),
    })
}

fn details(m: &Model, r: &Row, fd: &Finding, t: &Theme, lines: &mut Vec<Line<'static>>) {
    // What the last apply did, in full (the row only says "failed").
    if let Some(o) = &r.outcome {
        lines.push(Line::from(Span::styled("Last apply", t.key())));
        let text = match &o.done {
            Done::Failed(e) => format!("✗ {}", render::apply_error(e)),
            _ => render::outcome_word(o),
        };
        lines.push(Line::from(Span::styled(
            format!("  {text}"),
            t.mark(if o.failed() { Mark::Bad } else { Mark::Good }),
        )));
    }
    lines.push(Line::from(Span::styled("Copies (in PATH order)", t.key())));
    match &fd.found {
        Some(s) => lines.push(Line::from(format!(
            "  runs:  {}  {}",
            s.path.display(),
            version_or_error(s)
        ))),
        None => lines.push(Line::from("  runs:  nothing (not on PATH)")),
    }
    for o in &fd.others {
        let why = if o.in_bin_dir && !o.reachable {
            "bin dir, not on PATH"
        } else if o.version.is_some() {
            "shadowed"
        } else {
            "unusable"
        };
        lines.push(Line::from(format!(
            "  also:  {}  {} ({why})",
            o.path.display(),
            version_or_error(o)
        )));
    }
    let bin = m.layout.bin_dir.display().to_string();
    if fd
        .others
        .iter()
        .any(|o| o.in_bin_dir && o.version.is_some())
    {
        lines.push(Line::from(format!(
            "  The copy in {bin} is not the one your PATH runs; `eval \"$(aladdin-doctor env)\"` puts {bin} first."
        )));
    }
    if let Some(spec) = m.manifest.get(fd.tool) {
        lines.push(Line::from(Span::styled(
            format!("Pin {}", fd.pinned),
            t.key(),
        )));
        if let Some(acc) = &fd.accept {
            lines.push(Line::from(format!("  also accepted: {acc}")));
        }
        match spec.artifact(m.layout.platform) {
            Some(a) => {
                lines.push(Line::from("  from"));
                lines.push(Line::from(format!(
                    "    {}",
                    mirror_url(&a.url, m.mirror.as_deref())
                )));
                lines.push(Line::from(match (&a.sha256, &a.checksum_url) {
                    (Some(h), _) => format!("  sha256   {h} (pinned)"),
                    (None, Some(u)) => format!("  sha256   from {u}"),
                    (None, None) => {
                        "  sha256   none published and none pinned: --fix refuses it".into()
                    }
                }));
            }
            None => lines.push(Line::from(format!(
                "  no release for {} in {}",
                m.layout.platform, m.manifest.source
            ))),
        }
    }
    if let Some(out) = fd.found.as_ref().and_then(|s| s.output.as_ref()) {
        lines.push(Line::from(Span::styled(
            format!(
                "Probe output (exit {})",
                out.code.map(|c| c.to_string()).unwrap_or("signal".into())
            ),
            t.key(),
        )));
        for l in out.stdout.lines().chain(out.stderr.lines()).take(6) {
            lines.push(Line::from(format!("  {l}")));
        }
    }
}

fn version_or_error(s: &Seen) -> String {
    match (&s.version, &s.error) {
        (Some(v), _) => v.clone(),
        (None, Some(e)) => render::seen_error(e),
        (None, None) => "?".into(),
    }
}

fn status_line(m: &Model) -> String {
    let summary = phase_line(m);
    match m.status.as_deref().map(inert) {
        Some(s) if matches!(m.phase, Phase::Ready | Phase::Done) => format!("{s} · {summary}"),
        Some(s) => s.into_owned(),
        None => summary,
    }
}

fn phase_line(m: &Model) -> String {
    match m.phase {
        Phase::Probing => {
            let left = m.rows.iter().filter(|r| r.probing).count();
            format!(
                "{} probing {left} tool{}…",
                spinner(m),
                if left == 1 { "" } else { "s" }
            )
        }
        Phase::Applying => format!("{} applying…", spinner(m)),
        Phase::Ready | Phase::Done => {
            let open = m
                .rows
                .iter()
                .filter(|r| r.finding.as_ref().is_some_and(|f| !f.satisfied()))
                .count();
            let prefix = if m.phase == Phase::Done { "Done. " } else { "" };
            let installed = m
                .rows
                .iter()
                .filter(|r| {
                    matches!(
                        r.outcome.as_ref().map(|o| &o.done),
                        Some(Done::Installed { .. })
                    )
                })
                .count();
            let failed = m
                .rows
                .iter()
                .filter(|r| r.outcome.as_ref().is_some_and(|o| o.failed()))
                .count();
            let mut s = prefix.to_string();
            if m.phase == Phase::Done {
                s.push_str(&format!("{installed} installed"));
                // Every failure by name (the reason is on its row and in its details).
                let names: Vec<&str> = m
                    .rows
                    .iter()
                    .filter(|r| r.outcome.as_ref().is_some_and(|o| o.failed()))
                    .map(|r| r.tool.name())
                    .collect();
                if failed > 0 {
                    s.push_str(&format!(", {failed} failed ({})", names.join(", ")));
                }
                s.push_str(". ");
            }
            let path_step =
                m.phase == Phase::Done && installed > 0 && super::update::path_step_offered(m);
            if path_step {
                s.push_str("p puts them first on PATH. ");
            }
            if open == 0 {
                s.push_str("Every tool is satisfied.");
            } else {
                s.push_str(&format!("{open} of {} tools need attention.", m.rows.len()));
            }
            s
        }
    }
}

fn footer_line(m: &Model, t: &Theme, width: u16) -> Line<'static> {
    let prompt_keys: Vec<(&str, &str)>;
    let keys: &[(&str, &str)] = match &m.mode {
        // Only the keys this row's prompt accepts.
        Mode::Prompt { .. } => {
            let choices = m.selected_row().map(Row::choices).unwrap_or_default();
            let all: &[(Choice, &str, &str)] = &[
                (Choice::Install, "i", "install pinned"),
                (Choice::Keep, "k", "keep mine"),
                (Choice::NotNeeded, "n", "not needed"),
                (Choice::Skip, "s", "skip"),
            ];
            prompt_keys = all
                .iter()
                .filter(|(c, _, _)| choices.contains(c))
                .map(|(_, k, w)| (*k, *w))
                .chain([("↑↓ ↵", "select"), ("esc", "back")])
                .collect::<Vec<_>>();
            &prompt_keys
        }
        Mode::Reason { .. } => &[("type", "a reason"), ("↵", "done"), ("esc", "back")],
        _ if m.busy() => &[
            ("↑↓/jk", "move"),
            ("d", "details"),
            ("?", "help"),
            ("q", "quit"),
        ],
        _ => &[
            ("↑↓/jk", "move"),
            ("↵", "choose"),
            ("a", "apply"),
            ("r", "re-probe"),
            ("p", "PATH"),
            ("c", "cluster"),
            ("f", "fix cluster"),
            ("d", "details"),
            ("?", "help"),
            ("q", "quit"),
        ],
    };
    // Only the keys that do something now.
    let cluster_fixable = m.cluster.as_ref().is_some_and(|c| {
        let (commands, switch) = super::update::cluster_offer(c);
        !commands.is_empty() || switch.is_some()
    });
    let keys: Vec<&(&str, &str)> = keys
        .iter()
        .filter(|(k, _)| match *k {
            "f" => cluster_fixable,
            "p" => super::update::path_step_offered(m),
            "c" => m.phase != Phase::Probing,
            _ => true,
        })
        .collect();
    // Too wide for the terminal: leave out what `?` lists anyway, least needed first.
    let mut keys = keys;
    let len = |keys: &[&(&str, &str)]| -> usize {
        // "k what  " per key, without the last two spaces.
        keys.iter()
            .map(|(k, w)| k.chars().count() + w.chars().count() + 3)
            .sum::<usize>()
            .saturating_sub(2)
    };
    for drop in ["↑↓/jk", "d", "r"] {
        if len(&keys) <= usize::from(width) {
            break;
        }
        keys.retain(|(k, _)| *k != drop);
    }
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(k.to_string(), t.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Line::from(spans)
}

fn help_text(t: &Theme) -> Text<'static> {
    let rows: &[(&str, &str)] = &[
        ("↑ ↓  j k", "move between tools"),
        ("↵", "open the row's prompt"),
        (
            "i k n s",
            "in the prompt: install pinned / keep mine / not needed / skip",
        ),
        ("a", "apply the choices (asks first)"),
        ("r", "probe every tool again"),
        (
            "p",
            "put the bin dir first on PATH: the line for now, w for every new shell",
        ),
        (
            "c",
            "check the cluster: docker, minikube, context, API, addons, helm",
        ),
        ("f", "fix the cluster (shows the commands first)"),
        (
            "d",
            "details: every copy, the pin's URL and checksum, probe output",
        ),
        ("?", "this help"),
        ("q  esc", "quit (asks first while work runs)"),
        ("ctrl-c", "cancel and quit"),
    ];
    let mut lines: Vec<Line> = rows
        .iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!("{k:<10}"), t.key()),
                Span::raw(v.to_string()),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(
        "Keep mine records an override, like `aladdin-doctor override`.",
    ));
    lines.push(Line::from(
        "Nothing changes until you confirm the plan. Any key closes this.",
    ));
    Text::from(lines)
}

/// A popup as wide as `w` allows (at most the screen less a margin), as tall as its wrapped text.
fn popup_fit(f: &mut Frame, area: Rect, title: &str, text: Text<'static>, w: u16) {
    let w = w.min(area.width.saturating_sub(4)).max(20);
    let inner = usize::from(w - 2);
    // Word wrapping breaks a little earlier than the width: a margin per wrapped line.
    let h: usize = text
        .lines
        .iter()
        .map(|l| {
            let n = l.width();
            if n <= inner {
                1
            } else {
                (n * 6 / 5).div_ceil(inner)
            }
        })
        .sum();
    popup(f, area, title, text, w, h as u16 + 2);
}

fn popup(f: &mut Frame, area: Rect, title: &str, text: Text<'static>, w: u16, h: u16) {
    let r = area.centered(
        Constraint::Length(w.min(area.width)),
        Constraint::Length(h.min(area.height)),
    );
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" {title} "))),
        r,
    );
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;

    use super::*;
    use crate::core::diagnose::tests::{copy, read};
    use crate::core::failure::{FetchError, FetchErrorKind};
    use crate::core::observation::{CopyState, Origin, ProbeFailure, RawOutput};
    use crate::core::outcome::{ApplyError, Outcome};
    use crate::core::overrides::Overrides;
    use crate::core::progress::Event;
    use crate::core::tool::Tool;
    use crate::tui::update::tests::{fresh, observation, ready};
    use crate::tui::update::update;

    fn draw(m: &Model, w: u16, h: u16) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| view(m, f)).unwrap();
        t
    }

    fn screen(m: &Model, w: u16, h: u16) -> String {
        draw(m, w, h).backend().to_string()
    }

    fn key(m: &mut Model, k: Key) {
        update(m, Msg::Key(k));
    }

    fn select(m: &mut Model, tool: Tool) {
        m.selected = m.rows.iter().position(|r| r.tool == tool).unwrap();
    }

    fn applying() -> Model {
        let mut m = ready();
        key(&mut m, Key::Char('a'));
        key(&mut m, Key::Char('y'));
        let s = Duration::from_millis;
        let ev = |m: &mut Model, e: Event, at: u64| {
            update(m, Msg::Progress(e, s(at)));
        };
        ev(
            &mut m,
            Event::Phase {
                tool: Tool::Helm,
                phase: crate::core::progress::Phase::Download,
                detail: String::new(),
            },
            100,
        );
        ev(
            &mut m,
            Event::Bytes {
                tool: Tool::Helm,
                done: 0,
                total: Some(16_000_000),
            },
            100,
        );
        ev(
            &mut m,
            Event::Bytes {
                tool: Tool::Helm,
                done: 8_000_000,
                total: Some(16_000_000),
            },
            1100,
        );
        ev(
            &mut m,
            Event::Phase {
                tool: Tool::Minikube,
                phase: crate::core::progress::Phase::Verify,
                detail: String::new(),
            },
            1100,
        );
        ev(
            &mut m,
            Event::Phase {
                tool: Tool::Kubectl,
                phase: crate::core::progress::Phase::Reprobe,
                detail: String::new(),
            },
            1100,
        );
        m.selected = m.rows.iter().position(|r| r.tool == Tool::Helm).unwrap();
        m
    }

    fn done() -> Model {
        let mut m = applying();
        update(
            &mut m,
            Msg::Applied {
                outcomes: vec![
                    Outcome {
                        tool: Tool::Helm,
                        done: Done::Installed {
                            version: "3.17.0".into(),
                            dest: "/h/.aladdin/bin/helm".into(),
                        },
                    },
                    Outcome {
                        tool: Tool::Kubectl,
                        done: Done::Installed {
                            version: "1.30.6".into(),
                            dest: "/h/.aladdin/bin/kubectl".into(),
                        },
                    },
                    Outcome {
                        tool: Tool::Minikube,
                        done: Done::Installed {
                            version: "1.35.0".into(),
                            dest: "/h/.aladdin/bin/minikube".into(),
                        },
                    },
                    Outcome {
                        tool: Tool::Virtualbox,
                        done: Done::Failed(ApplyError::Fetch(FetchError::new(
                            "https://download.virtualbox.org/virtualbox/7.2.10/SHA256SUMS",
                            FetchErrorKind::NotFound { status: 404 },
                        ))),
                    },
                ],
                overrides: Overrides::default(),
            },
        );
        for t in Tool::ALL {
            let mut o = observation(t);
            match t {
                Tool::Helm | Tool::Kubectl | Tool::Minikube => {
                    let v = m.manifest.get(t).unwrap().version.clone();
                    o.copies = vec![copy(
                        &format!("/h/.aladdin/bin/{t}"),
                        Origin::Path(0),
                        read(&v),
                    )];
                }
                _ => {}
            }
            update(
                &mut m,
                Msg::Probed {
                    generation: 2,
                    observation: o,
                },
            );
        }
        m
    }

    #[test]
    fn snapshots_at_80x24_and_120x40() {
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            let mut probing = fresh();
            update(
                &mut probing,
                Msg::Probed {
                    generation: 1,
                    observation: observation(Tool::Docker),
                },
            );
            insta::assert_snapshot!(format!("probing_{w}x{h}"), screen(&probing, w, h));

            let mixed = ready();
            insta::assert_snapshot!(format!("mixed_{w}x{h}"), screen(&mixed, w, h));

            let mut prompt = ready();
            select(&mut prompt, Tool::Kubectl);
            key(&mut prompt, Key::Enter);
            insta::assert_snapshot!(format!("prompt_{w}x{h}"), screen(&prompt, w, h));

            let mut reason = prompt.clone();
            key(&mut reason, Key::Char('k'));
            for c in "gcloud".chars() {
                key(&mut reason, Key::Char(c));
            }
            insta::assert_snapshot!(format!("reason_{w}x{h}"), screen(&reason, w, h));

            // Details of a row with a shadowed pin and of one whose probe failed.
            let mut details = fresh();
            for t in Tool::ALL {
                let mut o = observation(t);
                if t == Tool::Kubectl {
                    o.copies.push(copy(
                        "/h/.aladdin/bin/kubectl",
                        Origin::Path(3),
                        read("1.30.6"),
                    ));
                }
                if t == Tool::Minikube {
                    o.copies = vec![copy(
                        "/usr/bin/minikube",
                        Origin::Path(1),
                        CopyState::Failed {
                            failure: ProbeFailure::NoVersion {
                                command: "minikube version".into(),
                                exit: Some(1),
                                said: Some("Error: unknown command".into()),
                            },
                            output: Some(RawOutput::new(
                                "",
                                "Error: unknown command \"version\"\n",
                                1,
                            )),
                        },
                    )];
                }
                update(
                    &mut details,
                    Msg::Probed {
                        generation: 1,
                        observation: o,
                    },
                );
            }
            select(&mut details, Tool::Kubectl);
            key(&mut details, Key::Char('d'));
            insta::assert_snapshot!(format!("details_shadowed_{w}x{h}"), screen(&details, w, h));
            select(&mut details, Tool::Minikube);
            insta::assert_snapshot!(
                format!("details_failed_probe_{w}x{h}"),
                screen(&details, w, h)
            );

            insta::assert_snapshot!(format!("applying_{w}x{h}"), screen(&applying(), w, h));
            insta::assert_snapshot!(format!("done_{w}x{h}"), screen(&done(), w, h));

            let mut sudo = ready();
            key(&mut sudo, Key::Char('a'));
            key(&mut sudo, Key::Char('y'));
            update(
                &mut sudo,
                Msg::Applied {
                    outcomes: vec![Outcome {
                        tool: Tool::Virtualbox,
                        done: Done::InstallerReady {
                            installer: "/c/sha256/ab/VirtualBox-7.2.10-174163-Linux_amd64.run"
                                .into(),
                            vm_running: true,
                            sudo_allowed: false,
                        },
                    }],
                    overrides: Overrides::default(),
                },
            );
            insta::assert_snapshot!(format!("sudo_{w}x{h}"), screen(&sudo, w, h));
        }
    }

    #[test]
    fn the_cluster_section_its_confirmation_and_a_running_fix() {
        use crate::cluster::minikube::MinikubeState;
        use crate::tui::update::tests::{cluster_rows, with_cluster};
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            let mut m = with_cluster(cluster_rows(MinikubeState::Stopped, "prod-eu"));
            insta::assert_snapshot!(format!("cluster_{w}x{h}"), screen(&m, w, h));
            key(&mut m, Key::Char('f'));
            insta::assert_snapshot!(format!("cluster_confirm_{w}x{h}"), screen(&m, w, h));
            key(&mut m, Key::Char('y'));
            update(
                &mut m,
                Msg::ClusterStep(
                    "minikube start --driver=virtualbox --kubernetes-version=v1.30.6".into(),
                ),
            );
            update(
                &mut m,
                Msg::ClusterLine("* Starting \x1b]0;pwned\x07 VM".into()),
            );
            let s = screen(&m, w, h);
            insta::assert_snapshot!(format!("cluster_fixing_{w}x{h}"), s);
            assert!(s.contains("\\x1b]0;pwned\\x07"), "{s}");
        }
    }

    #[test]
    fn a_stalled_then_retried_download_says_so() {
        let mut m = applying();
        select(&mut m, Tool::Helm);
        let at = |ms: u64| Duration::from_millis(ms);
        // 8 MB arrived at 1.1 s; nothing since.
        update(&mut m, Msg::Tick(at(2_500)));
        assert!(!screen(&m, 120, 40).contains("stalled"));
        update(&mut m, Msg::Tick(at(13_200)));
        let s = screen(&m, 120, 40);
        assert!(s.contains("stalled 12s"), "{s}");
        assert!(s.contains("no data for 12 s"), "{s}");
        update(
            &mut m,
            Msg::Progress(
                Event::Retry {
                    tool: Tool::Helm,
                    attempt: 2,
                    of: 3,
                    error: "no data for 30 s".into(),
                },
                at(13_300),
            ),
        );
        let s = screen(&m, 120, 40);
        assert!(s.contains("2/3 retrying"), "{s}");
        assert!(
            s.contains("attempt 2 of 3 (the last one failed: no data for 30 s)"),
            "{s}"
        );
        // The new attempt's bytes: no longer stalled, still attempt 2.
        update(
            &mut m,
            Msg::Progress(
                Event::Bytes {
                    tool: Tool::Helm,
                    done: 9_000_000,
                    total: Some(16_000_000),
                },
                at(14_000),
            ),
        );
        update(&mut m, Msg::Tick(at(14_100)));
        let s = screen(&m, 120, 40);
        assert!(!s.contains("stalled"), "{s}");
        assert!(s.contains("attempt 2 of 3"), "{s}");
    }

    #[test]
    fn failures_are_named_in_the_status_line_and_told_in_full_in_the_details() {
        let mut m = done();
        let s = screen(&m, 80, 24);
        assert!(s.contains("1 failed (virtualbox)"), "{s}");
        select(&mut m, Tool::Virtualbox);
        key(&mut m, Key::Char('d'));
        let s = screen(&m, 120, 40);
        assert!(s.contains("Last apply"), "{s}");
        let Some(Done::Failed(e)) = m.rows[1].outcome.as_ref().map(|o| o.done.clone()) else {
            panic!("virtualbox did not fail in done()");
        };
        let full = render::apply_error(&e);
        assert!(s.contains(&full[..full.len().min(60)]), "{full}\n{s}");
    }

    #[test]
    fn hints_in_the_tui_are_keys_and_cut_columns_end_in_an_ellipsis() {
        let mut m = ready();
        for t in [Tool::Helm, Tool::Virtualbox, Tool::Minikube] {
            select(&mut m, t);
            let s = screen(&m, 120, 40);
            let pane: String = s.lines().skip(9).collect::<Vec<_>>().join("\n");
            assert!(
                !pane.contains("aladdin-doctor "),
                "{t}: a shell command in the TUI's hint:\n{s}"
            );
        }
        let s = screen(&m, 80, 24);
        assert!(s.contains("/usr/bin/dock…"), "{s}");
    }

    #[test]
    fn what_tools_print_is_shown_escaped() {
        let mut m = fresh();
        for t in Tool::ALL {
            let mut o = observation(t);
            if t == Tool::Kubectl {
                o.copies = vec![copy(
                    "/usr/bin/kubectl",
                    Origin::Path(1),
                    CopyState::Failed {
                        failure: ProbeFailure::NoVersion {
                            command: "kubectl version --client".into(),
                            exit: Some(0),
                            said: Some("\x1b]0;pwned\x07".into()),
                        },
                        output: Some(RawOutput::new("\x1b[2Jfake\n", "", 0)),
                    },
                )];
            }
            update(
                &mut m,
                Msg::Probed {
                    generation: 1,
                    observation: o,
                },
            );
        }
        select(&mut m, Tool::Kubectl);
        let s = screen(&m, 120, 40);
        assert!(s.contains("\\x1b]0;pwned\\x07"), "{s}");
        key(&mut m, Key::Char('d'));
        let s = screen(&m, 120, 40);
        assert!(s.contains("\\x1b[2Jfake"), "{s}");
    }

    #[test]
    fn help_lists_every_key() {
        let mut m = ready();
        key(&mut m, Key::Char('?'));
        let s = screen(&m, 80, 24);
        for k in ["j k", "i k n s", "apply", "re-probe", "details", "quit"] {
            assert!(s.contains(k), "{k}:\n{s}");
        }
        key(&mut m, Key::Char('x'));
        assert!(!screen(&m, 80, 24).contains("this help"));
    }

    #[test]
    fn too_small_says_so_and_recovers() {
        let m = ready();
        let s = screen(&m, 79, 24);
        assert!(s.contains("at least 80×24"), "{s}");
        assert!(s.contains("79×24"), "{s}");
        assert!(s.contains("--check"), "{s}");
        assert!(screen(&m, 80, 23).contains("80×23"));
        assert!(screen(&m, 80, 24).contains(" Tools "));
    }

    #[test]
    fn colour_only_when_allowed_and_never_alone() {
        let mut m = ready();
        let colours = |t: &Terminal<TestBackend>| {
            t.backend()
                .buffer()
                .content()
                .iter()
                .filter(|c| c.fg != Color::Reset)
                .count()
        };
        assert_eq!(colours(&draw(&m, 80, 24)), 0, "NO_COLOR: no colour at all");
        m.colour = true;
        let t = draw(&m, 80, 24);
        assert!(colours(&t) > 0);
        // The words are there with or without colour.
        let s = t.backend().to_string();
        for w in ["✓ ok", "✗ missing", "! drift"] {
            assert!(s.contains(w), "{w}");
        }
    }
}
