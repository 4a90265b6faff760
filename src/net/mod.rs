//! I/O: the network.

pub(crate) mod fetch;
