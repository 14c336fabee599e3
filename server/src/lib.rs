//! The Vestibule server as a library, so integration tests start exactly what `main` starts.

pub mod cli;
pub mod config;
pub mod csrf;
pub mod headers;
pub mod live;
pub mod mail_worker;
pub mod startup;
