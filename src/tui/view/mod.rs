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

mod chrome;
mod cluster;
mod pane;
mod popups;
mod table;

use chrome::*;
use cluster::*;
use pane::*;
use popups::*;
use table::*;

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

    popups(m, &t, f, area);
}

/// `s` cut to `room` characters, ending in `…` when cut.
pub(super) fn clip(s: &str, room: usize) -> String {
    if s.chars().count() <= room {
        return s.to_string();
    }
    let mut out: String = s.chars().take(room.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub(super) fn spinner(m: &Model) -> &'static str {
    SPINNER[(m.now.as_millis() / 100) as usize % SPINNER.len()]
}

/// Every span of `lines` made inert: what tools, servers and file names say is shown, never
/// obeyed (ratatui drops control characters; this shows them).
pub(super) fn inert_text(lines: Vec<Line<'static>>) -> Vec<Line<'static>> {
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

#[cfg(test)]
mod tests;
