//! The modes a user runs. Each takes a resolved mode and a session; none sees the raw command line.

pub(crate) mod fix;
