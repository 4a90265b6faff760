//! Around the table: the header, the status line and the footer of keys.

use super::*;

pub(super) fn header(m: &Model, t: &Theme, f: &mut Frame, area: Rect) {
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

pub(super) fn status_line(m: &Model) -> String {
    let summary = phase_line(m);
    match m.status.as_deref().map(inert) {
        Some(s) if matches!(m.phase, Phase::Ready | Phase::Done) => format!("{s} · {summary}"),
        Some(s) => s.into_owned(),
        None => summary,
    }
}

pub(super) fn phase_line(m: &Model) -> String {
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
                m.phase == Phase::Done && installed > 0 && crate::tui::update::path_step_offered(m);
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

pub(super) fn footer_line(m: &Model, t: &Theme, width: u16) -> Line<'static> {
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
        let (commands, switch) = crate::tui::update::cluster_offer(c);
        !commands.is_empty() || switch.is_some()
    });
    let keys: Vec<&(&str, &str)> = keys
        .iter()
        .filter(|(k, _)| match *k {
            "f" => cluster_fixable,
            "p" => crate::tui::update::path_step_offered(m),
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
