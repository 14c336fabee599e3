//! How an email search narrows the invites list. Each search has two plans, one through an
//! index of the matches and one filtering while walking the sort's own index. A probe picks
//! the cheaper for this text, at this size; a "contains" search with many matches tries a
//! bounded walk first and falls back to the index (see `CONTAINS_WALK`).

use crate::on_db;
use crate::store::dynamic::Args;
use crate::store::invites::like_escape;
use crate::store::Db;
use model::{Cursor, InviteQuery, SearchMode, SortDir, SortKey};

/// Prefixes matching at most this many addresses are searched through the email index.
/// Either plan then touches about sqrt(50 × invites) rows at worst: 7,000 at a million.
const PREFIX_PROBE: i64 = 5_000;

/// How a "contains" search chooses between the trigram index (migration 0007) and walking
/// the sort's index with the LIKE as a filter. Fetching a match through the trigram index
/// costs a few µs; walking, about 1.5 µs a row, and a page of 50 common matches comes after
/// 50 / (share of rows matching) rows. So rare texts want the index and common ones the walk.
///
/// On SQLite the FTS5 index counts matches cheaply and can stop early: fewer than
/// `CONTAINS_PROBE` matches take the index. PostgreSQL's GIN index cannot stop early (it
/// builds the whole bitmap first, 40 ms for a text in 5,000 addresses), so there the walk is
/// tried first for every text.
///
/// Either way the walk is bounded: if the first `CONTAINS_WALK` rows of it hold a page's
/// worth of matches, they are the page; if not, the page is read through the index. A text
/// common overall but absent from the newest rows (`chen1` in the seeded data: 9,365 addresses,
/// all among the oldest fifth) would otherwise walk 800,000 rows for its first page: 340 ms on
/// SQLite.
///
/// The bound is also what keeps PostgreSQL walking. Its planner guesses a "contains" text's
/// matches from a 100-address sample: for one in 0.5% of a million addresses it expected 126
/// rows, so walking looked like reading half the index, and it scanned the whole table and
/// sorted instead (120 ms alone, 280 ms p95 under load). A walk of at most 20,000 rows in a
/// subquery leaves it no such choice.
const CONTAINS_PROBE: i64 = 2_500;
/// SQLite, for a page the trigram index sorts itself (`sorts_in_index`): about 1.5 µs a
/// match, so 12,000 cost 18 ms, where a walk through a stretch without matches can cost
/// 300 ms (see `CONTAINS_WALK`).
const CONTAINS_SORTED_PROBE: i64 = 12_000;
const CONTAINS_WALK: i64 = 20_000;

/// The thresholds that choose a search plan. Tests set them to take either plan.
#[derive(Clone, Copy, Debug)]
pub struct Probes {
    pub prefix: i64,
    /// SQLite: most matches the trigram index is used for.
    pub contains: i64,
    /// SQLite: the same, for a page the index sorts itself (`sorts_in_index`).
    pub contains_sorted: i64,
    /// Rows of the bounded walk tried for a page's worth of matches.
    pub contains_walk: i64,
}

impl Default for Probes {
    fn default() -> Self {
        Probes {
            prefix: PREFIX_PROBE,
            contains: CONTAINS_PROBE,
            contains_sorted: CONTAINS_SORTED_PROBE,
            contains_walk: CONTAINS_WALK,
        }
    }
}

/// Whether fewer than `probe` addresses lie in [lo, hi): an index-only count that stops
/// early.
async fn prefix_matches_few(db: &Db, lo: &str, hi: &str, probe: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM invites WHERE email >= $1 AND email < $2 LIMIT $3) t",
    )
    .bind(lo)
    .bind(hi)
    .bind(probe)
    .fetch_one(p)
    .await)?;
    Ok(n < probe)
}

/// How the search term narrows the list, once the probes have chosen a plan.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum SearchPlan {
    None,
    /// Prefix search; `few`: through the email index, else while walking the sort's index.
    Prefix {
        few: bool,
    },
    /// Contains search while walking the sort's index. `within`: the walk reads at most that
    /// many rows; a page it does not fill is read through the trigram index instead.
    ContainsWalk {
        within: Option<i64>,
    },
    /// Contains search through the trigram index.
    ContainsIndex,
}

/// The plan for `q`'s search, from its probes.
pub(super) async fn choose(
    db: &Db,
    q: &InviteQuery,
    probes: Probes,
) -> Result<SearchPlan, sqlx::Error> {
    Ok(if q.search.is_empty() {
        SearchPlan::None
    } else {
        match q.mode {
            SearchMode::Prefix => {
                let hi = format!("{}{}", q.search, char::MAX);
                SearchPlan::Prefix {
                    few: q.sort == SortKey::Email
                        || prefix_matches_few(db, &q.search, &hi, probes.prefix).await?,
                }
            }
            // Shorter than a trigram: the index cannot help, walking is the one plan.
            SearchMode::Contains if q.search.chars().count() < 3 => {
                SearchPlan::ContainsWalk { within: None }
            }
            SearchMode::Contains => match db {
                Db::Sqlite(s) if contains_by_index(&s.read, db, q, probes).await? => {
                    SearchPlan::ContainsIndex
                }
                // Many matches: their first page is usually near the walk's start, but not
                // always (see `CONTAINS_WALK`), so the walk is bounded on both backends.
                Db::Sqlite(_) | Db::Postgres(_) => SearchPlan::ContainsWalk {
                    within: Some(probes.contains_walk),
                },
            },
        }
    })
}

/// The search's condition on the walk's rows, for a bounded walk (see `SearchPlan`).
pub(super) fn walk_condition(q: &InviteQuery, args: &mut Args) -> String {
    like_condition("i.email", q, args)
}

fn like_condition(column: &str, q: &InviteQuery, args: &mut Args) -> String {
    format!(
        "{column} LIKE '%' || {} || '%' ESCAPE '\\'",
        args.text(like_escape(&q.search))
    )
}

/// SQLite: whether a page through the trigram index can be sorted inside it, reading only the
/// page's invites: a search of the whole list (no other filter) by creation time, which the
/// index carries (migration 0019). Any other page looks every match up in `invites` first.
pub(super) fn sorts_in_index(db: &Db, q: &InviteQuery) -> bool {
    matches!(db, Db::Sqlite(_))
        && q.mode == SearchMode::Contains
        && q.sort == SortKey::Created
        && q.status.is_none()
        && q.role_id.is_none()
        && q.team_id.is_none()
        && q.inviter_id.is_none()
        && q.delivery.is_none()
        && q.ends_within_days.is_none()
}

/// SQLite, when `sorts_in_index`: the ids of a page straight from the trigram index, in the
/// list's order. `after`: the (creation time, id) placeholders the page starts beyond, and
/// the comparison that walks on from them.
pub(super) fn ids_in_index_order(
    q: &InviteQuery,
    args: &mut Args,
    after: Option<(String, String, &str)>,
    dir: &str,
    limit: i64,
) -> String {
    let phrase = args.text(fts_phrase(&q.search));
    let mut conds = vec![
        format!("invite_email_trigrams MATCH {phrase}"),
        like_condition("email", q, args),
    ];
    if let Some((at, id, op)) = after {
        conds.push(format!("(created_at, invite_id) {op} ({at}, {id})"));
    }
    let limit = args.int(limit);
    format!(
        "SELECT invite_id FROM invite_email_trigrams WHERE {} \
         ORDER BY created_at {dir}, invite_id {dir} LIMIT {limit}",
        conds.join(" AND ")
    )
}

/// The conditions of the search, as `plan` says.
pub(super) fn conditions_for(
    db: &Db,
    q: &InviteQuery,
    args: &mut Args,
    plan: SearchPlan,
) -> Vec<String> {
    let mut conds = Vec::new();
    match plan {
        SearchPlan::None => {}
        // A range: every address that starts with the text sorts between it and the text
        // followed by the highest code point. Few matches: found through the email index,
        // then sorted. Many: filtered while walking the sort's own index; `|| ''` keeps the
        // planner (SQLite's especially) from using the email index, which would sort them all.
        SearchPlan::Prefix { few } => {
            let lo = args.text(q.search.clone());
            let hi = args.text(format!("{}{}", q.search, char::MAX));
            let email = if few { "i.email" } else { "(i.email || '')" };
            conds.push(format!("{email} >= {lo} AND {email} < {hi}"));
        }
        // A bounded walk applies the search outside its walk (`walk_condition`).
        SearchPlan::ContainsWalk { within: Some(_) } => {}
        SearchPlan::ContainsWalk { within: None } => conds.push(walk_condition(q, args)),
        SearchPlan::ContainsIndex => {
            conds.push(walk_condition(q, args));
            // On PostgreSQL the index narrows the rows' source instead (`rows_source`).
            if let Db::Sqlite(_) = db {
                conds.push(trigram_condition(q, args));
            }
        }
    }
    conds
}

/// The rows a page's ids are taken from, named `i`: the invites, or on PostgreSQL, for a
/// search through the trigram index, the invites that GIN index finds. Its expression is the
/// one the index is built on (migration 0008), so that only this search reaches it and
/// `email = …` lookups keep the B-tree. `OFFSET 0` keeps the planner from folding the
/// subquery into the page's walk: as a plain condition on the listed rows, the planner
/// judged by its guess of the matches and, on one seed of a million invites, walked the
/// creation-time index past 800,000 rows for `chen1` (300 ms) instead of reading its 9,365
/// matches (17 ms). As `i.id IN (SELECT id FROM invites WHERE …)` it read them and then
/// looked each one up again by id (34 ms).
pub(super) fn rows_source(db: &Db, q: &InviteQuery, args: &mut Args, plan: SearchPlan) -> String {
    match (db, plan) {
        (Db::Postgres(_), SearchPlan::ContainsIndex) => {
            let pattern = args.text(format!("%{}%", like_escape(&q.search)));
            format!("(SELECT * FROM invites WHERE (email || '') LIKE {pattern} OFFSET 0) i")
        }
        _ => "invites i".to_owned(),
    }
}

/// SQLite: the invites whose address contains the search text, through the trigram index
/// (an FTS5 table with the trigram tokenizer; PostgreSQL's pg_trgm GIN index is reached
/// through `rows_source`). One SQL text cannot serve here, the one place the list's
/// statement differs per backend. Only for texts of three characters or more: shorter ones
/// have no trigram.
fn trigram_condition(q: &InviteQuery, args: &mut Args) -> String {
    let phrase = args.text(fts_phrase(&q.search));
    format!(
        "i.id IN (SELECT invite_id FROM invite_email_trigrams \
         WHERE invite_email_trigrams MATCH {phrase})"
    )
}

/// SQLite: whether fewer than `probe` addresses contain the search text, counted in the
/// FTS5 index, which stops counting there (see `CONTAINS_PROBE`).
async fn contains_matches_few(
    read: &super::read_pool::ReadPool,
    q: &InviteQuery,
    probe: i64,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM invite_email_trigrams \
         WHERE invite_email_trigrams MATCH $1 LIMIT $2) t",
    )
    .bind(fts_phrase(&q.search))
    .bind(probe)
    .fetch_one(read)
    .await?;
    Ok(n < probe)
}

/// SQLite: whether a "contains" page is read through the trigram index: when the text has
/// few matches (`CONTAINS_PROBE`, or `CONTAINS_SORTED_PROBE` for a first page the index
/// sorts), unless, for that first page, the newest invites alone hold a page of them (counted in the
/// index by rowid, its insertion order, without reading a row): then the walk finds that
/// page at once, where the index would read every match. `kofi.chen`, 5,137 matches spread
/// over a million invites: 109 among the newest 20,000, a walk of 2 ms; `chen1`, 9,365 all
/// among the oldest fifth: none, the index.
async fn contains_by_index(
    read: &super::read_pool::ReadPool,
    db: &Db,
    q: &InviteQuery,
    probes: Probes,
) -> Result<bool, sqlx::Error> {
    // A later page starts at its cursor, somewhere in the middle, where the newest rows tell
    // nothing: there the walk is tried first (bounded) unless the matches are few.
    let sorted_first = sorts_in_index(db, q) && q.cursor == Cursor::First;
    let probe = if sorted_first {
        probes.contains_sorted
    } else {
        probes.contains
    };
    if !contains_matches_few(read, q, probe).await? {
        return Ok(false);
    }
    if !sorted_first {
        return Ok(true);
    }
    // Where the walk starts: the newest end, or the oldest for oldest first.
    let sql = match q.dir {
        SortDir::Desc => {
            "SELECT COUNT(*) FROM (SELECT 1 FROM invite_email_trigrams \
             WHERE invite_email_trigrams MATCH $1 \
             AND rowid > (SELECT MAX(rowid) FROM invite_email_trigrams) - $2 LIMIT $3) t"
        }
        SortDir::Asc => {
            "SELECT COUNT(*) FROM (SELECT 1 FROM invite_email_trigrams \
             WHERE invite_email_trigrams MATCH $1 \
             AND rowid < (SELECT MIN(rowid) FROM invite_email_trigrams) + $2 LIMIT $3) t"
        }
    };
    let recent: i64 = sqlx::query_scalar(sql)
        .bind(fts_phrase(&q.search))
        .bind(probes.contains_walk)
        .bind(i64::from(q.per_page) + 1)
        .fetch_one(read)
        .await?;
    Ok(recent <= i64::from(q.per_page))
}

/// An FTS5 phrase of the text as it is: quotes doubled, operators plain text.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}
