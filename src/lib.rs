//! aladdin-doctor: checks docker, VirtualBox, minikube, kubectl and helm against the pins in
//! `versions.toml`, says what is wrong and how to fix it, and installs the pinned releases.
//!
//! Pure core (no I/O): `tool`, `version`, `manifest`, `probe::parse`, `overrides`, `diagnose`,
//! `report`, `envline`, `vbox`. Shell: `context` (the only reader of the environment),
//! `probe::{locate, runner}`, `fsutil`, `app`.

pub mod app;
pub mod cli;
pub mod context;
pub mod diagnose;
pub mod envline;
pub mod fsutil;
pub mod manifest;
pub mod overrides;
pub mod probe;
pub mod report;
pub mod tool;
pub mod vbox;
pub mod version;
