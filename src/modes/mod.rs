//! The modes a user runs. Each takes its resolved options and a session; none sees the raw
//! command line.

pub(crate) mod about;
pub(crate) mod cache;
pub(crate) mod check;
pub(crate) mod env;
pub(crate) mod fix;
pub(crate) mod jobs;
pub(crate) mod keep;
pub(crate) mod mirror;
pub(crate) mod pins;
pub(crate) mod progress;
pub(crate) mod status;
pub(crate) mod verify;
