//! The dry run: every row checked against the rules, the directory and the policy, with
//! nothing written.

use super::*;

/// The data rows of a CSV text: parsed, an optional header row dropped, and at least one
/// and at most `MAX_ROWS` of them.
pub fn parse_rows(text: &str) -> DomainResult<Vec<Record>> {
    let mut records = csv::parse(text).map_err(|e| DomainError::invalid("csv", e.to_string()))?;
    let header = records
        .first()
        .and_then(|r| r.fields.first())
        .is_some_and(|f| f.eq_ignore_ascii_case("email"));
    if header {
        records.remove(0);
    }
    if records.is_empty() {
        return Err(DomainError::invalid(
            "csv",
            "No rows found. Give one invite per line: email, role, teams.",
        ));
    }
    if records.len() > MAX_ROWS {
        return Err(DomainError::invalid(
            "csv",
            format!(
                "{} rows: at most {MAX_ROWS} can be invited at once. Split the file.",
                records.len()
            ),
        ));
    }
    Ok(records)
}

/// Checks the data rows (see `parse_rows`) that need no database: shape, email, role, ceiling, teams, duplicates.
pub fn check_records(
    records: &[Record],
    roles: &[RoleRow],
    teams: &[TeamRow],
    held: Permissions,
) -> Vec<Planned> {
    let by_name = |name: &str| -> Option<&RoleRow> {
        roles
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name) || r.id == name)
    };
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(records.len());
    for rec in records {
        // Fields arrive trimmed (`csv::parse`).
        let cell = |k: usize| rec.fields.get(k).map_or("", String::as_str);
        // What the row named, as far as it was found: the report shows it for a refused row.
        let mut email = cell(0).to_owned();
        let mut found_role: Option<RoleRow> = None;
        let mut found_teams: Vec<TeamRow> = Vec::new();
        let checked = (|| -> Result<RoleRow, String> {
            if rec.fields.len() > 3 {
                return Err(format!(
                    "{} columns: expected email, role and teams (separate teams with ;).",
                    rec.fields.len()
                ));
            }
            let address = EmailAddress::parse(cell(0)).map_err(|e| e.to_string())?;
            email = address.as_str().to_owned();
            if cell(1).is_empty() {
                return Err("No role given.".to_owned());
            }
            let Some(role) = by_name(cell(1)) else {
                return Err(format!("Unknown role \"{}\".", cell(1)));
            };
            found_role = Some(role.clone());
            if !held.may_grant(Permissions::from_bits(role.permissions)) {
                return Err(format!(
                    "You cannot invite people as {}: it has permissions your role lacks.",
                    role.name
                ));
            }
            for name in cell(2).split(';').map(str::trim).filter(|n| !n.is_empty()) {
                match teams
                    .iter()
                    .find(|t| t.name.eq_ignore_ascii_case(name) || t.id == name)
                {
                    Some(t) if !found_teams.iter().any(|x| x.id == t.id) => {
                        found_teams.push(t.clone())
                    }
                    Some(_) => {}
                    None => return Err(format!("Unknown team \"{name}\".")),
                }
            }
            if let Some(line) = first_line.get(address.as_str()) {
                return Err(format!("Duplicate: the same address is on line {line}."));
            }
            first_line.insert(address.as_str().to_owned(), rec.line);
            Ok(role.clone())
        })();
        let verdict = match checked {
            Ok(role) => Verdict::Ready {
                role,
                teams: found_teams,
            },
            Err(reason) => Verdict::Refused {
                reason,
                role: found_role,
                teams: found_teams,
            },
        };
        out.push(Planned {
            line: rec.line,
            email,
            verdict,
        });
    }
    out
}

impl Services {
    /// Checks every row of a CSV file; writes nothing.
    pub async fn plan_bulk(&self, caller: &Caller, text: &str) -> DomainResult<Vec<Planned>> {
        caller.require(Permission::SendInvites)?;
        self.plan_records(caller, &parse_rows(text)?).await
    }

    /// `plan_bulk` for rows already read (the API's items): `email, role, teams` each.
    pub async fn plan_records(
        &self,
        caller: &Caller,
        records: &[Record],
    ) -> DomainResult<Vec<Planned>> {
        caller.require(Permission::SendInvites)?;
        let held = caller.ceiling();
        let all_roles = roles::list(&self.db).await?;
        let all_teams = teams::list(&self.db).await?;
        let mut planned = check_records(records, &all_roles, &all_teams, held);
        let ready: Vec<&str> = planned
            .iter()
            .filter(|p| p.is_ready())
            .map(|p| p.email.as_str())
            .collect();
        let now = self.clock.now();
        let (members, invited) = batches::addresses_taken(&self.db, &ready, now).await?;
        let policy = self.policy().await?;
        let mut room = self
            .cap_room(&policy, caller, now)
            .await?
            .map(|(room, _)| room);
        for p in planned.iter_mut().filter(|p| p.is_ready()) {
            let domain = p.email.rsplit('@').next().unwrap_or_default();
            if members.contains(&p.email) {
                p.refuse("Already a member.".into());
            } else if invited.contains(&p.email) {
                p.refuse("Already invited (pending). Use Resend in the list.".into());
            } else if let Err(reason) = policy.check_domain(domain) {
                p.refuse(reason);
            } else if let Some(left) = room.as_mut() {
                if *left == 0 {
                    p.refuse(format!(
                        "Over the daily cap of the invite policy ({} invites per person per 24 hours).",
                        policy.daily_cap
                    ));
                } else {
                    *left -= 1;
                }
            }
        }
        Ok(planned)
    }

    /// The dry run as the page shows it: every problem, and a sample of ready rows.
    pub async fn preview_bulk(&self, caller: &Caller, text: &str) -> DomainResult<BulkPreview> {
        let planned = self.plan_bulk(caller, text).await?;
        let ready = planned.iter().filter(|p| p.is_ready()).count();
        Ok(BulkPreview {
            total: planned.len(),
            ready,
            problems: planned
                .iter()
                .filter(|p| !p.is_ready())
                .map(Planned::to_row)
                .collect(),
            sample: planned
                .iter()
                .filter(|p| p.is_ready())
                .take(SAMPLE)
                .map(Planned::to_row)
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: &str, name: &str, perms: i64) -> RoleRow {
        RoleRow {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            permissions: perms,
            built_in: true,
            in_use: 0,
        }
    }

    fn check(text: &str, held: Permissions) -> Vec<(usize, Option<String>)> {
        let roles = vec![role("admin", "Admin", 63), role("editor", "Editor", 7)];
        let teams = vec![TeamRow {
            id: "t1".into(),
            name: "Brand".into(),
            members: 0,
        }];
        let records = parse_rows(text).unwrap();
        check_records(&records, &roles, &teams, held)
            .into_iter()
            .map(|p| (p.line, p.to_row().error))
            .collect()
    }

    #[test]
    fn every_kind_of_bad_row_gets_its_own_reason_and_good_rows_pass() {
        let editor = Permissions::from_bits(7);
        let rows = check(
            "Email,Role,Teams\n\
             ann@x.example,editor,brand\n\
             not-an-email,editor,\n\
             bob@x.example,owner,\n\
             cy@x.example,Admin,\n\
             di@x.example,editor,Brand;Nope\n\
             ANN@x.example,editor,\n\
             ed@x.example,,\n\
             fi@x.example,editor,a,b\n",
            editor,
        );
        assert_eq!(rows[0], (2, None));
        let reason = |line: usize| {
            rows.iter()
                .find(|r| r.0 == line)
                .unwrap()
                .1
                .clone()
                .unwrap()
        };
        assert!(
            reason(3).contains('@') || reason(3).to_lowercase().contains("email"),
            "{}",
            reason(3)
        );
        assert_eq!(reason(4), "Unknown role \"owner\".");
        assert!(reason(5).contains("permissions your role lacks"));
        assert_eq!(reason(6), "Unknown team \"Nope\".");
        assert_eq!(reason(7), "Duplicate: the same address is on line 2.");
        assert_eq!(reason(8), "No role given.");
        assert!(reason(9).starts_with("4 columns"));
        assert_eq!(rows.len(), 8, "the header is not a row");
    }

    #[test]
    fn the_header_is_optional() {
        let rows = check("ann@x.example,editor\n", Permissions::ALL);
        assert_eq!(rows, vec![(1, None)]);
    }
}
