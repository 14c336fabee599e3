//! `GET /events`: the live-update stream (server-sent events) for signed-in people who may
//! view invites. Each message is a JSON list of changes; pages treat any message as "refetch".
//!
//! Bursts are coalesced (a bulk import makes thousands of changes; a page needs one nudge).
//! Streams are capped per session and per process, and re-checked together every few seconds
//! (`open_streams`), so a deactivated admin's or a signed-out session's open stream ends.
//! Every stream ends when the server shuts down, so shutdown is not held up by open pages.

pub mod open_streams;

use std::convert::Infallible;
use std::time::Duration;

use app::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use domain::live::Change;
use domain::model::{Permission, Permissions};
use domain::store::sessions::USER_ID_KEY;
use domain::Services;
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, watch};
use tower_sessions::Session;

use self::open_streams::{Full, OpenStreams, Slot};

/// How long to gather further changes before sending one message.
const COALESCE: Duration = Duration::from_millis(150);
/// Most changes listed in one message; past that, pages are told to resync.
const MAX_PER_MESSAGE: usize = 100;

pub async fn events(
    State(state): State<AppState>,
    Extension(open): Extension<OpenStreams>,
    session: Session,
) -> Response {
    let services = state.services;
    let user_id: Option<String> = session.get(USER_ID_KEY).await.ok().flatten();
    let (Some(user_id), Some(session_id)) = (user_id, session.id()) else {
        return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response();
    };
    match may_watch(&services, &user_id).await {
        Some(true) => {}
        Some(false) => {
            return (StatusCode::FORBIDDEN, "You are not allowed to do that.").into_response()
        }
        None => return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response(),
    }
    let slot = match open.admit(&session_id.to_string()) {
        Ok(slot) => slot,
        Err(full) => return too_many(full),
    };
    let watcher = Watcher {
        rx: services.live.subscribe(),
        closing: services.live.closing(),
        slot,
        greeted: false,
        done: false,
    };
    let mut response = Sse::new(stream(watcher))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    // A proxy passes each event on as it comes instead of filling a buffer first (nginx
    // reads this header whatever its proxy_buffering says).
    response
        .headers_mut()
        .insert("x-accel-buffering", header::HeaderValue::from_static("no"));
    response
}

/// 429 with a wait that lets a closed page's stream be noticed and its place freed.
fn too_many(full: Full) -> Response {
    let message = match full {
        Full::Session => format!(
            "Too many live-update streams for this sign-in (at most {}). Close some tabs of \
             Vestibule; pages still work without live updates.",
            open_streams::MAX_PER_SESSION
        ),
        Full::Process => "This server holds as many live-update streams as it may. Pages still \
                          work without live updates; reload later to get them back."
            .to_owned(),
    };
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, "30")],
        message,
    )
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
    /// Its place among the open streams; `slot.ended` says when a re-check ended it.
    slot: Slot,
    greeted: bool,
    /// The goodbye was sent; the stream ends.
    done: bool,
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
        if w.done || *w.slot.ended.borrow() {
            return None;
        }
        if *w.closing.borrow() {
            return Some((Ok(goodbye()), Watcher { done: true, ..w }));
        }
        tokio::select! {
            _ = w.closing.changed() => Some((Ok(goodbye()), Watcher { done: true, ..w })),
            _ = w.slot.ended.changed() => None,
            got = w.rx.recv() => {
                let changes = match got {
                    Ok(first) => gather(&mut w.rx, first).await,
                    Err(RecvError::Lagged(_)) => vec![Change::general("resync")],
                    Err(RecvError::Closed) => return None,
                };
                let data = serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into());
                Some((Ok(Event::default().data(data)), w))
            }
        }
    })
}

/// The last event of a stream whose server is stopping: come back in a second (to a server
/// that stays, through the proxy). Pages refresh on every reconnect, so nothing is missed.
fn goodbye() -> Event {
    Event::default()
        .retry(Duration::from_secs(1))
        .comment("server stopping: reconnect")
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
