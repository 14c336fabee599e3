//! The invitation's wing: everything an invite is and does, one room per part.
//!
//! - `rules`: pure rules (expiry choices, the personal note, what a link shows, who may grant)
//! - `issue`: creating an invite (the form's options, the link, the one transaction)
//! - `manage`: the admin's list, an invite's timeline, revoke, resend
//! - `change`: a pending invite's role, teams or expiry
//! - `links`: the invitee's side: open, accept, decline, ask for a new one
//! - `bulk`: many invites from a CSV file, dry run first
//! - `policy`: the workspace's invite policy (expiry bounds, domains, daily cap)
//!
//! Every state change is one transaction: the invite, its teams, its outbox job and its audit
//! events commit together or not at all.

pub mod bulk;
pub mod change;
pub mod issue;
pub mod links;
pub mod manage;
pub mod policy;
pub mod rules;

pub use change::InviteChanges;
pub use issue::CreateInvite;
pub use links::Joined;
pub use rules::Expiry;
