//! The tools table: a row per tool, its action column and the in-place prompt.

use super::*;

pub(super) fn found_text(f: &Finding) -> String {
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

pub(super) fn human_bytes(n: f64) -> String {
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

pub(super) fn transfer_text(m: &Model, tr: &Transfer) -> String {
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

pub(super) fn action_cell(m: &Model, r: &Row, t: &Theme) -> Line<'static> {
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

pub(super) fn rows(m: &Model, t: &Theme, f: &mut Frame, area: Rect) {
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
pub(super) fn prompt_line(m: &Model, r: &Row, t: &Theme) -> Option<Line<'static>> {
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
