//! Server functions, one file per resource. Each is a POST to `/api/<name>`; bodies run
//! only on the server and call the domain crate.

pub mod accept;
pub mod address;
pub mod api_keys;
pub mod auth;
pub mod bulk;
pub mod dashboard;
pub mod directory;
pub mod invites;
pub mod members;
pub mod policy;
pub mod webhooks;
