//! aladdin-doctor: checks docker, VirtualBox, minikube, kubectl and helm against the pins in
//! `versions.toml`, says what is wrong and how to fix it, and installs the pinned releases.
//!
//! The crate is a binary with its code in a library so that benches and tests can share
//! helpers; nothing but `main` is public, so the dead-code lint sees every item.
#![warn(unreachable_pub)]

mod app;
mod apply;
mod cancel;
mod cli;
// Not wired into the app yet: `--cluster` will call it (pure interpretation of cluster probes).
#[allow(dead_code)]
mod cluster;
mod context;
mod core;
mod fsutil;
mod install;
mod mode;
mod modes;
mod net;
mod probe;
mod session;
mod shellrc;
mod trace;
mod tui;

/// Parses the command line, runs the mode it names and returns its exit code.
pub fn main() -> std::process::ExitCode {
    use clap::Parser;
    std::process::ExitCode::from(app::run(cli::Cli::parse()))
}
