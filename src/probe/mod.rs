//! Finding every copy of a tool and asking each one its version.
//!
//! `parse` is pure (arguments and output → version); `locate` and `runner` do the I/O.

pub(crate) mod action;
pub(crate) mod cache;
pub(crate) mod cluster;
pub(crate) mod locate;
pub(crate) mod parse;
pub(crate) mod runner;

pub(crate) use locate::{Candidate, SearchSpace, locate};
pub(crate) use runner::{ProbeEnv, ProbeOptions, observe, observe_tool, reprobe, run_command};
