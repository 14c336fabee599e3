// Leptos view types nest deeply; the bulk page exceeds the default query depth.
#![recursion_limit = "256"]

//! The Vestibule server as a library, so integration tests start exactly what `main` starts.

pub mod acting;
pub mod api;
pub mod backup;
pub mod cli;
pub mod commands;
pub mod config;
pub mod csrf;
pub mod headers;
pub mod import;
pub mod lifecycle;
pub mod live;
pub mod mail_worker;
pub mod metrics;
pub mod observe;
pub mod progress;
pub mod request_text;
pub mod startup;
pub mod webhook_worker;
