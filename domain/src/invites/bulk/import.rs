//! The import itself: the ready rows planned again, created in transactions of `BATCH`
//! through the one issuing path.

use super::*;

impl Services {
    /// Creates the ready rows of a CSV file. `progress` is called after each batch.
    pub async fn import_bulk(
        &self,
        caller: &Caller,
        text: &str,
        opts: &BulkOptions<'_>,
        progress: impl FnMut(Step),
    ) -> DomainResult<ImportOutcome> {
        let records = parse_rows(text)?;
        self.import_records(caller, &records, opts, progress).await
    }

    /// `import_bulk` for rows already read (the API's items).
    pub async fn import_records(
        &self,
        caller: &Caller,
        records: &[Record],
        opts: &BulkOptions<'_>,
        mut progress: impl FnMut(Step),
    ) -> DomainResult<ImportOutcome> {
        let ttl = parse_expiry_hours(opts.expiry_hours)?;
        let message = parse_message(opts.message)?;
        let policy = self.policy().await?;
        crate::invites::policy::check_expiry(&policy, opts.expiry_hours)?;
        let planned = self.plan_records(caller, records).await?;
        let mut outcome = ImportOutcome {
            total: planned.len(),
            ..ImportOutcome::default()
        };
        let mut done = 0;
        for chunk in planned.chunks(BATCH) {
            let created = self
                .create_batch(caller, chunk, (ttl, &policy), &message, &mut outcome)
                .await?;
            outcome.created += created;
            crate::metrics::domain().invite_changed("created", created as u64);
            done += chunk.len();
            progress(Step {
                done,
                total: outcome.total,
                created: outcome.created,
            });
            self.mail_wakeup.notify_one();
            self.live.publish(Change::general("bulk")).await;
        }
        let now = self.clock.now();
        let summary = Event::new(&caller.actor, Action::BulkImported, None).detail(format!(
            "{} rows: {} invited, {} skipped",
            outcome.total,
            outcome.created,
            outcome.skipped.len()
        ));
        audit_store::insert(&self.db, &summary, now).await?;
        Ok(outcome)
    }

    /// One transaction: every ready row of `chunk` whose address is still free.
    async fn create_batch(
        &self,
        caller: &Caller,
        chunk: &[Planned],
        (ttl, policy): (Millis, &model::InvitePolicy),
        message: &str,
        outcome: &mut ImportOutcome,
    ) -> DomainResult<usize> {
        // A few statements per batch, not several per row: on PostgreSQL each statement is a
        // round trip, and 10,000 rows one by one took 8 s.
        let now = self.clock.now();
        let mut ready = Vec::with_capacity(chunk.len());
        for p in chunk {
            match &p.verdict {
                Verdict::Ready { role, teams } => ready.push((p, role, teams)),
                Verdict::Refused { .. } => outcome.skipped.push(p.to_row()),
            }
        }
        if ready.is_empty() {
            return Ok(0);
        }
        let mut tx = self.db.begin().await?;
        let capped = crate::seats::any_cap(policy);
        if capped {
            // First, before any invite row: the order every create and accept takes.
            crate::store::seats::lock(&mut tx).await?;
        }
        // Checked again inside the transaction: the plan may be a few seconds old.
        let emails: Vec<&str> = ready.iter().map(|(p, _, _)| p.email.as_str()).collect();
        let members = crate::store::users::emails_taken(&mut tx, &emails).await?;
        ready.retain(|(p, _, _)| {
            let member = members.contains(&p.email);
            if member {
                outcome.skipped.push(BulkRow {
                    error: Some("Already a member.".into()),
                    ..p.to_row()
                });
            }
            !member
        });
        let emails: Vec<&str> = ready.iter().map(|(p, _, _)| p.email.as_str()).collect();
        batches::close_expired_for_emails(&mut tx, &emails, now).await?;
        if capped {
            // Row by row in file order, as far as the seats go; the rest are skipped with
            // what is full, never half-created.
            let mut room = crate::seats::Room::count(&mut tx, policy, caller.id(), now).await?;
            let mut fits = Vec::with_capacity(ready.len());
            for row in ready {
                let teams: Vec<crate::seats::SeatTeam> = row.2.iter().map(Into::into).collect();
                match room.take(&mut tx, &teams, now).await? {
                    Ok(()) => fits.push(row),
                    Err(full) => outcome.skipped.push(BulkRow {
                        error: Some(full.message(policy)),
                        ..row.0.to_row()
                    }),
                }
            }
            ready = fits;
        }
        let mut minted = Vec::with_capacity(ready.len());
        for _ in &ready {
            let id = Uuid::now_v7();
            // Bulk imports show no links: each invite has only its emailed one.
            minted.push((id.to_string(), self.mint_links(id, LinkCopy::None)?));
        }
        let rows: Vec<NewInvite> = ready
            .iter()
            .zip(&minted)
            .map(|((p, role, _), (id, links))| NewInvite {
                id,
                email: &p.email,
                role_id: &role.id,
                inviter_id: caller.id(),
                message,
                token_digest: &links.emailed.digest,
                copy_digest: None,
                created_at: now,
                expires_at: now + ttl,
                delivery: model::Delivery::Queued,
                metadata: None,
                landing_path: None,
                access_ends_at: None,
                // Bulk imports are sent at once (not scheduled): the batch insert has no column.
                send_at: None,
            })
            .collect();
        let inserted: std::collections::HashSet<String> =
            batches::insert_many_if_free(&mut tx, &rows)
                .await?
                .into_iter()
                .collect();
        let mut issued = vec![];
        for ((p, role, teams), (id, links)) in ready.iter().zip(&minted) {
            // Someone may have invited the address since the plan: then skip, never fail.
            if !inserted.contains(id) {
                outcome.skipped.push(BulkRow {
                    error: Some("Already invited (pending). Use Resend in the list.".into()),
                    ..p.to_row()
                });
                continue;
            }
            let created =
                Event::new(&caller.actor, Action::InviteCreated, Some(&p.email)).detail(format!(
                    "role {}; expires in {} h; bulk import",
                    role.name,
                    ttl / HOUR
                ));
            outcome.created_ids.push((p.line, id.clone()));
            issued.push(Issuing {
                invite_id: id,
                email: &p.email,
                seed: Some(links.seed.as_str()),
                team_ids: teams.iter().map(|t| t.id.as_str()).collect(),
                event: created,
                expires_at: now + ttl,
                sends_at: now,
            });
        }
        record_issued(&mut tx, &issued, &caller.actor, now, &policy.reminder_hours).await?;
        let created = issued.len();
        tx.commit().await?;
        Ok(created)
    }
}
