//! PURE: findings (and, after an apply, outcomes) → text (a row per tool, ✓ / ! / ✗ and a
//! word) and JSON (README, "JSON report").

use std::fmt::Write as _;

use serde::Serialize;

use crate::cluster::render::Rendered;
use crate::cluster::rows::RowStatus;
use crate::core::diagnose::{Finding, Fix, Layout, Note, Remedy, Seen, SeenError, Status};
use crate::core::failure::FetchError;
use crate::core::inert::inert;
use crate::core::outcome::{Done, Outcome};
use crate::core::plan::{Action, Checksum, Download, Plan};
use crate::core::render;
use crate::core::wrap;

/// How a report is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    Json,
}

/// What the report says about the run as a whole.
#[derive(Clone, Debug)]
pub(crate) struct Header {
    pub(crate) layout: Layout,
    /// Where the pins came from (`versions.toml (embedded)` or a path).
    pub(crate) manifest: String,
}

/// The mark and word of a row: never colour alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    Good,
    Warn,
    Bad,
}

impl Mark {
    pub(crate) fn of(f: &Finding) -> Mark {
        match f.status {
            Status::Ok | Status::Overridden | Status::NotNeeded if f.fix().is_none() => Mark::Good,
            Status::Missing => Mark::Bad,
            _ => Mark::Warn,
        }
    }
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Mark::Good => "✓",
            Mark::Warn => "!",
            Mark::Bad => "✗",
        }
    }
    fn colour(self) -> &'static str {
        match self {
            Mark::Good => "\x1b[32m",
            Mark::Warn => "\x1b[33m",
            Mark::Bad => "\x1b[31m",
        }
    }
}

/// The word shown for a row: the status, or what is wrong despite it.
pub(crate) fn verdict(f: &Finding) -> &'static str {
    match (f.status, f.fix()) {
        (Status::Ok, Some(_)) => "attention",
        (s, _) => s.word(),
    }
}

pub(crate) fn cluster_mark(s: RowStatus) -> Mark {
    match s {
        RowStatus::Ok | RowStatus::Skipped => Mark::Good,
        RowStatus::Warning => Mark::Warn,
        RowStatus::Failed => Mark::Bad,
    }
}

pub(crate) fn cluster_symbol(s: RowStatus) -> &'static str {
    match s {
        RowStatus::Ok => "✓",
        RowStatus::Warning => "!",
        RowStatus::Failed => "✗",
        RowStatus::Skipped => "–",
    }
}

const RESET: &str = "\x1b[0m";
const DIM: &str = "\x1b[2m";

fn outcome_of<'a>(outcomes: &'a [Outcome], f: &Finding) -> Option<&'a Outcome> {
    outcomes.iter().find(|o| o.tool == f.tool)
}

/// How many of a failed cluster fix's last lines the text report shows (JSON has them all).
const CLUSTER_OUTPUT_LINES: usize = 6;
/// How the text report is laid out: colour (decided by the context: `--color`, `NO_COLOR`,
/// `CLICOLOR_FORCE`, a terminal) and the terminal's width to wrap long lines to (None: off a
/// terminal, nothing is wrapped).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Style {
    pub(crate) colour: bool,
    pub(crate) width: Option<usize>,
}

pub(crate) fn text(
    findings: &[Finding],
    outcomes: &[Outcome],
    cluster: Option<&[Rendered]>,
    header: &Header,
    style: Style,
) -> String {
    let colour = style.colour;
    let paint = |mark: Mark, s: &str| {
        if colour {
            format!("{}{s}{RESET}", mark.colour())
        } else {
            s.to_string()
        }
    };
    let dim = |s: &str| {
        if colour {
            format!("{DIM}{s}{RESET}")
        } else {
            s.to_string()
        }
    };
    // A detail line, wrapped to the terminal with its continuation lines under its text.
    let detail = |out: &mut String, line: &str| {
        let line = inert(line);
        match style.width {
            Some(w) if line.chars().count() + 4 > w => {
                let (lead, rest) = line.split_at(line.find(' ').map_or(0, |i| i + 1));
                let first = format!("    {lead}");
                let indent = " ".repeat(4 + lead.chars().count());
                for l in wrap::wrap(rest, w, &first, &indent) {
                    let _ = writeln!(out, "{}", l.trim_end());
                }
            }
            _ => {
                let _ = writeln!(out, "    {line}");
            }
        }
    };
    let mut out = String::new();
    let l = &header.layout;
    let on_path = match l.bin_dir_index {
        Some(0) => "first on PATH",
        Some(_) => "on PATH, not first",
        None => "not on PATH",
    };
    let _ = writeln!(
        out,
        "{}",
        dim(&format!(
            "aladdin-doctor · {} · pins from {} · bin dir {} ({on_path})",
            l.platform,
            inert(&header.manifest),
            inert(&l.bin_dir.display().to_string())
        ))
    );
    let _ = writeln!(out);

    // Downloads that never reached their host are said once, at the end, for every tool.
    let unreachable: Vec<(&Finding, &FetchError)> = findings
        .iter()
        .filter_map(|f| Some((f, outcome_of(outcomes, f).and_then(Outcome::unreachable)?)))
        .collect();

    let found_w = findings
        .iter()
        .map(|f| found_text(f).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(7, 24);
    for f in findings {
        let mark = Mark::of(f);
        let found = found_text(f);
        let path = f
            .found
            .as_ref()
            .map(|s| inert(&s.path.display().to_string()).into_owned())
            .unwrap_or_default();
        let row = format!(
            "[{}] {:<10} {} {:<found_w$}  pinned {:<14} {}",
            paint(mark, mark.symbol()),
            f.tool.name(),
            paint(mark, &format!("{:<10}", verdict(f))),
            found,
            inert(&f.pinned),
            path
        );
        let _ = writeln!(out, "{}", row.trim_end());
        let lines = match unreachable.iter().find(|(u, _)| u.tool == f.tool) {
            Some((_, e)) => {
                let mut lines = detail_lines(f, None, l);
                lines.retain(|line| !line.starts_with('→'));
                lines.push(format!("• not installed: {}", render::unreachable(e)));
                lines
            }
            None => detail_lines(f, outcome_of(outcomes, f), l),
        };
        for line in lines {
            detail(&mut out, &line);
        }
    }

    if let Some(rows) = cluster {
        let _ = writeln!(out);
        let _ = writeln!(out, "Cluster");
        for r in rows {
            let mark = cluster_mark(r.status);
            let word = format!("{:<8}", r.status.word());
            let line = format!(
                "[{}] {:<22} {} {}",
                paint(mark, cluster_symbol(r.status)),
                inert(&r.name),
                paint(mark, &word),
                inert(&r.detail)
            );
            let _ = writeln!(out, "{}", line.trim_end());
            for ran in &r.ran {
                let line = match &ran.error {
                    None => format!("ran `{}`: ok", ran.command),
                    Some(e) => format!("ran `{}`: {e}", ran.command),
                };
                let _ = writeln!(out, "    {}", inert(&line));
                // Its last lines, which say why (minikube's reason codes, helm's errors).
                let from = ran.output.len().saturating_sub(CLUSTER_OUTPUT_LINES);
                for l in &ran.output[from..] {
                    let _ = writeln!(out, "      {}", dim(&format!("│ {}", inert(l))));
                }
            }
            if let Some(h) = &r.hint {
                let _ = writeln!(out, "    → {}", inert(h));
            }
        }
    }

    let total = findings.len();
    let bad = findings.iter().filter(|f| !f.satisfied()).count();
    let _ = writeln!(out);
    let cluster_bad: Vec<&str> = cluster.map_or(Vec::new(), |rows| {
        rows.iter()
            .filter(|r| r.status == RowStatus::Failed || r.fails)
            .map(|r| r.name.as_str())
            .collect()
    });
    if !cluster_bad.is_empty() {
        let n = cluster_bad.len();
        let _ = writeln!(
            out,
            "{} {n} cluster check{} need{} attention: {}.",
            paint(Mark::Bad, "✗"),
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
            inert(&cluster_bad.join(", ")),
        );
    } else if let Some(r) = cluster.and_then(|rows| rows.iter().find(|r| r.unverified)) {
        let _ = writeln!(
            out,
            "{} The cluster was not checked: {} {}.",
            paint(Mark::Warn, "!"),
            inert(&r.name),
            inert(&r.detail)
        );
    } else if let Some(rows) = cluster {
        let checked = rows
            .iter()
            .filter(|r| r.status != RowStatus::Skipped)
            .count();
        let warnings = rows
            .iter()
            .filter(|r| r.status == RowStatus::Warning)
            .count();
        let _ = writeln!(
            out,
            "{} The cluster works: {checked} check{}{}.",
            paint(Mark::Good, "✓"),
            if checked == 1 { "" } else { "s" },
            match warnings {
                0 => String::new(),
                1 => ", 1 warning".into(),
                n => format!(", {n} warnings"),
            }
        );
    }
    if bad == 0 {
        let _ = writeln!(
            out,
            "{} {}",
            paint(Mark::Good, "✓"),
            satisfied_summary(findings)
        );
    } else {
        // `--fix` is suggested only for what it has not just tried.
        let installable = findings
            .iter()
            .any(|f| f.fix() == Some(Fix::Install) && outcome_of(outcomes, f).is_none());
        let _ = writeln!(
            out,
            "{} {bad} of {total} tool{} need{} attention{}",
            paint(Mark::Warn, "!"),
            if total == 1 { "" } else { "s" },
            if bad == 1 { "s" } else { "" },
            if installable {
                "; `aladdin-doctor --fix` installs the pinned releases."
            } else {
                "."
            }
        );
    }
    if !unreachable.is_empty() {
        let mut hosts: Vec<&str> = Vec::new();
        for (_, e) in &unreachable {
            let h = render::host_of(&e.url);
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
        let tools: Vec<&str> = unreachable.iter().map(|(f, _)| f.tool.name()).collect();
        let line = format!(
            "{} not installed: {}",
            tools.join(", "),
            render::no_network(&hosts)
        );
        match style.width {
            Some(w) => {
                for l in wrap::wrap(
                    &inert(&line),
                    w,
                    &format!("{} ", paint(Mark::Bad, "✗")),
                    "  ",
                ) {
                    let _ = writeln!(out, "{l}");
                }
            }
            None => {
                let _ = writeln!(out, "{} {}", paint(Mark::Bad, "✗"), inert(&line));
            }
        }
    }
    out
}

/// The last line when every tool is satisfied: how, so that an override or a tool marked not
/// needed is never summarised as "as pinned".
fn satisfied_summary(findings: &[Finding]) -> String {
    let total = findings.len();
    let accepted = |f: &Finding| f.notes.iter().any(|n| matches!(n, Note::Accepted { .. }));
    let group = |pick: &dyn Fn(&Finding) -> bool| -> Vec<&'static str> {
        findings
            .iter()
            .filter(|f| pick(f))
            .map(|f| f.tool.name())
            .collect()
    };
    let pinned = group(&|f| f.status == Status::Ok && !accepted(f));
    let accepted = group(&|f| f.status == Status::Ok && accepted(f));
    let overridden = group(&|f| f.status == Status::Overridden);
    let not_needed = group(&|f| f.status == Status::NotNeeded);
    if pinned.len() == total {
        return if total == 1 {
            "The tool is as pinned.".to_string()
        } else {
            format!("All {total} tools are as pinned.")
        };
    }
    let mut parts = Vec::new();
    if !pinned.is_empty() {
        parts.push(format!("{} as pinned", pinned.len()));
    }
    for (names, word) in [
        (accepted, "accepted"),
        (overridden, "overridden"),
        (not_needed, "not needed"),
    ] {
        if !names.is_empty() {
            parts.push(format!("{} {word} ({})", names.len(), names.join(", ")));
        }
    }
    if total == 1 {
        format!("The tool is satisfied: {}.", parts.join(", "))
    } else {
        format!("All {total} tools are satisfied: {}.", parts.join(", "))
    }
}

fn found_text(f: &Finding) -> String {
    match &f.found {
        None => "—".into(),
        Some(s) => s
            .version
            .as_deref()
            .map_or_else(|| "?".into(), |v| inert(v).into_owned()),
    }
}

fn detail_lines(f: &Finding, outcome: Option<&Outcome>, layout: &Layout) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(e) = f.found.as_ref().and_then(|s| s.error.as_ref()) {
        lines.push(format!("• {}", render::seen_error(e)));
    }
    for o in &f.others {
        lines.push(format!("• also {}", describe_other(o, f.found.as_ref())));
    }
    for n in &f.notes {
        lines.push(format!("• {}", render::note(n, &f.pinned)));
    }
    if let Some(n) = outcome.and_then(render::outcome_note) {
        lines.push(format!("• {n}"));
    }
    if let Some(h) = render::hint(f, outcome, layout) {
        lines.push(format!("→ {h}"));
    }
    lines
}

fn describe_other(o: &Seen, found: Option<&Seen>) -> String {
    let what = match (&o.version, &o.error) {
        (Some(v), _) => v.clone(),
        (None, Some(e)) => render::seen_error(e),
        (None, None) => "?".into(),
    };
    let why = if o.in_bin_dir && !o.reachable {
        " (bin dir, not on PATH)".to_string()
    } else if let Some(f) = found {
        if o.version.is_some() {
            format!(" (shadowed by {})", f.path.display())
        } else {
            String::new()
        }
    } else {
        String::new()
    };
    format!("{}: {what}{why}", o.path.display())
}

// ----- JSON -----------------------------------------------------------------------------------

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: u32,
    ok: bool,
    platform: String,
    bin_dir: String,
    bin_dir_on_path: bool,
    manifest: &'a str,
    /// `--fix --dry-run`: every tool has a `plan`.
    #[serde(skip_serializing_if = "Option::is_none")]
    dry_run: Option<bool>,
    tools: Vec<JsonTool<'a>>,
    /// With `--cluster`: one object per cluster check.
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<&'a [Rendered]>,
}

#[derive(Serialize)]
struct JsonTool<'a> {
    name: &'static str,
    pinned: &'a str,
    accept: Option<&'a str>,
    found: Option<&'a str>,
    path: Option<String>,
    status: Status,
    fix: Option<Fix>,
    /// The typed remedy `fix` summarises.
    remedy: &'a Remedy,
    others: Vec<JsonOther<'a>>,
    hint: Option<String>,
    error: Option<String>,
    error_kind: Option<&'static str>,
    notes: Vec<String>,
    #[serde(rename = "override")]
    kept: Option<JsonOverride<'a>>,
    /// `override TOOL --not-needed`: the mark, when the tool is `not_needed`.
    not_needed: Option<JsonNotNeeded<'a>>,
    /// What `--fix` (or the TUI) did; absent for `--check`.
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<JsonOutcome>,
    /// What `--fix` would do (`--fix --dry-run`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<JsonPlan<'a>>,
}

/// `--fix --dry-run --format json`: the planned action, typed.
#[derive(Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
enum JsonPlan<'a> {
    /// Satisfied: nothing to do.
    None,
    /// Download, verify, install into the bin dir, re-probe.
    Install(JsonDownload<'a>),
    /// VirtualBox: download and verify the system installer (installing it needs admin rights).
    Installer(JsonDownload<'a>),
    /// Nothing aladdin-doctor can do: `hint` says what the user can.
    Manual,
    /// Not attempted: it could not be verified.
    Refused {
        error_kind: &'static str,
        message: String,
    },
}

#[derive(Serialize)]
struct JsonDownload<'a> {
    from: Option<&'a str>,
    to: &'a str,
    url: &'a str,
    upstream_url: &'a str,
    archive: &'static str,
    member: Option<&'a str>,
    checksum: JsonChecksum<'a>,
    dest: String,
}

#[derive(Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
enum JsonChecksum<'a> {
    Pinned { sha256: &'a str },
    Published { url: &'a str, upstream_url: &'a str },
}

fn json_plan<'a>(a: Option<&'a Action>) -> JsonPlan<'a> {
    let download = |d: &'a Download| JsonDownload {
        from: d.from.as_deref(),
        to: &d.to,
        url: &d.url,
        upstream_url: &d.upstream_url,
        archive: d.archive.name(),
        member: d.member.as_deref(),
        checksum: match &d.checksum {
            Checksum::Pinned(h) => JsonChecksum::Pinned { sha256: h },
            Checksum::Url { url, upstream } => JsonChecksum::Published {
                url,
                upstream_url: upstream,
            },
        },
        dest: d.dest.display().to_string(),
    };
    match a {
        None => JsonPlan::None,
        Some(Action::Install(d)) => JsonPlan::Install(download(d)),
        Some(Action::Installer(d)) => JsonPlan::Installer(download(d)),
        Some(Action::Manual { .. }) => JsonPlan::Manual,
        Some(Action::Refuse(r)) => JsonPlan::Refused {
            error_kind: refusal_kind(r),
            message: render::refusal(r),
        },
    }
}

fn refusal_kind(r: &crate::core::outcome::Refusal) -> &'static str {
    match r {
        crate::core::outcome::Refusal::NoChecksum { .. } => "no_checksum",
        crate::core::outcome::Refusal::InsecureChecksum { .. } => "insecure_checksum",
    }
}

#[derive(Serialize)]
struct JsonOther<'a> {
    path: String,
    found: Option<&'a str>,
    error: Option<String>,
    error_kind: Option<&'static str>,
    in_bin_dir: bool,
    satisfies: bool,
}

#[derive(Serialize)]
struct JsonNotNeeded<'a> {
    reason: Option<&'a str>,
    recorded: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonOverride<'a> {
    version: &'a str,
    reason: Option<&'a str>,
    recorded: Option<&'a str>,
}

/// `--fix --format json`: what happened, as typed fields.
#[derive(Serialize)]
struct JsonOutcome {
    /// installed | installer_ready | kept | refused | failed | cancelled
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    /// For `failed`: what failed (see README, "JSON report").
    #[serde(skip_serializing_if = "Option::is_none")]
    error_kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

fn json_outcome(o: &Outcome) -> JsonOutcome {
    let mut j = JsonOutcome {
        result: "",
        version: None,
        path: None,
        error_kind: None,
        message: None,
    };
    match &o.done {
        Done::Installed { version, dest } => {
            j.result = "installed";
            j.version = Some(version.clone());
            j.path = Some(dest.display().to_string());
        }
        Done::InstallerReady { installer, .. } => {
            j.result = "installer_ready";
            j.path = Some(installer.display().to_string());
        }
        Done::Kept(e) => {
            j.result = "kept";
            j.version = Some(e.version.clone());
            j.path = Some(e.path.display().to_string());
        }
        Done::MarkedNotNeeded => j.result = "not_needed",
        Done::Refused(r) => {
            j.result = "refused";
            j.error_kind = Some(refusal_kind(r));
            j.message = Some(render::refusal(r));
        }
        Done::Failed(e) => {
            j.result = "failed";
            j.error_kind = Some(crate::core::outcome::error_kind(e));
            j.message = Some(render::apply_error(e));
        }
        Done::Cancelled => j.result = "cancelled",
    }
    j
}

fn error_kind(e: &SeenError) -> &'static str {
    match e {
        SeenError::NotExecutable => "not_executable",
        SeenError::Probe(p) => p.kind(),
    }
}

pub(crate) fn json(
    findings: &[Finding],
    outcomes: &[Outcome],
    cluster: Option<&[Rendered]>,
    header: &Header,
) -> String {
    json_report(findings, outcomes, cluster, None, header)
}

/// `--fix --dry-run --format json`: the report with each tool's planned action (and, with
/// `--cluster`, the cluster's rows as they are now, each with its typed fix).
pub(crate) fn json_dry_run(
    findings: &[Finding],
    plan: &Plan,
    cluster: Option<&[Rendered]>,
    header: &Header,
) -> String {
    json_report(findings, &[], cluster, Some(plan), header)
}

fn json_report(
    findings: &[Finding],
    outcomes: &[Outcome],
    cluster: Option<&[Rendered]>,
    plan: Option<&Plan>,
    header: &Header,
) -> String {
    let report = JsonReport {
        schema: 1,
        ok: findings.iter().all(Finding::satisfied)
            && !outcomes.iter().any(Outcome::failed)
            && !cluster.is_some_and(|rows| rows.iter().any(|r| r.fails)),
        cluster,
        platform: header.layout.platform.to_string(),
        bin_dir: header.layout.bin_dir.display().to_string(),
        bin_dir_on_path: header.layout.bin_dir_index.is_some(),
        manifest: &header.manifest,
        dry_run: plan.map(|_| true),
        tools: findings
            .iter()
            .map(|f| {
                let outcome = outcome_of(outcomes, f);
                let mut notes: Vec<String> =
                    f.notes.iter().map(|n| render::note(n, &f.pinned)).collect();
                notes.extend(outcome.and_then(render::outcome_note));
                let error = f.found.as_ref().and_then(|s| s.error.as_ref());
                JsonTool {
                    name: f.tool.name(),
                    pinned: &f.pinned,
                    accept: f.accept.as_deref(),
                    found: f.found_version(),
                    path: f.found.as_ref().map(|s| s.path.display().to_string()),
                    status: f.status,
                    fix: f.fix(),
                    remedy: &f.remedy,
                    others: f
                        .others
                        .iter()
                        .map(|o| JsonOther {
                            path: o.path.display().to_string(),
                            found: o.version.as_deref(),
                            error: o.error.as_ref().map(render::seen_error),
                            error_kind: o.error.as_ref().map(error_kind),
                            in_bin_dir: o.in_bin_dir,
                            satisfies: o.satisfies,
                        })
                        .collect(),
                    hint: render::hint(f, outcome, &header.layout),
                    error: error.map(render::seen_error),
                    error_kind: error.map(error_kind),
                    notes,
                    kept: f.kept.as_ref().map(|k| JsonOverride {
                        version: &k.version,
                        reason: k.reason.as_deref(),
                        recorded: k.recorded.as_deref(),
                    }),
                    not_needed: f.not_needed.as_ref().map(|n| JsonNotNeeded {
                        reason: n.reason.as_deref(),
                        recorded: n.recorded.as_deref(),
                    }),
                    outcome: outcome.map(json_outcome),
                    plan: plan.map(|p| json_plan(p.actions.iter().find(|a| a.tool() == f.tool))),
                }
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&report).expect("report serialises");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::diagnose::diagnose;
    use crate::core::diagnose::tests::{copy, layout, read};
    use crate::core::manifest::Manifest;
    use crate::core::observation::{CopyState, Observation, Origin, ProbeFailure};
    use crate::core::overrides::{OverrideEntry, Overrides};
    use crate::core::tool::Tool;

    /// One machine with every kind of row.
    fn findings() -> (Vec<Finding>, Header) {
        let m = Manifest::embedded().unwrap();
        let obs = vec![
            Observation {
                tool: Tool::Docker,
                copies: vec![copy("/usr/bin/docker", Origin::Path(1), read("27.3.1"))],
            },
            Observation {
                tool: Tool::Virtualbox,
                copies: vec![],
            },
            Observation {
                tool: Tool::Minikube,
                copies: vec![copy(
                    "/usr/local/bin/minikube",
                    Origin::Path(2),
                    CopyState::Failed {
                        failure: ProbeFailure::TimedOut {
                            command: "/usr/local/bin/minikube version".into(),
                            after: std::time::Duration::from_secs(15),
                        },
                        output: None,
                    },
                )],
            },
            Observation {
                tool: Tool::Kubectl,
                copies: vec![
                    copy(
                        "/usr/bin/kubectl",
                        Origin::Path(1),
                        read("1.32.4-dispatcher"),
                    ),
                    copy("/h/.aladdin/bin/kubectl", Origin::Path(3), read("1.30.6")),
                ],
            },
            Observation {
                tool: Tool::Helm,
                copies: vec![copy(
                    "/opt/helm/helm",
                    Origin::Path(0),
                    read("2.9.1+g20adb27"),
                )],
            },
        ];
        let mut overrides = Overrides::default();
        overrides.entries.insert(
            Tool::Helm,
            OverrideEntry {
                version: "2.9.1+g20adb27".into(),
                path: "/opt/helm/helm".into(),
                pin: "3.17.0".into(),
                reason: Some("legacy charts".into()),
                recorded: Some("2026-11-24T10:00:00Z".into()),
            },
        );
        let l = layout(Some(3));
        let f = diagnose(&m, &obs, &overrides, &l);
        (
            f,
            Header {
                layout: l,
                manifest: "versions.toml (embedded)".into(),
            },
        )
    }

    #[test]
    fn text_report() {
        let (f, h) = findings();
        insta::assert_snapshot!(text(&f, &[], None, &h, Style::default()));
    }

    #[test]
    fn text_report_colour_only_when_asked_and_never_alone() {
        let (f, h) = findings();
        let coloured = text(
            &f,
            &[],
            None,
            &h,
            Style {
                colour: true,
                width: None,
            },
        );
        assert!(coloured.contains("\x1b[31m✗\x1b[0m"));
        assert!(coloured.contains("\x1b[32m✓\x1b[0m"));
        // Strip the escapes: the same words and marks remain.
        let mut plain = String::new();
        let mut chars = coloured.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                plain.push(c);
            }
        }
        assert_eq!(plain, text(&f, &[], None, &h, Style::default()));
    }

    #[test]
    fn json_report() {
        let (f, h) = findings();
        let j = json(&f, &[], None, &h);
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v["ok"], false);
        insta::assert_snapshot!(j);
    }

    #[test]
    fn what_tools_print_cannot_reach_the_terminal_raw() {
        let m = Manifest::embedded().unwrap();
        let evil = "\x1b]0;pwned\x07\x1b[2J";
        let obs = vec![Observation {
            tool: Tool::Kubectl,
            copies: vec![copy(
                "/usr/bin/kubectl",
                Origin::Path(0),
                CopyState::Failed {
                    failure: ProbeFailure::NoVersion {
                        command: "kubectl version --client".into(),
                        exit: Some(0),
                        said: Some(format!("Client Version: {evil}")),
                    },
                    output: None,
                },
            )],
        }];
        let l = layout(Some(0));
        let f = diagnose(&m, &obs, &Overrides::default(), &l);
        let h = Header {
            layout: l,
            manifest: format!("/tmp/{evil}/versions.toml"),
        };
        for colour in [false, true] {
            let t = text(
                &f,
                &[],
                None,
                &h,
                Style {
                    colour,
                    width: None,
                },
            );
            assert!(
                !t.contains('\x07') && !t.contains("\x1b]") && !t.contains("\x1b[2J"),
                "{t:?}"
            );
            assert!(t.contains("Client Version: \\x1b]0;pwned\\x07"), "{t}");
        }
        // JSON keeps the exact bytes, escaped the JSON way.
        let j: serde_json::Value = serde_json::from_str(&json(&f, &[], None, &h)).unwrap();
        assert!(j["tools"][0]["error"].as_str().unwrap().contains(evil));
    }

    #[test]
    fn all_satisfied_summary() {
        let m = Manifest::embedded().unwrap();
        let obs = vec![Observation {
            tool: Tool::Kubectl,
            copies: vec![copy("/usr/bin/kubectl", Origin::Path(0), read("1.30.6"))],
        }];
        let l = layout(Some(0));
        let f = diagnose(&m, &obs, &Overrides::default(), &l);
        let t = text(
            &f,
            &[],
            None,
            &Header {
                layout: l.clone(),
                manifest: "m".into(),
            },
            Style::default(),
        );
        assert!(t.contains("✓ The tool is as pinned."), "{t}");
        assert!(
            json(
                &f,
                &[],
                None,
                &Header {
                    layout: l,
                    manifest: "m".into()
                }
            )
            .contains("\"ok\": true")
        );
    }
}

#[cfg(test)]
mod after_fix_tests {
    use super::*;
    use crate::core::diagnose::diagnose;
    use crate::core::diagnose::tests::{copy, layout, read};
    use crate::core::failure::{FetchErrorKind as K, InstallError, IoProblem, TlsProblem};
    use crate::core::manifest::Manifest;
    use crate::core::observation::{Observation, Origin};
    use crate::core::outcome::ApplyError;
    use crate::core::overrides::{NotNeeded, OverrideEntry, Overrides};
    use crate::core::tool::Tool;

    fn missing(tools: &[Tool]) -> Vec<Observation> {
        tools
            .iter()
            .map(|&tool| Observation {
                tool,
                copies: vec![],
            })
            .collect()
    }

    fn failed(tool: Tool, url: &str, kind: K) -> Outcome {
        Outcome {
            tool,
            done: Done::Failed(ApplyError::Fetch(FetchError::new(url, kind))),
        }
    }

    fn header() -> Header {
        Header {
            layout: layout(Some(0)),
            manifest: "versions.toml (embedded)".into(),
        }
    }

    #[test]
    fn offline_failures_are_summarised_once_and_never_answered_with_fix() {
        let m = Manifest::embedded().unwrap();
        let tools = [Tool::Minikube, Tool::Kubectl, Tool::Helm];
        let h = header();
        let f = diagnose(&m, &missing(&tools), &Overrides::default(), &h.layout);
        let dns = || K::Dns {
            detail: "dns error: failed to lookup address information".into(),
        };
        let outcomes = vec![
            failed(
                Tool::Minikube,
                "https://storage.googleapis.com/minikube/x",
                dns(),
            ),
            failed(
                Tool::Kubectl,
                "https://dl.k8s.io/release/v1.30.6/kubectl",
                dns(),
            ),
            failed(
                Tool::Helm,
                "https://get.helm.sh/helm.tar.gz",
                K::Connect {
                    detail: "connection refused".into(),
                },
            ),
        ];
        let t = text(&f, &outcomes, None, &h, Style::default());
        assert!(!t.contains("--fix"), "{t}");
        assert_eq!(t.matches("no network").count(), 1, "{t}");
        assert!(
            t.contains("✗ minikube, kubectl, helm not installed: no network: could not reach storage.googleapis.com, dl.k8s.io, get.helm.sh; use --mirror URL"),
            "{t}"
        );
        assert!(
            t.contains("• not installed: cannot resolve dl.k8s.io"),
            "{t}"
        );
        assert!(
            t.contains("• not installed: cannot connect to get.helm.sh"),
            "{t}"
        );
        assert!(
            !t.contains("lookup address"),
            "the resolver's words stay out: {t}"
        );
        // One line per tool and the summary: nowhere near 25.
        assert!(t.lines().count() <= 4 + 2 * tools.len() + 2, "{t}");
        // JSON: the hint per tool says the same, typed next to it.
        let j: serde_json::Value = serde_json::from_str(&json(&f, &outcomes, None, &h)).unwrap();
        let k = &j["tools"][1];
        assert_eq!(k["outcome"]["error_kind"], "dns");
        assert!(
            k["hint"].as_str().unwrap().starts_with("no network"),
            "{k:#}"
        );
    }

    #[test]
    fn the_hint_after_a_failure_names_its_cause_and_the_next_step() {
        let m = Manifest::embedded().unwrap();
        let h = header();
        let f = diagnose(
            &m,
            &missing(&[Tool::Kubectl]),
            &Overrides::default(),
            &h.layout,
        );
        let url = "https://dl.k8s.io/release/v1.30.6/bin/linux/amd64/kubectl";
        let hint = |e: ApplyError| {
            let o = Outcome {
                tool: Tool::Kubectl,
                done: Done::Failed(e),
            };
            render::hint(&f[0], Some(&o), &h.layout).unwrap()
        };
        let fetch = |kind| ApplyError::Fetch(FetchError::new(url, kind));
        let cases: Vec<(ApplyError, &[&str])> = vec![
            (
                fetch(K::Io {
                    path: "/c/partial/x.partial".into(),
                    problem: IoProblem::Permission,
                    detail: "denied".into(),
                }),
                &["/c/partial/x.partial", "ALADDIN_DOCTOR_CACHE_DIR"],
            ),
            (
                ApplyError::Install {
                    dest: "/h/.aladdin/bin/kubectl".into(),
                    error: InstallError::Io {
                        path: "/h/.aladdin/bin/.tmp".into(),
                        problem: IoProblem::DiskFull,
                        detail: "no space".into(),
                    },
                },
                &["/h/.aladdin/bin/.tmp", "full", "--bin-dir", "ALADDIN_BIN"],
            ),
            (
                fetch(K::Tls {
                    problem: TlsProblem::UnknownIssuer,
                    detail: "invalid peer certificate: UnknownIssuer".into(),
                }),
                &["CA", "SSL_CERT_FILE"],
            ),
            (
                fetch(K::NotFound { status: 404 }),
                &["dl.k8s.io has no such file", "versions.toml"],
            ),
            (
                fetch(K::Server { status: 503 }),
                &["failed 3 times", "--mirror"],
            ),
            (fetch(K::Html), &["sign in"]),
            (fetch(K::ProxyAuth), &["HTTPS_PROXY"]),
        ];
        for (e, want) in cases {
            let h = hint(e);
            assert!(!h.contains("--fix"), "{h}");
            for w in want {
                assert!(h.contains(w), "{w:?} not in {h}");
            }
        }
    }

    #[test]
    fn overridden_and_not_needed_are_summarised_as_such() {
        let m = Manifest::embedded().unwrap();
        let h = header();
        let obs = vec![
            Observation {
                tool: Tool::Docker,
                copies: vec![copy("/usr/bin/docker", Origin::Path(1), read("27.3.1"))],
            },
            Observation {
                tool: Tool::Virtualbox,
                copies: vec![],
            },
            Observation {
                tool: Tool::Helm,
                copies: vec![copy("/opt/helm", Origin::Path(0), read("2.9.1"))],
            },
        ];
        let mut o = Overrides::default();
        o.not_needed.insert(
            Tool::Virtualbox,
            NotNeeded {
                reason: Some("docker driver".into()),
                recorded: None,
            },
        );
        o.entries.insert(
            Tool::Helm,
            OverrideEntry {
                version: "2.9.1".into(),
                path: "/opt/helm".into(),
                pin: "3.17.0".into(),
                reason: None,
                recorded: None,
            },
        );
        let f = diagnose(&m, &obs, &o, &h.layout);
        assert!(f.iter().all(Finding::satisfied));
        let t = text(&f, &[], None, &h, Style::default());
        assert!(
            t.contains("✓ All 3 tools are satisfied: 1 as pinned, 1 overridden (helm), 1 not needed (virtualbox)."),
            "{t}"
        );
        assert!(!t.contains("as pinned."), "{t}");
        assert!(t.contains("[✓] virtualbox not needed"), "{t}");
        assert!(
            t.contains("marked not needed (docker driver); undo with `aladdin-doctor override virtualbox --clear`"),
            "{t}"
        );
        let j: serde_json::Value = serde_json::from_str(&json(&f, &[], None, &h)).unwrap();
        assert_eq!(j["ok"], true);
        let v = &j["tools"][1];
        assert_eq!(v["status"], "not_needed");
        assert_eq!(v["not_needed"]["reason"], "docker driver");
        assert!(v["fix"].is_null());
    }

    #[test]
    fn long_lines_are_wrapped_to_the_terminal_width() {
        let m = Manifest::embedded().unwrap();
        let h = header();
        let f = diagnose(
            &m,
            &missing(&[Tool::Kubectl, Tool::Helm]),
            &Overrides::default(),
            &h.layout,
        );
        let wide = text(&f, &[], None, &h, Style::default());
        let narrow = text(
            &f,
            &[],
            None,
            &h,
            Style {
                colour: false,
                width: Some(60),
            },
        );
        for l in narrow.lines().filter(|l| l.starts_with("    ")) {
            assert!(l.chars().count() <= 60, "{l:?}");
        }
        let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(words(&wide), words(&narrow), "the same words, only wrapped");
        assert!(narrow.lines().count() > wide.lines().count());
    }
}
