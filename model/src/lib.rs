//! Types that cross the wire between the browser and the server, and the pure rules over them.
//!
//! This crate compiles both to WASM (for the pages) and natively (for the domain), so it has
//! no I/O and no heavy dependencies.

mod permissions;
mod user;

pub use permissions::{Permission, Permissions};
pub use user::{CurrentUser, BUILT_IN_ROLES};
