//! aladdin-doctor: checks docker, VirtualBox, minikube, kubectl and helm against the pins in
//! `versions.toml`, says what is wrong and how to fix it, and installs the pinned releases.
//!
//! Pure core (no I/O): `tool`, `version`, `manifest`, `probe::parse`, `overrides`, `diagnose`,
//! `report`, `envline`, `vbox`, `plan`, `checksum`, `cluster`. Shell: `context` (the only reader of the
//! environment), `probe::{locate, runner}`, `fetch`, `install`, `lock`, `progress`, `fsutil`,
//! `fix`, `app`.

pub mod app;
pub mod checksum;
pub mod cli;
// Not wired into the app yet: `--cluster` will call it (pure interpretation of cluster probes).
#[allow(dead_code)]
mod cluster;
pub mod context;
pub mod diagnose;
pub mod envline;
pub mod fetch;
pub mod fix;
pub mod fsutil;
pub mod install;
pub mod lock;
pub mod manifest;
pub mod overrides;
pub mod plan;
pub mod probe;
pub mod progress;
pub mod report;
pub mod tool;
pub mod tui;
pub mod vbox;
pub mod version;
