//! Invites many at a time, for the issuing path (bulk imports, and a single invite's teams):
//! multi-row statements that bind at most `dynamic::MAX_VALUES` values each.

use std::collections::HashSet;

use crate::clock::Millis;
use crate::store::invites::NewInvite;
use crate::store::{dynamic, Db, Tx};

/// `insert_if_free` for many invites in one statement; returns the ids actually inserted
/// (an address with a live invite is skipped, as there).
pub async fn insert_many_if_free(
    tx: &mut Tx,
    rows: &[NewInvite<'_>],
) -> Result<Vec<String>, sqlx::Error> {
    let mut inserted = Vec::with_capacity(rows.len());
    for part in rows.chunks(dynamic::rows_per_statement(13)) {
        let mut args = dynamic::Args::default();
        let values = dynamic::values_rows(&mut args, part, |a, n| {
            vec![
                a.text(n.id),
                a.text(n.email),
                a.text(n.role_id),
                a.text(n.inviter_id),
                a.text(n.message),
                a.text(n.token_digest),
                a.push(dynamic::Arg::OptText(n.copy_digest.map(str::to_owned))),
                a.int(n.created_at),
                a.int(n.expires_at),
                a.text(n.delivery.as_str()),
                a.push(dynamic::Arg::OptText(n.metadata.map(str::to_owned))),
                a.push(dynamic::Arg::OptText(n.landing_path.map(str::to_owned))),
                a.push(dynamic::Arg::OptInt(n.access_ends_at)),
            ]
        });
        let sql = format!(
            "INSERT INTO invites (id, email, role_id, inviter_id, message, token_digest, copy_digest, created_at, expires_at, delivery, metadata, landing_path, access_ends_at) \
             VALUES {values} \
             ON CONFLICT (email) WHERE accepted_at IS NULL AND revoked_at IS NULL AND closed_at IS NULL DO NOTHING \
             RETURNING id"
        );
        inserted.extend(dynamic::fetch_texts_tx(tx, sql, &args).await?);
    }
    Ok(inserted)
}

/// Of `emails`, those that have an account, and those with an invite still pending at `now`
/// (the bulk import's checks, a few statements for any number of addresses).
pub async fn addresses_taken(
    db: &Db,
    emails: &[&str],
    now: Millis,
) -> Result<(HashSet<String>, HashSet<String>), sqlx::Error> {
    let mut members = HashSet::new();
    let mut invited = HashSet::new();
    // The addresses of one chunk as `IN (…)` placeholders, after any `first` values.
    let in_list = |chunk: &[&str], args: &mut dynamic::Args| {
        let list: Vec<String> = chunk.iter().map(|e| args.text(*e)).collect();
        list.join(", ")
    };
    for chunk in emails.chunks(500) {
        let mut args = dynamic::Args::default();
        let list = in_list(chunk, &mut args);
        let sql = format!("SELECT email FROM users WHERE email IN ({list})");
        members.extend(dynamic::fetch_texts(db, sql, &args).await?);
        let mut args = dynamic::Args::default();
        let now_p = args.int(now);
        let list = in_list(chunk, &mut args);
        let sql = format!(
            "SELECT email FROM invites WHERE email IN ({list}) AND accepted_at IS NULL \
             AND revoked_at IS NULL AND closed_at IS NULL AND expires_at > {now_p}"
        );
        invited.extend(dynamic::fetch_texts(db, sql, &args).await?);
    }
    Ok((members, invited))
}

/// `add_team` for many (invite, team) pairs in one statement.
pub async fn add_teams_many(tx: &mut Tx, pairs: &[(&str, &str)]) -> Result<(), sqlx::Error> {
    let mut batch = dynamic::Batch::default();
    add_teams_into(&mut batch, pairs);
    batch.execute(tx).await
}

/// `add_teams_many`'s statements, into `batch`.
pub fn add_teams_into(batch: &mut dynamic::Batch, pairs: &[(&str, &str)]) {
    for part in pairs.chunks(dynamic::rows_per_statement(2)) {
        let mut args = dynamic::Args::default();
        let values = dynamic::values_rows(&mut args, part, |a, (invite, team)| {
            vec![a.text(*invite), a.text(*team)]
        });
        let sql = format!(
            "INSERT INTO invite_teams (invite_id, team_id) VALUES {values} ON CONFLICT DO NOTHING"
        );
        batch.add(sql, args);
    }
}

/// `close_expired_for_email` for many addresses in one statement.
pub async fn close_expired_for_emails(
    tx: &mut Tx,
    emails: &[&str],
    now: Millis,
) -> Result<u64, sqlx::Error> {
    let mut closed = 0;
    for part in emails.chunks(dynamic::rows_per_statement(1) - 1) {
        let mut args = dynamic::Args::default();
        let now = args.int(now);
        let list: Vec<String> = part.iter().map(|e| args.text(*e)).collect();
        let sql = format!(
            "UPDATE invites SET closed_at = {now} WHERE email IN ({}) AND accepted_at IS NULL \
             AND revoked_at IS NULL AND closed_at IS NULL AND expires_at <= {now}",
            list.join(", ")
        );
        closed += dynamic::execute(tx, sql, &args).await?;
    }
    Ok(closed)
}
