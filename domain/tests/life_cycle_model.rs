//! A property test of the invite life cycle as a state machine. An invite sent at once or
//! scheduled some hours ahead; random sequences of accept, accept with a replaced link,
//! decline, revoke, resend, send now, open and the passing of time run
//! against the real services and database, and against a small model of the rules. After
//! every step the status in Rust, the status in SQL (the list's filters and the per-status
//! counts) and the model agree, and accepted, revoked or declined invites never change again.
//! A scheduled invite's link (the one its email will carry) works only from its send on.
//! Runs on SQLite, and on PostgreSQL when VESTIBULE_TEST_POSTGRES_URL names a cluster.

mod support;

use domain::audit::Actor;
use domain::clock::{Clock, Millis, HOUR, MINUTE};
use domain::invites::CreateInvite;
use domain::model::{Cursor, InviteQuery, InviteStatus, LinkView};
use domain::password::NewPassword;
use domain::store::{invite_list, invites as invite_store, Db};
use domain::Services;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sqlx::{Connection, Executor};

#[derive(Debug, Clone)]
enum Op {
    /// Time passes, in hours (the link lives 24).
    Wait(u8),
    /// A few minutes pass (the resend cooldown is 10).
    WaitMinutes(u8),
    Accept,
    /// Accept with the link a resend replaced (a no-op before any resend).
    AcceptReplacedLink,
    Revoke,
    Resend,
    Open,
    /// The invitee declines with the newest link.
    Decline,
    /// A scheduled invite goes out now instead of at its time.
    SendNow,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u8..30).prop_map(Op::Wait),
        2 => Just(Op::Accept),
        1 => Just(Op::AcceptReplacedLink),
        2 => Just(Op::Revoke),
        2 => Just(Op::Resend),
        1 => Just(Op::Open),
        1 => Just(Op::Decline),
        1 => Just(Op::WaitMinutes(7)),
        1 => Just(Op::SendNow),
    ]
}

/// How the invite starts: sent at once, or scheduled so many hours ahead.
fn start() -> impl Strategy<Value = Option<u8>> {
    prop_oneof![1 => Just(None), 1 => (1u8..48).prop_map(Some)]
}

/// The rules, as simply as they can be said.
#[derive(Debug)]
struct Model {
    accepted: bool,
    revoked: bool,
    declined: bool,
    /// When the email goes (went) out, if it was scheduled.
    send_at: Option<Millis>,
    expires_at: Millis,
    /// When the link was last issued: a resend waits out the policy's 10-minute cooldown.
    issued_at: Millis,
}

const LIFETIME: Millis = 24 * HOUR;
/// The invite policy's default resend cooldown.
const COOLDOWN: Millis = 10 * MINUTE;

impl Model {
    fn status(&self, now: Millis) -> InviteStatus {
        if self.accepted {
            InviteStatus::Accepted
        } else if self.revoked {
            InviteStatus::Revoked
        } else if self.declined {
            InviteStatus::Declined
        } else if self.send_at.is_some_and(|at| now < at) {
            InviteStatus::Scheduled
        } else if now >= self.expires_at {
            InviteStatus::Expired
        } else {
            InviteStatus::Pending
        }
    }
}

async fn database(postgres: bool, dir: &std::path::Path) -> Db {
    let url = if postgres {
        let admin = std::env::var("VESTIBULE_TEST_POSTGRES_URL").unwrap();
        let name = format!("vestibule_model_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&format!("{admin}/postgres"))
            .await
            .unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        format!("{admin}/{name}")
    } else {
        format!("sqlite://{}/model.db", dir.display())
    };
    Db::connect(&url).await.unwrap()
}

/// The token of a link shown to the inviter (every invite these tests make shows one).
fn token_of(link: &Option<String>) -> String {
    let link = link.as_deref().expect("a link was shown");
    link.rsplit('/').next().unwrap().to_owned()
}

/// Rust's status, SQL's status filters and SQL's counts must all say `want`.
async fn assert_status(s: &Services, id: &str, want: InviteStatus, step: usize) {
    let now = s.clock.now();
    let row = invite_store::find(&s.db, id, now).await.unwrap().unwrap();
    assert_eq!(row.status_at(now), want, "Rust status after step {step}");
    let all = InviteQuery {
        per_page: 10,
        ..InviteQuery::default().at(Cursor::First)
    };
    for status in InviteStatus::ALL {
        let q = InviteQuery {
            status: Some(status),
            ..all.clone()
        };
        let page = invite_list::page(&s.db, &q, now).await.unwrap().unwrap();
        let listed = page.rows.iter().any(|r| r.id == id);
        assert_eq!(
            listed,
            status == want,
            "SQL filter {status:?} after step {step}"
        );
    }
    let counts = invite_list::counts(&s.db, now).await.unwrap();
    let one = |st: InviteStatus| i64::from(st == want);
    for status in InviteStatus::ALL {
        assert_eq!(
            counts.of(status),
            one(status),
            "SQL count of {status:?} after step {step}"
        );
    }
}

/// The link the invite's email carries (or will), rebuilt as the mail worker would from the
/// seed in its unsent outbox job: a scheduled invite shows its inviter no link.
async fn emailed_token(s: &Services, id: &str) -> String {
    let seed: String = domain::on_db!(&s.db, p => sqlx::query_scalar(
        "SELECT link_seed FROM outbox WHERE invite_id = $1 AND kind = 'invite' \
         AND link_seed IS NOT NULL ORDER BY created_at DESC LIMIT 1",
    )
    .bind(id)
    .fetch_one(p)
    .await)
    .unwrap();
    let uuid = uuid::Uuid::parse_str(id).unwrap();
    domain::token::issue_from_seed(&s.key, domain::token::Purpose::Invite, uuid, &seed).token
}

async fn run_case(postgres: bool, start: Option<u8>, ops: Vec<Op>) {
    let dir = tempfile::tempdir().unwrap();
    let db = database(postgres, dir.path()).await;
    let (s, clock) = support::services(db, dir.path()).await;
    let admin = support::caller(&s, "admin@example.com", "admin").await;
    let actor = Actor::default();
    let issued = s
        .create_invite(
            &admin,
            CreateInvite {
                email: "model@example.com",
                role: "analyst",
                team_ids: &[],
                expiry: domain::invites::Expiry::Hours(24),
                message: "",
                send_email: true,
                metadata: None,
                landing_path: "",
                access_ends_at: None,
                send_at: start.map(|h| clock.now() + i64::from(h) * HOUR),
            },
        )
        .await
        .unwrap();
    let id = issued.invite_id.clone();
    assert_eq!(
        issued.link.is_none(),
        start.is_some(),
        "a link only when sent now"
    );
    let sends_at = clock.now() + start.map_or(0, |h| i64::from(h) * HOUR);
    let mut links = vec![match start {
        None => token_of(&issued.link),
        Some(_) => emailed_token(&s, &id).await,
    }];
    let mut model = Model {
        accepted: false,
        revoked: false,
        declined: false,
        send_at: start.map(|_| sends_at),
        expires_at: sends_at + LIFETIME,
        issued_at: sends_at,
    };
    let password = NewPassword::parse("a long enough password", "a long enough password").unwrap();
    let mut terminal: Option<InviteStatus> = None;
    for (step, op) in ops.iter().enumerate() {
        let now = clock.now();
        let before = model.status(now);
        let pending = before == InviteStatus::Pending;
        match op {
            Op::Wait(hours) => clock.advance(i64::from(*hours) * HOUR),
            Op::WaitMinutes(m) => clock.advance(i64::from(*m) * MINUTE),
            Op::Accept => {
                let r = s
                    .accept_invite(links.last().unwrap(), "M", &password, &actor)
                    .await;
                assert_eq!(
                    r.is_ok(),
                    pending,
                    "accept at step {step} ({before:?}): {r:?}"
                );
                model.accepted |= pending;
            }
            Op::AcceptReplacedLink => {
                if links.len() > 1 {
                    let r = s.accept_invite(&links[0], "M", &password, &actor).await;
                    assert!(r.is_err(), "a replaced link was accepted at step {step}");
                }
            }
            Op::Revoke => {
                let may = pending || before == InviteStatus::Scheduled;
                let r = s.revoke_invite(&admin, &id).await;
                assert_eq!(r.is_ok(), may, "revoke at step {step} ({before:?}): {r:?}");
                model.revoked |= may;
            }
            Op::SendNow => {
                let may = before == InviteStatus::Scheduled;
                let r = s.send_invite_now(&admin, &id).await;
                assert_eq!(
                    r.is_ok(),
                    may,
                    "send now at step {step} ({before:?}): {r:?}"
                );
                if may {
                    model.send_at = Some(now);
                    model.expires_at = now + LIFETIME;
                    model.issued_at = now;
                }
            }
            Op::Resend => {
                let r = s.resend_invite(&admin, &id, true).await;
                let may = matches!(before, InviteStatus::Pending | InviteStatus::Expired)
                    && now - model.issued_at >= COOLDOWN;
                assert_eq!(r.is_ok(), may, "resend at step {step} ({before:?}): {r:?}");
                if let Ok(link) = r {
                    links.push(token_of(&link.link));
                    model.expires_at = now + LIFETIME;
                    model.issued_at = now;
                }
            }
            Op::Decline => {
                let r = s
                    .decline_invite(links.last().unwrap(), "not for me", &actor)
                    .await;
                assert_eq!(
                    r.is_ok(),
                    pending,
                    "decline at step {step} ({before:?}): {r:?}"
                );
                model.declined |= pending;
            }
            Op::Open => {
                let view = s
                    .open_invite_link(links.last().unwrap(), &actor)
                    .await
                    .unwrap();
                assert_eq!(
                    matches!(view, LinkView::Open(_)),
                    pending,
                    "open at step {step}: {view:?}"
                );
            }
        }
        let after = model.status(clock.now());
        if let Some(t) = terminal {
            assert_eq!(after, t, "a terminal state changed at step {step}");
        }
        if after.is_terminal() {
            terminal = Some(after);
        }
        assert_status(&s, &id, after, step).await;
    }
}

fn run(postgres: bool) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &(start(), prop::collection::vec(op(), 1..14)),
            |(start, ops)| {
                rt.block_on(run_case(postgres, start, ops));
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn the_life_cycle_follows_the_model_on_sqlite() {
    run(false);
}

#[test]
fn the_life_cycle_follows_the_model_on_postgres() {
    assert!(
        std::env::var("VESTIBULE_TEST_POSTGRES_URL").is_ok(),
        "VESTIBULE_TEST_POSTGRES_URL is not set: run scripts/test.sh, which starts a PostgreSQL"
    );
    run(true);
}

/// A sequence the random search may miss: repeated resends after time has passed. Each
/// resend gives the link the invite's original lifetime, not a growing one.
#[test]
fn repeated_resends_keep_the_original_lifetime() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ops = vec![
        Op::Wait(20),
        Op::Resend,
        Op::Wait(20),
        Op::Resend,
        Op::Wait(23),
        Op::Open,
        Op::Wait(1),
        Op::Accept,
    ];
    rt.block_on(run_case(false, None, ops.clone()));
    rt.block_on(run_case(true, None, ops));
}

/// A scheduled invite: its link is refused until the send, the invite cannot be resent
/// meanwhile, and from the send on it lives the invite's lifetime.
#[test]
fn a_scheduled_invite_opens_at_its_send_and_lives_from_then() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ops = vec![
        Op::Open,
        Op::Accept,
        Op::Resend,
        Op::Wait(5),
        Op::Open,
        Op::Wait(24),
        Op::Open,
        Op::Resend,
    ];
    rt.block_on(run_case(false, Some(6), ops.clone()));
    rt.block_on(run_case(true, Some(6), ops));
}
