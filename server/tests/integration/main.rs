//! The server's integration tests: each starts the real server (or the real binary) on a free
//! port with a fresh database, on SQLite and on PostgreSQL.
//!
//! They live in ONE test binary on purpose. Every test binary links all of Leptos, axum, sqlx
//! and lettre; eighteen of them meant eighteen large links, which made the build slow and
//! filled the disk of a CI machine until the linker died with SIGBUS.

#[macro_use]
mod common;

mod accounts;
mod api;
mod auth;
mod authorization;
mod backup;
mod bad_input;
mod bulk;
mod crash;
mod dashboard;
mod deployment;
mod group_commit;
mod hardening;
mod invites;
mod journey;
mod limits;
mod list;
mod live;
mod logs;
mod members;
mod outbox;
mod pages;
mod policy;
mod races;
mod security;
mod seed;
mod smtp_outage;
mod webhooks;
