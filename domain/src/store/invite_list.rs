//! The invites list at scale: one page of a filtered, sorted list by keyset pagination, and
//! counts per status from counters kept by triggers (migration 0003). How a search narrows
//! it is chosen in `invite_search`.
//!
//! The statement is assembled from fixed fragments; every value is a bound parameter. Each
//! (filter, sort) path has an index in front of it, so a page costs the same at row 50 and at
//! row 500,000.

use model::{Cursor, InviteQuery, InviteStatus, SortDir, SortKey};
use sqlx::AssertSqlSafe;

use crate::clock::Millis;
use crate::store::dynamic::filter_clause;
use crate::store::dynamic::{Arg, Args};
use crate::store::invite_search::{self, Probes, SearchPlan};
use crate::store::invites::InviteFull;
use crate::store::Db;
use crate::{bind_all, on_db};

/// The WHERE conditions for a status, using the generated `state` column
/// (0 open, 1 accepted, 2 revoked, 3 declined). `now` is a placeholder. Equivalent to `status_case!`:
/// a test compares them on every status.
pub fn status_condition(status: InviteStatus, now: &str) -> String {
    match status {
        InviteStatus::Scheduled => format!("i.state = 0 AND i.send_at > {now}"),
        InviteStatus::Pending => format!(
            "i.state = 0 AND i.expires_at > {now} AND (i.send_at IS NULL OR i.send_at <= {now})"
        ),
        InviteStatus::Expired => format!("i.state = 0 AND i.expires_at <= {now}"),
        InviteStatus::Accepted => "i.state = 1".to_owned(),
        InviteStatus::Revoked => "i.state = 2".to_owned(),
        InviteStatus::Declined => "i.state = 3".to_owned(),
    }
}

fn sort_column(sort: SortKey) -> &'static str {
    match sort {
        SortKey::Created => "i.created_at",
        SortKey::Expires => "i.expires_at",
        SortKey::Email => "i.email",
    }
}

/// The sort value of the row a cursor points at.
async fn cursor_value(db: &Db, id: &str, sort: SortKey) -> Result<Option<Arg>, sqlx::Error> {
    let row: Option<(i64, i64, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT created_at, expires_at, email FROM invites WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(created, expires, email)| match sort {
        SortKey::Created => Arg::Int(created),
        SortKey::Expires => Arg::Int(expires),
        SortKey::Email => Arg::Text(email),
    }))
}

/// What a page query found. `rows` are in display order.
pub struct Page {
    pub rows: Vec<InviteFull>,
    /// More rows beyond the last one (in display order).
    pub more_after: bool,
    /// More rows before the first one.
    pub more_before: bool,
}

/// Returned when a cursor names no invite (for example, one from another database).
#[derive(Debug)]
pub struct UnknownCursor;

/// One page of invites matching `q`, at time `now`.
pub async fn page(
    db: &Db,
    q: &InviteQuery,
    now: Millis,
) -> Result<Result<Page, UnknownCursor>, sqlx::Error> {
    page_with_probe(db, q, now, Probes::default()).await
}

/// Where the page starts: after or before the row a cursor names, in walking order.
struct Keyset {
    value: Arg,
    id: String,
}

/// The statement's pieces that depend on the query: sort column, walking direction, order.
struct Walk {
    col: &'static str,
    dir: SortDir,
    backwards: bool,
}

impl Walk {
    fn of(q: &InviteQuery) -> Walk {
        // Walking backwards (the page before a row) reverses the order; rows are flipped back.
        let backwards = matches!(q.cursor, Cursor::Before(_));
        let dir = match (q.dir, backwards) {
            (SortDir::Asc, false) | (SortDir::Desc, true) => SortDir::Asc,
            _ => SortDir::Desc,
        };
        Walk {
            col: sort_column(q.sort),
            dir,
            backwards,
        }
    }

    fn order(&self) -> String {
        format!("{0} {1}, i.id {1}", self.col, self.dir.as_str())
    }
}

/// The WHERE conditions of `q`: its filters, the keyset, and the search as `plan` says.
/// `now_p` is the placeholder of the current time.
fn conditions(
    db: &Db,
    q: &InviteQuery,
    args: &mut Args,
    now_p: &str,
    keyset: Option<&Keyset>,
    walk: &Walk,
    plan: SearchPlan,
) -> Vec<String> {
    let mut conds: Vec<String> = Vec::new();
    if let Some(s) = q.status {
        conds.push(status_condition(s, now_p));
    }
    if let Some(r) = &q.role_id {
        conds.push(format!("i.role_id = {}", args.text(r)));
    }
    if let Some(u) = &q.inviter_id {
        conds.push(format!("i.inviter_id = {}", args.text(u)));
    }
    if let Some(d) = q.delivery {
        conds.push(format!("i.delivery = {}", args.text(d.as_str())));
    }
    if let Some(days) = q.ends_within_days {
        let until = args.int(days * crate::clock::DAY);
        conds.push(format!(
            "i.access_ends_at > {now_p} AND i.access_ends_at <= {now_p} + {until}"
        ));
    }
    if let Some(t) = &q.team_id {
        conds.push(format!(
            "EXISTS (SELECT 1 FROM invite_teams it WHERE it.invite_id = i.id AND it.team_id = {})",
            args.text(t)
        ));
    }
    conds.extend(invite_search::conditions_for(db, q, args, plan));
    if let Some(k) = keyset {
        let v = args.push(k.value.clone());
        let i = args.text(&k.id);
        let op = if walk.dir == SortDir::Asc { ">" } else { "<" };
        conds.push(format!("({}, i.id) {op} ({v}, {i})", walk.col));
    }
    conds
}

/// Where a page starts and how it is searched: what its statements are built from.
struct Prepared {
    walk: Walk,
    keyset: Option<Keyset>,
    plan: SearchPlan,
    limit: i64,
}

impl Prepared {
    async fn of(
        db: &Db,
        q: &InviteQuery,
        probes: Probes,
    ) -> Result<Result<Prepared, UnknownCursor>, sqlx::Error> {
        let keyset = match &q.cursor {
            Cursor::First => None,
            Cursor::After(id) | Cursor::Before(id) => match cursor_value(db, id, q.sort).await? {
                Some(value) => Some(Keyset {
                    value,
                    id: id.clone(),
                }),
                None => return Ok(Err(UnknownCursor)),
            },
        };
        Ok(Ok(Prepared {
            walk: Walk::of(q),
            keyset,
            plan: invite_search::choose(db, q, probes).await?,
            limit: i64::from(q.per_page) + 1,
        }))
    }

    /// The statement of a page by `plan`: its ids first, walking one index (at most `limit`
    /// of them, in walking order); then the joins for those rows only.
    fn statement(&self, db: &Db, q: &InviteQuery, now: Millis, plan: SearchPlan) -> Statement {
        let (keyset, walk, limit) = (self.keyset.as_ref(), &self.walk, self.limit);
        let mut args = Args::default();
        let now_p = args.int(now); // $1: the status expression in select_full! reads it.
        let order = walk.order();
        if plan == SearchPlan::ContainsIndex && invite_search::sorts_in_index(db, q) {
            let after = keyset.map(|k| {
                let at = args.push(k.value.clone());
                let id = args.text(&k.id);
                (at, id, if walk.dir == SortDir::Asc { ">" } else { "<" })
            });
            let ids =
                invite_search::ids_in_index_order(q, &mut args, after, walk.dir.as_str(), limit);
            return Statement {
                sql: format!(
                    "{} WHERE i.id IN ({ids}) ORDER BY {order}",
                    crate::select_full!()
                ),
                args,
            };
        }
        let conds = conditions(db, q, &mut args, &now_p, keyset, walk, plan);
        let ids = match plan {
            // The walk in a subquery of its own, named `i` like the table so that the order and
            // the search read the same, and the search applied to its rows.
            SearchPlan::ContainsWalk {
                within: Some(within),
            } => {
                let within_p = args.int(within);
                let search = invite_search::walk_condition(q, &mut args);
                let limit_p = args.int(limit);
                format!(
                    "SELECT i.id FROM (SELECT i.id, i.email, i.created_at, i.expires_at \
                     FROM invites i {} ORDER BY {order} LIMIT {within_p}) i \
                     WHERE {search} ORDER BY {order} LIMIT {limit_p}",
                    filter_clause(&conds)
                )
            }
            _ => {
                let source = invite_search::rows_source(db, q, &mut args, plan);
                let limit_p = args.int(limit);
                format!(
                    "SELECT i.id FROM {source} {} ORDER BY {order} LIMIT {limit_p}",
                    filter_clause(&conds)
                )
            }
        };
        Statement {
            sql: format!(
                "{} WHERE i.id IN ({ids}) ORDER BY {order}",
                crate::select_full!()
            ),
            args,
        }
    }
}

/// The statement `page` runs first for `q`, with the thresholds given: tests ask the
/// database how it would run it.
pub async fn first_statement(
    db: &Db,
    q: &InviteQuery,
    now: Millis,
    probes: Probes,
) -> Result<Result<Statement, UnknownCursor>, sqlx::Error> {
    Ok(Prepared::of(db, q, probes)
        .await?
        .map(|p| p.statement(db, q, now, p.plan)))
}

/// The statement of a "contains" page read through the trigram index, as a page whose
/// bounded walk fell short runs it: tests ask the database how it would run it.
pub async fn index_statement(
    db: &Db,
    q: &InviteQuery,
    now: Millis,
) -> Result<Result<Statement, UnknownCursor>, sqlx::Error> {
    Ok(Prepared::of(db, q, Probes::default())
        .await?
        .map(|p| p.statement(db, q, now, SearchPlan::ContainsIndex)))
}

/// `page`, with the plan-choosing thresholds given (tests use them to take either plan).
pub async fn page_with_probe(
    db: &Db,
    q: &InviteQuery,
    now: Millis,
    probes: Probes,
) -> Result<Result<Page, UnknownCursor>, sqlx::Error> {
    let prepared = match Prepared::of(db, q, probes).await? {
        Ok(p) => p,
        Err(unknown) => return Ok(Err(unknown)),
    };
    let mut rows = rows_by(db, &prepared.statement(db, q, now, prepared.plan)).await?;
    // A bounded walk that did not fill the page may have stopped short of matches.
    if matches!(prepared.plan, SearchPlan::ContainsWalk { within: Some(_) })
        && (rows.len() as i64) < prepared.limit
    {
        let by_index = prepared.statement(db, q, now, SearchPlan::ContainsIndex);
        rows = rows_by(db, &by_index).await?;
    }
    let more = rows.len() > q.per_page as usize;
    rows.truncate(q.per_page as usize);
    let arrived_by_cursor = prepared.keyset.is_some();
    if prepared.walk.backwards {
        rows.reverse();
        Ok(Ok(Page {
            rows,
            more_after: true,
            more_before: more,
        }))
    } else {
        Ok(Ok(Page {
            rows,
            more_after: more,
            more_before: arrived_by_cursor,
        }))
    }
}

/// A statement and its bound values.
pub struct Statement {
    pub sql: String,
    pub args: Args,
}

async fn rows_by(db: &Db, st: &Statement) -> Result<Vec<InviteFull>, sqlx::Error> {
    on_db!(db, p => bind_all!(sqlx::query_as(AssertSqlSafe(st.sql.clone())), st.args.values())
        .fetch_all(p)
        .await)
}

/// (invite id, team name) for the given invites, in one query.
/// The teams of invites `ids` as (invite id, team id, team name), by name.
pub async fn teams_of(
    db: &Db,
    ids: &[String],
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = Args::default();
    let list: Vec<String> = ids.iter().map(|id| args.text(id.clone())).collect();
    let sql = format!(
        "SELECT it.invite_id, t.id, t.name FROM invite_teams it JOIN teams t ON t.id = it.team_id \
         WHERE it.invite_id IN ({}) ORDER BY lower(t.name)",
        list.join(", ")
    );
    on_db!(db, p => bind_all!(sqlx::query_as(AssertSqlSafe(sql.clone())), args.values())
        .fetch_all(p)
        .await)
}

/// Counts per status of all invites: accepted, revoked and declined from the trigger-kept counters;
/// open ones split into pending and expired by a range on (state, expires_at), which only
/// walks the pending ones (a few weeks of invites at most).
pub async fn counts(db: &Db, now: Millis) -> Result<model::InviteCounts, sqlx::Error> {
    let per_state: Vec<(i64, i64)> = on_db!(db, p => sqlx::query_as(
        "SELECT CAST(state AS BIGINT), CAST(SUM(n) AS BIGINT) FROM invite_state_counts GROUP BY state",
    )
    .fetch_all(p)
    .await)?;
    let live: i64 = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM invites i WHERE i.state = 0 AND i.expires_at > $1",
    )
    .bind(now)
    .fetch_one(p)
    .await)?;
    // Scheduled invites are live ones whose email has not gone out (few: `invites_send_at`).
    let scheduled: i64 = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM invites i WHERE i.send_at > $1 AND i.state = 0",
    )
    .bind(now)
    .fetch_one(p)
    .await)?;
    let pending = live - scheduled;
    let of = |s: i64| {
        per_state
            .iter()
            .find(|(st, _)| *st == s)
            .map_or(0, |(_, n)| *n)
    };
    Ok(model::InviteCounts {
        scheduled,
        pending,
        expired: of(0) - live,
        accepted: of(1),
        revoked: of(2),
        declined: of(3),
    })
}
