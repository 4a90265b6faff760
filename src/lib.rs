//! aladdin-doctor: checks docker, VirtualBox, minikube, kubectl and helm against the pins in
//! `versions.toml`, says what is wrong and how to fix it, and installs the pinned releases.

pub mod app;
pub mod cli;
pub mod context;
pub mod core;
pub mod fsutil;
pub mod install;
pub mod modes;
pub mod net;
pub mod probe;
pub mod tui;
