//! Every invite transition, driven through the domain services with an injected clock on a
//! temporary SQLite database (no HTTP, no browser).

mod support;

use domain::access::Caller;
use domain::audit::Actor;
use domain::clock::{ManualClock, DAY};
use domain::invites::CreateInvite;
use domain::model::{InviteStatus, LinkView};
use domain::password::NewPassword;
use domain::store::Db;
use domain::{DomainError, Services};
use support::caller;

struct World {
    s: Services,
    clock: ManualClock,
    admin: Caller,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .unwrap();
    let (s, clock) = support::services(db, dir.path()).await;
    let admin = caller(&s, "admin@example.com", "admin").await;
    World {
        s,
        clock,
        admin,
        _dir: dir,
    }
}

fn req<'a>(email: &'a str, role: &'a str) -> CreateInvite<'a> {
    CreateInvite {
        email,
        role,
        team_ids: &[],
        expiry: domain::invites::Expiry::Hours(24),
        message: "",
        send_email: true,
        metadata: None,
        landing_path: "",
        access_ends_at: None,
        send_at: None,
    }
}

/// The token of a link shown to the inviter (every invite these tests make shows one).
fn token_of(link: &Option<String>) -> String {
    let link = link.as_deref().expect("a link was shown");
    link.rsplit('/').next().unwrap().to_owned()
}

fn pw() -> NewPassword {
    NewPassword::parse("a long enough password", "a long enough password").unwrap()
}

async fn status(w: &World, id: &str) -> InviteStatus {
    w.s.invite_detail(&w.admin, id).await.unwrap().0.status
}

fn unusable(e: DomainError) -> LinkView {
    match e {
        DomainError::InviteUnusable(v) => *v,
        other => panic!("expected an unusable link, got {other:?}"),
    }
}

#[tokio::test]
async fn pending_then_revoked_is_terminal() {
    let w = world().await;
    let link =
        w.s.create_invite(&w.admin, req("a@example.com", "analyst"))
            .await
            .unwrap();
    assert_eq!(status(&w, &link.invite_id).await, InviteStatus::Pending);
    w.s.revoke_invite(&w.admin, &link.invite_id).await.unwrap();
    assert_eq!(status(&w, &link.invite_id).await, InviteStatus::Revoked);
    assert!(matches!(
        w.s.revoke_invite(&w.admin, &link.invite_id).await,
        Err(DomainError::Conflict(_))
    ));
    let err =
        w.s.accept_invite(&token_of(&link.link), "A", &pw(), &Actor::default())
            .await
            .unwrap_err();
    assert_eq!(unusable(err), LinkView::Revoked);
    assert!(matches!(
        w.s.resend_invite(&w.admin, &link.invite_id, true).await,
        Err(DomainError::Conflict(_))
    ));
    w.clock.advance(100 * DAY);
    assert_eq!(
        status(&w, &link.invite_id).await,
        InviteStatus::Revoked,
        "terminal states never change"
    );
}

#[tokio::test]
async fn pending_then_accepted_is_terminal_and_single_use() {
    let w = world().await;
    let link =
        w.s.create_invite(&w.admin, req("b@example.com", "editor"))
            .await
            .unwrap();
    let token = token_of(&link.link);
    let joined =
        w.s.accept_invite(&token, "Bea", &pw(), &Actor::default())
            .await
            .unwrap();
    assert_eq!(
        (joined.user.email.as_str(), joined.user.role_name.as_str()),
        ("b@example.com", "Editor")
    );
    assert_eq!(status(&w, &link.invite_id).await, InviteStatus::Accepted);
    let again =
        w.s.accept_invite(&token, "Bea", &pw(), &Actor::default())
            .await
            .unwrap_err();
    assert_eq!(unusable(again), LinkView::Used);
    assert!(matches!(
        w.s.revoke_invite(&w.admin, &link.invite_id).await,
        Err(DomainError::Conflict(_))
    ));
    w.clock.advance(100 * DAY);
    assert_eq!(status(&w, &link.invite_id).await, InviteStatus::Accepted);
}

#[tokio::test]
async fn pending_then_declined_is_terminal_and_frees_the_address() {
    let w = world().await;
    let link =
        w.s.create_invite(&w.admin, req("dee@example.com", "analyst"))
            .await
            .unwrap();
    let token = token_of(&link.link);
    w.s.decline_invite(&token, "  Wrong person, sorry  ", &Actor::default())
        .await
        .unwrap();
    let (row, events) = w.s.invite_detail(&w.admin, &link.invite_id).await.unwrap();
    assert_eq!(row.status, InviteStatus::Declined);
    assert_eq!(row.decline_reason.as_deref(), Some("Wrong person, sorry"));
    let declined = events
        .iter()
        .find(|e| e.action == "invite.declined")
        .unwrap();
    assert_eq!(declined.actor.as_deref(), Some("dee@example.com"));
    assert!(
        declined.detail.contains("Wrong person, sorry"),
        "{}",
        declined.detail
    );

    // The link is dead for every use, and the invite for every admin action.
    let again =
        w.s.decline_invite(&token, "", &Actor::default())
            .await
            .unwrap_err();
    assert_eq!(unusable(again), LinkView::Declined);
    let accept =
        w.s.accept_invite(&token, "Dee", &pw(), &Actor::default())
            .await
            .unwrap_err();
    assert_eq!(unusable(accept), LinkView::Declined);
    assert!(matches!(
        w.s.revoke_invite(&w.admin, &link.invite_id).await,
        Err(DomainError::Conflict(_))
    ));
    assert!(matches!(
        w.s.resend_invite(&w.admin, &link.invite_id, true).await,
        Err(DomainError::Conflict(_))
    ));
    w.clock.advance(100 * DAY);
    assert_eq!(status(&w, &link.invite_id).await, InviteStatus::Declined);

    // The address may be invited again; the declined invite stays as it was.
    let fresh =
        w.s.create_invite(&w.admin, req("dee@example.com", "analyst"))
            .await
            .unwrap();
    assert_eq!(status(&w, &fresh.invite_id).await, InviteStatus::Pending);
    assert_eq!(status(&w, &link.invite_id).await, InviteStatus::Declined);
}

#[tokio::test]
async fn declining_a_dead_link_says_why_and_changes_nothing() {
    let w = world().await;
    let revoked =
        w.s.create_invite(&w.admin, req("r@example.com", "analyst"))
            .await
            .unwrap();
    w.s.revoke_invite(&w.admin, &revoked.invite_id)
        .await
        .unwrap();
    let used =
        w.s.create_invite(&w.admin, req("u@example.com", "analyst"))
            .await
            .unwrap();
    w.s.accept_invite(&token_of(&used.link), "U", &pw(), &Actor::default())
        .await
        .unwrap();
    let expired =
        w.s.create_invite(&w.admin, req("e@example.com", "analyst"))
            .await
            .unwrap();
    w.clock.advance(DAY);
    for (link, view, status_then) in [
        (&revoked, LinkView::Revoked, InviteStatus::Revoked),
        (&used, LinkView::Used, InviteStatus::Accepted),
        (&expired, LinkView::Expired, InviteStatus::Expired),
    ] {
        let err =
            w.s.decline_invite(&token_of(&link.link), "no", &Actor::default())
                .await
                .unwrap_err();
        assert_eq!(unusable(err), view);
        let (row, events) = w.s.invite_detail(&w.admin, &link.invite_id).await.unwrap();
        assert_eq!(row.status, status_then);
        assert_eq!(row.decline_reason, None);
        assert!(!events.iter().any(|e| e.action == "invite.declined"));
    }
    // A reason too long is refused before anything is looked up.
    let open =
        w.s.create_invite(&w.admin, req("o@example.com", "analyst"))
            .await
            .unwrap();
    let err =
        w.s.decline_invite(&token_of(&open.link), &"x".repeat(501), &Actor::default())
            .await
            .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Invalid {
            field: "reason",
            ..
        }
    ));
    assert_eq!(status(&w, &open.invite_id).await, InviteStatus::Pending);
}

#[tokio::test]
async fn pending_becomes_expired_by_the_clock_alone_and_resend_revives_it() {
    let w = world().await;
    let link =
        w.s.create_invite(&w.admin, req("c@example.com", "analyst"))
            .await
            .unwrap();
    w.clock.advance(DAY - 1);
    assert_eq!(status(&w, &link.invite_id).await, InviteStatus::Pending);
    w.clock.advance(1);
    assert_eq!(status(&w, &link.invite_id).await, InviteStatus::Expired);
    let err =
        w.s.accept_invite(&token_of(&link.link), "C", &pw(), &Actor::default())
            .await
            .unwrap_err();
    assert_eq!(unusable(err), LinkView::Expired);
    assert!(matches!(
        w.s.revoke_invite(&w.admin, &link.invite_id).await,
        Err(DomainError::Conflict(_))
    ));

    let renewed =
        w.s.resend_invite(&w.admin, &link.invite_id, true)
            .await
            .unwrap();
    assert_eq!(status(&w, &link.invite_id).await, InviteStatus::Pending);
    let old =
        w.s.open_invite_link(&token_of(&link.link), &Actor::default())
            .await
            .unwrap();
    assert_eq!(old, LinkView::Replaced);
    assert!(w
        .s
        .accept_invite(&token_of(&renewed.link), "C", &pw(), &Actor::default())
        .await
        .is_ok());
}

#[tokio::test]
async fn opening_records_but_never_changes_status() {
    let w = world().await;
    let link =
        w.s.create_invite(&w.admin, req("d@example.com", "analyst"))
            .await
            .unwrap();
    for _ in 0..5 {
        assert!(matches!(
            w.s.open_invite_link(&token_of(&link.link), &Actor::default())
                .await
                .unwrap(),
            LinkView::Open(_)
        ));
    }
    let (row, events) = w.s.invite_detail(&w.admin, &link.invite_id).await.unwrap();
    assert_eq!((row.status, row.open_count), (InviteStatus::Pending, 5));
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "invite.opened")
            .count(),
        5
    );
}

#[tokio::test]
async fn permissions_and_the_role_ceiling_gate_every_transition() {
    let w = world().await;
    let analyst = caller(&w.s, "an@example.com", "analyst").await;
    let editor = caller(&w.s, "ed@example.com", "editor").await;
    assert!(matches!(
        w.s.create_invite(&analyst, req("x@example.com", "analyst"))
            .await,
        Err(DomainError::Forbidden)
    ));
    let err =
        w.s.create_invite(&editor, req("x@example.com", "admin"))
            .await
            .unwrap_err();
    assert!(
        matches!(err, DomainError::Invalid { field: "role", .. }),
        "{err:?}"
    );
    let link =
        w.s.create_invite(&editor, req("x@example.com", "editor"))
            .await
            .unwrap();
    assert!(matches!(
        w.s.revoke_invite(&analyst, &link.invite_id).await,
        Err(DomainError::Forbidden)
    ));
    assert!(
        w.s.list_invites(&analyst, &Default::default())
            .await
            .is_ok(),
        "analysts may view invites"
    );
}

#[tokio::test]
async fn forged_and_foreign_tokens_show_the_neutral_page() {
    let w = world().await;
    for token in ["", "garbage", &"A".repeat(88)] {
        assert_eq!(
            w.s.open_invite_link(token, &Actor::default())
                .await
                .unwrap(),
            LinkView::Invalid
        );
        let err =
            w.s.accept_invite(token, "Z", &pw(), &Actor::default())
                .await
                .unwrap_err();
        assert_eq!(unusable(err), LinkView::Invalid);
    }
}
