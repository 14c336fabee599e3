//! `GET /events`: the live-update stream (server-sent events) for signed-in people who may
//! view invites. Each message is a JSON list of changes; pages treat any message as "refetch".
//!
//! Bursts are coalesced (a bulk import makes thousands of changes; a page needs one nudge),
//! the person's account is re-checked every few seconds so a deactivated admin's open
//! stream ends, and every stream ends when the server shuts down, so shutdown is not held
//! up by open pages.

use std::convert::Infallible;
use std::time::Duration;

use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::live::Change;
use domain::model::{Permission, Permissions};
use domain::store::sessions::USER_ID_KEY;
use domain::Services;
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, watch};
use tower_sessions::Session;

/// How long to gather further changes before sending one message.
const COALESCE: Duration = Duration::from_millis(150);
/// How often an open stream re-checks that its person may still see it.
const RECHECK: Duration = Duration::from_secs(5);
/// Most changes listed in one message; past that, pages are told to resync.
const MAX_PER_MESSAGE: usize = 100;

pub async fn events(State(state): State<AppState>, session: Session) -> Response {
    let services = state.services;
    let user_id: Option<String> = session.get(USER_ID_KEY).await.ok().flatten();
    let Some(user_id) = user_id else {
        return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response();
    };
    match may_watch(&services, &user_id).await {
        Some(true) => {}
        Some(false) => {
            return (StatusCode::FORBIDDEN, "You are not allowed to do that.").into_response()
        }
        None => return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response(),
    }
    let watcher = Watcher {
        rx: services.live.subscribe(),
        closing: services.live.closing(),
        services,
        user_id,
        greeted: false,
    };
    Sse::new(stream(watcher))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// `None`: no such active account; `Some(false)`: active but without the permission.
async fn may_watch(services: &Services, user_id: &str) -> Option<bool> {
    let user = services.session_user(user_id).await.ok().flatten()?;
    Some(Permissions::from_bits(user.permissions).contains(Permission::ViewInvites))
}

struct Watcher {
    rx: broadcast::Receiver<Change>,
    closing: watch::Receiver<bool>,
    services: Services,
    user_id: String,
    greeted: bool,
}

fn stream(w: Watcher) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(w, |mut w| async move {
        if !w.greeted {
            w.greeted = true;
            // Browsers reconnect this soon after a break (their default is a few seconds).
            let hello = Event::default()
                .retry(Duration::from_secs(1))
                .comment("connected");
            return Some((Ok(hello), w));
        }
        let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
        if *w.closing.borrow() {
            return None;
        }
        loop {
            tokio::select! {
                _ = w.closing.changed() => return None,
                _ = recheck.tick() => {
                    if may_watch(&w.services, &w.user_id).await != Some(true) {
                        return None;
                    }
                }
                got = w.rx.recv() => {
                    let changes = match got {
                        Ok(first) => gather(&mut w.rx, first).await,
                        Err(RecvError::Lagged(_)) => vec![Change::general("resync")],
                        Err(RecvError::Closed) => return None,
                    };
                    let data = serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into());
                    return Some((Ok(Event::default().data(data)), w));
                }
            }
        }
    })
}

/// The first change and whatever follows it within `COALESCE`, without repeats.
async fn gather(rx: &mut broadcast::Receiver<Change>, first: Change) -> Vec<Change> {
    tokio::time::sleep(COALESCE).await;
    let mut changes = vec![first];
    loop {
        match rx.try_recv() {
            Ok(c) => {
                if !changes.contains(&c) {
                    changes.push(c);
                }
                if changes.len() > MAX_PER_MESSAGE {
                    return vec![Change::general("resync")];
                }
            }
            Err(TryRecvError::Lagged(_)) => return vec![Change::general("resync")],
            Err(TryRecvError::Empty | TryRecvError::Closed) => return changes,
        }
    }
}
