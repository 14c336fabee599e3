//! The live-update streams open in this process: admitted under two caps (per session and
//! per process, so one signed-in script cannot hold hundreds), and re-checked together.
//!
//! The re-check is one query for all open streams every few seconds (is each stream's session
//! still signed in to an active account that may view invites?), not one per stream: fifty
//! streams cost what one does.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::model::{Permission, Permissions};
use domain::Services;
use tokio::sync::watch;

/// Streams one session may hold open: a browser holds at most six connections to one
/// server over HTTP/1.1, so more than that is no browser's doing.
pub const MAX_PER_SESSION: usize = 6;
/// How often open streams are re-checked.
pub const RECHECK: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
pub struct OpenStreams {
    inner: Arc<Mutex<Open>>,
    max_total: usize,
}

#[derive(Debug, Default)]
struct Open {
    next_id: u64,
    /// Stream id → (its session id, how to end it).
    streams: HashMap<u64, (String, watch::Sender<bool>)>,
}

/// Why a stream was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    Session,
    Process,
}

/// A place among the open streams, given back when dropped (when the stream ends or its
/// client goes away). `ended` turns true when a re-check finds the session may no longer see
/// the stream.
#[derive(Debug)]
pub struct Slot {
    id: u64,
    streams: OpenStreams,
    pub ended: watch::Receiver<bool>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.streams.lock().streams.remove(&self.id);
    }
}

impl OpenStreams {
    pub fn new(max_total: usize) -> OpenStreams {
        OpenStreams {
            inner: Arc::default(),
            max_total,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A slot for a new stream of `session_id`, unless a cap is reached.
    pub fn admit(&self, session_id: &str) -> Result<Slot, Full> {
        let mut open = self.lock();
        if open.streams.len() >= self.max_total {
            return Err(Full::Process);
        }
        let of_session = open
            .streams
            .values()
            .filter(|(s, _)| s == session_id)
            .count();
        if of_session >= MAX_PER_SESSION {
            return Err(Full::Session);
        }
        open.next_id += 1;
        let id = open.next_id;
        let (end, ended) = watch::channel(false);
        open.streams.insert(id, (session_id.to_owned(), end));
        Ok(Slot {
            id,
            streams: self.clone(),
            ended,
        })
    }

    pub fn len(&self) -> usize {
        self.lock().streams.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sessions that have a stream open, each once.
    fn sessions(&self) -> Vec<String> {
        let open = self.lock();
        let distinct: HashSet<&String> = open.streams.values().map(|(s, _)| s).collect();
        distinct.into_iter().cloned().collect()
    }

    /// Ends every stream whose session is not in `allowed`.
    fn end_all_but(&self, allowed: &HashSet<String>) {
        for (session, end) in self.lock().streams.values() {
            if !allowed.contains(session) {
                end.send_replace(true);
            }
        }
    }

    /// Re-checks every open stream each `RECHECK`, until the task is aborted. A failed
    /// query ends nothing (the database may be back at the next round).
    pub fn spawn_rechecks(&self, services: Services) -> tokio::task::JoinHandle<()> {
        let streams = self.clone();
        let view = Permissions::of(&[Permission::ViewInvites]).bits();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(RECHECK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let sessions = streams.sessions();
                if sessions.is_empty() {
                    continue;
                }
                let now = services.clock.now();
                match services.sessions.still_allowed(&sessions, view, now).await {
                    Ok(allowed) => streams.end_all_but(&allowed.into_iter().collect()),
                    Err(e) => tracing::warn!(error = %e, "cannot re-check live-update streams"),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_session_and_per_process_and_slots_come_back() {
        let streams = OpenStreams::new(MAX_PER_SESSION + 1);
        let mine: Vec<Slot> = (0..MAX_PER_SESSION)
            .map(|_| streams.admit("mine").unwrap())
            .collect();
        assert_eq!(streams.admit("mine").unwrap_err(), Full::Session);
        let other = streams.admit("other").unwrap();
        assert_eq!(streams.admit("third").unwrap_err(), Full::Process);
        drop(other);
        assert!(streams.admit("third").is_ok());
        drop(mine);
        assert!(streams.is_empty());
    }

    #[test]
    fn streams_of_sessions_no_longer_allowed_are_ended() {
        let streams = OpenStreams::new(10);
        let kept = streams.admit("kept").unwrap();
        let gone = streams.admit("gone").unwrap();
        let mut sessions = streams.sessions();
        sessions.sort();
        assert_eq!(sessions, ["gone", "kept"]);
        streams.end_all_but(&["kept".to_owned()].into_iter().collect());
        assert!(!*kept.ended.borrow());
        assert!(*gone.ended.borrow());
    }
}
