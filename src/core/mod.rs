//! PURE: the functional core. Nothing here does I/O: no processes, network, files, terminal or
//! environment. Every module is tested with plain data.

pub mod checksum;
pub mod diagnose;
pub mod envline;
pub mod manifest;
pub mod overrides;
pub mod plan;
pub mod progress;
pub mod report;
pub mod tool;
pub mod vbox;
pub mod version;
