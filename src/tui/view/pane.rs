//! The lower pane: the selected tool's summary, hint (keys, not commands) and details.

use super::*;

pub(super) fn lower_pane(m: &Model, t: &Theme, f: &mut Frame, area: Rect) {
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
pub(super) fn transfer_sentence(m: &Model, tr: &Transfer) -> String {
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

pub(super) fn summary(
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
pub(super) fn tui_hint(m: &Model, r: &Row, fd: &Finding) -> Option<String> {
    let bin = m.layout.bin_dir.display();
    let choices = r.choices();
    let failed = r.outcome.as_ref().is_some_and(|o| o.failed());
    let path_step = || {
        if !crate::tui::update::path_step_offered(m) {
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

pub(super) fn details(m: &Model, r: &Row, fd: &Finding, t: &Theme, lines: &mut Vec<Line<'static>>) {
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

pub(super) fn version_or_error(s: &Seen) -> String {
    match (&s.version, &s.error) {
        (Some(v), _) => v.clone(),
        (None, Some(e)) => render::seen_error(e),
        (None, None) => "?".into(),
    }
}
