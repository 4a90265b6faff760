//! I/O: the network.

pub mod fetch;
