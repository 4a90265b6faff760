//! PURE: the functional core. Nothing here does I/O: no processes, network, files, terminal or
//! environment. Every module is tested with plain data.

pub(crate) mod about;
pub(crate) mod binfmt;
pub(crate) mod cache;
pub(crate) mod checksum;
pub(crate) mod diagnose;
pub(crate) mod diff;
pub(crate) mod envline;
pub(crate) mod failure;
pub(crate) mod inert;
pub(crate) mod isolation;
pub(crate) mod manifest;
pub(crate) mod mirror;
pub(crate) mod observation;
pub(crate) mod outcome;
pub(crate) mod overrides;
pub(crate) mod pins;
pub(crate) mod plan;
pub(crate) mod probe_cache;
pub(crate) mod progress;
pub(crate) mod receipt;
pub(crate) mod render;
pub(crate) mod report;
pub(crate) mod suggest;
pub(crate) mod tool;
pub(crate) mod trace;
pub(crate) mod upstream;
pub(crate) mod vbox;
pub(crate) mod version;
pub(crate) mod wrap;
