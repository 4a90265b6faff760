//! Popups over the screen: help, the plan to confirm, sudo, the cluster fix, the PATH step.

use super::*;

/// The popup the mode calls for, over everything else.
pub(super) fn popups(m: &Model, t: &Theme, f: &mut Frame, area: Rect) {
    match &m.mode {
        Mode::Help => {
            let text = help_text(t);
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
pub(super) fn inert_text_owned(lines: Vec<Line<'static>>) -> Text<'static> {
    Text::from(inert_text(lines))
}

pub(super) fn help_text(t: &Theme) -> Text<'static> {
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
pub(super) fn popup_fit(f: &mut Frame, area: Rect, title: &str, text: Text<'static>, w: u16) {
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

pub(super) fn popup(f: &mut Frame, area: Rect, title: &str, text: Text<'static>, w: u16, h: u16) {
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
