//! The cluster section: one line per check, fixes under it, a running fix's output.

use super::*;

/// The cluster section: one line per check, the fix under a row that fails, and while a fix
/// runs its command and last lines of output.
pub(super) fn cluster_lines(
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
