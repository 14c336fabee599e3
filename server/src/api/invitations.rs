//! `/api/v1/invitations`: the invite life cycle through the same domain methods as the panel.

use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::csv::Record;
use domain::invites::bulk::BulkOptions;
use domain::invites::{CreateInvite, Expiry, InviteChanges};
use domain::model::{self, ApiScope, InviteRow, ListParams};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::ApiCaller;
use super::json::{parse_rfc3339, rfc3339, ApiJson, ApiQuery};
use super::problem::{ApiResult, Problem};
use super::{Entry, IdName};

pub const MAX_BULK_ITEMS: usize = 1000;

/// An invitation's status, as the panel shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    /// Created with `send_at` in the future: no email and no working link until then.
    Scheduled,
    Pending,
    Accepted,
    Revoked,
    Expired,
    /// The invitee declined (terminal).
    Declined,
}

impl From<model::InviteStatus> for InvitationStatus {
    fn from(s: model::InviteStatus) -> InvitationStatus {
        match s {
            model::InviteStatus::Scheduled => InvitationStatus::Scheduled,
            model::InviteStatus::Pending => InvitationStatus::Pending,
            model::InviteStatus::Accepted => InvitationStatus::Accepted,
            model::InviteStatus::Revoked => InvitationStatus::Revoked,
            model::InviteStatus::Expired => InvitationStatus::Expired,
            model::InviteStatus::Declined => InvitationStatus::Declined,
        }
    }
}

/// Whether the invitation email went out: its own axis, beside the status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting to be sent, or retrying after a temporary failure (see `error`).
    Queued,
    Sent,
    Failed,
    /// Created with `send_email: false`: no email.
    NotSent,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    pub status: DeliveryStatus,
    /// The last sending error, while retrying or once failed.
    pub error: Option<String>,
}

/// Who sent an invitation.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Inviter {
    pub id: String,
    pub email: String,
    pub name: String,
}

/// An invitation. It never carries its link: that is in the one answer that issued it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub status: InvitationStatus,
    pub role: IdName,
    pub teams: Vec<IdName>,
    pub inviter: Inviter,
    /// False when the inviter was deactivated or can no longer grant the role: the invite
    /// will be refused at acceptance until someone who can resends it.
    pub inviter_can_grant: bool,
    pub delivery: Delivery,
    pub message: String,
    /// What the integration kept with the invitation (a JSON object), or null.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
    /// How often the link was opened.
    pub open_count: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(format = DateTime)]
    pub accepted_at: Option<String>,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
    #[schema(format = DateTime)]
    pub declined_at: Option<String>,
    /// When the email goes out (status `scheduled` until then) or went out as scheduled;
    /// null when it was sent at creation.
    #[schema(format = DateTime)]
    pub send_at: Option<String>,
    /// What the invitee wrote when declining, if anything (plain text, as typed).
    pub decline_reason: Option<String>,
    /// Where the member lands after accepting (a path in the app); null: the home page.
    pub landing_path: Option<String>,
    /// When the access this invitation grants ends (the member is deactivated then); null:
    /// it does not.
    #[schema(format = DateTime)]
    pub access_ends_at: Option<String>,
}

impl From<InviteRow> for Invitation {
    fn from(r: InviteRow) -> Invitation {
        let delivery = match r.delivery {
            model::Delivery::Queued => DeliveryStatus::Queued,
            model::Delivery::Sent => DeliveryStatus::Sent,
            model::Delivery::Failed => DeliveryStatus::Failed,
            model::Delivery::NotSent => DeliveryStatus::NotSent,
        };
        Invitation {
            id: r.id,
            email: r.email,
            status: r.status.into(),
            role: IdName {
                id: r.role_id,
                name: r.role_name,
            },
            teams: r.teams.into_iter().map(IdName::from).collect(),
            inviter: Inviter {
                id: r.inviter_id,
                email: r.inviter_email,
                name: r.inviter_name,
            },
            inviter_can_grant: r.inviter_can_grant,
            delivery: Delivery {
                status: delivery,
                error: r.delivery_error,
            },
            message: r.message,
            metadata: r.metadata.and_then(|m| serde_json::from_str(&m).ok()),
            open_count: r.open_count,
            created_at: rfc3339(r.created_at),
            expires_at: rfc3339(r.expires_at),
            accepted_at: r.accepted_at.map(rfc3339),
            revoked_at: r.revoked_at.map(rfc3339),
            declined_at: r.declined_at.map(rfc3339),
            send_at: r.send_at.map(rfc3339),
            decline_reason: r.decline_reason,
            landing_path: r.landing_path,
            access_ends_at: r.access_ends_at.map(rfc3339),
        }
    }
}

/// One invitation with what happened to it, oldest first.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitationDetail {
    #[serde(flatten)]
    pub invitation: Invitation,
    pub timeline: Vec<Entry>,
}

/// The answer to a create or resend: the invitation, and its link when no email was sent
/// (the only time a link is ever shown).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct IssuedInvitation {
    pub invitation: Invitation,
    /// The invitation link, with `send_email: false`; null otherwise, and in a replayed
    /// answer (links are not kept).
    pub link: Option<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    #[schema(min_length = 3, max_length = 254, example = "ann@example.com")]
    pub email: String,
    /// A role's id or name (any case).
    #[schema(min_length = 1, example = "Editor")]
    pub role: String,
    #[serde(default)]
    pub team_ids: Vec<String>,
    /// Hours until the link stops working (1 to 720, within the invite policy); the policy's
    /// default when neither this nor `expires_at` is given.
    #[schema(minimum = 1, maximum = 720)]
    pub expires_in_hours: Option<i64>,
    /// When the link stops working, instead of `expires_in_hours`.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// A note shown in the email and on the invitation page (at most 500 characters).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub message: String,
    /// False: send no email, and answer with the link instead, once.
    #[serde(default = "yes")]
    pub send_email: bool,
    /// A JSON object of at most 4 KB kept with the invitation and given back as it came.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
    /// Where the member lands after accepting: a path in the app such as `/dashboard`
    /// (no scheme or host, at most 300 characters); the home page when left out.
    #[serde(default)]
    #[schema(max_length = 300, example = "/dashboard")]
    pub landing_path: Option<String>,
    /// When the member's access ends (a contractor's last day): after the link expires, and
    /// not for the Admin role. The member is signed out and deactivated at that moment.
    #[schema(format = DateTime)]
    pub access_ends_at: Option<String>,
    /// When the email goes out (a new hire's first day), within a year; the link's expiry
    /// counts from then. Until then the status is `scheduled` and no link exists, so it
    /// needs `send_email`. Now when left out.
    #[schema(format = DateTime)]
    pub send_at: Option<String>,
}

fn yes() -> bool {
    true
}

/// The expiry a request asks for: hours, a time, or the policy's default.
fn expiry_of(hours: Option<i64>, at: Option<&str>) -> ApiResult<Option<Expiry>> {
    match (hours, at) {
        (Some(_), Some(_)) => Err(Problem::invalid(
            "expires_at",
            "Give expires_in_hours or expires_at, not both.",
        )),
        (Some(h), None) => Ok(Some(Expiry::Hours(h))),
        (None, Some(t)) => Ok(Some(Expiry::At(parse_rfc3339("expires_at", t)?))),
        (None, None) => Ok(None),
    }
}

async fn detail(
    state: &AppState,
    caller: &domain::access::Caller,
    id: &str,
) -> ApiResult<Invitation> {
    let (row, _) = state.services.invite_detail(caller, id).await?;
    Ok(row.into())
}

/// Invite someone.
#[utoipa::path(post, path = "/invitations", tag = "invitations",
    request_body = NewInvitation,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses(
        (status = 201, body = IssuedInvitation),
        (status = 409, body = Problem, description = "The address has a pending invitation"),
        (status = 422, body = Problem, description = "A property is wrong: `field` names it"),
        (status = 429, body = Problem),
    ),
    security(("api_key" = ["invitations:write"])))]
pub async fn create(
    State(state): State<AppState>,
    key: ApiCaller,
    ApiJson(req): ApiJson<NewInvitation>,
) -> ApiResult<(StatusCode, Json<IssuedInvitation>)> {
    let caller = key.need(ApiScope::InvitationsWrite)?;
    let expiry = match expiry_of(req.expires_in_hours, req.expires_at.as_deref())? {
        Some(e) => e,
        None => Expiry::Hours(state.services.policy().await?.default_expiry_hours),
    };
    let issued = state
        .services
        .create_invite(
            caller,
            CreateInvite {
                email: &req.email,
                role: &req.role,
                team_ids: &req.team_ids,
                expiry,
                message: &req.message,
                send_email: req.send_email,
                metadata: req.metadata.as_ref(),
                landing_path: req.landing_path.as_deref().unwrap_or_default(),
                access_ends_at: req
                    .access_ends_at
                    .as_deref()
                    .map(|t| parse_rfc3339("access_ends_at", t))
                    .transpose()?,
                send_at: req
                    .send_at
                    .as_deref()
                    .map(|t| parse_rfc3339("send_at", t))
                    .transpose()?,
            },
        )
        .await?;
    let invitation = detail(&state, caller, &issued.invite_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedInvitation {
            invitation,
            link: issued.link.filter(|_| !req.send_email),
        }),
    ))
}

/// The filters, sort and page of `GET /invitations`, as the panel's list has them.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `scheduled`, `pending`, `accepted`, `expired`, `revoked` or `declined`.
    pub status: Option<String>,
    /// A role's id.
    pub role: Option<String>,
    /// A team's id.
    pub team: Option<String>,
    /// The inviter's user id.
    pub inviter: Option<String>,
    /// `queued`, `sent`, `failed` or `not_sent`.
    pub delivery: Option<String>,
    /// Only invitations whose access ends within so many days (1 to 3650).
    pub ends_within_days: Option<String>,
    /// Text to find in the email address.
    pub email: Option<String>,
    /// How `email` matches: `contains` (the default) or `prefix`.
    #[param(rename = "match")]
    #[serde(rename = "match")]
    pub match_mode: Option<String>,
    /// `created` (the default), `expires` or `email`.
    pub sort: Option<String>,
    /// `desc` (the default) or `asc`.
    pub dir: Option<String>,
    /// A cursor: the page after this invitation id (`next_after` of the previous page).
    pub after: Option<String>,
    /// A cursor: the page before this invitation id (`prev_before`).
    pub before: Option<String>,
    /// Rows per page, 1 to 100 (50 by default).
    pub limit: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Counts {
    pub scheduled: i64,
    pub pending: i64,
    pub accepted: i64,
    pub expired: i64,
    pub revoked: i64,
    pub declined: i64,
}

/// One page of invitations, and how many there are in each status (of all, not the filter's).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitationPage {
    pub data: Vec<Invitation>,
    pub counts: Counts,
    /// Pass as `after` for the next page; null on the last.
    pub next_after: Option<String>,
    /// Pass as `before` for the previous page; null on the first.
    pub prev_before: Option<String>,
}

fn api_param(panel: &str) -> &str {
    match panel {
        "q" => "email",
        "mode" => "match",
        "per_page" => "limit",
        other => other,
    }
}

/// Invitations, filtered and paged like the panel's list.
#[utoipa::path(get, path = "/invitations", tag = "invitations", params(ListQuery),
    responses((status = 200, body = InvitationPage), (status = 422, body = Problem)),
    security(("api_key" = ["invitations:read"])))]
pub async fn list(
    State(state): State<AppState>,
    key: ApiCaller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<InvitationPage>> {
    let caller = key.need(ApiScope::InvitationsRead)?;
    let params = ListParams {
        status: q.status,
        role: q.role,
        team: q.team,
        inviter: q.inviter,
        delivery: q.delivery,
        ends_within: q.ends_within_days,
        q: q.email,
        mode: q.match_mode,
        sort: q.sort,
        dir: q.dir,
        after: q.after,
        before: q.before,
        per_page: q.limit,
    };
    let query = model::InviteQuery::from_params(&params)
        .map_err(|e| Problem::invalid(api_param(e.param), e.message))?;
    let page = state.services.list_invites(caller, &query).await?;
    Ok(Json(InvitationPage {
        data: page.rows.into_iter().map(Invitation::from).collect(),
        counts: Counts {
            scheduled: page.counts.scheduled,
            pending: page.counts.pending,
            accepted: page.counts.accepted,
            expired: page.counts.expired,
            revoked: page.counts.revoked,
            declined: page.counts.declined,
        },
        next_after: page.next_after,
        prev_before: page.prev_before,
    }))
}

/// One invitation with its timeline.
#[utoipa::path(get, path = "/invitations/{id}", tag = "invitations",
    params(("id" = String, Path, description = "The invitation's id")),
    responses((status = 200, body = InvitationDetail), (status = 404, body = Problem)),
    security(("api_key" = ["invitations:read"])))]
pub async fn get(
    State(state): State<AppState>,
    key: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<InvitationDetail>> {
    let caller = key.need(ApiScope::InvitationsRead)?;
    let (row, events) = state.services.invite_detail(caller, &id).await?;
    Ok(Json(InvitationDetail {
        invitation: row.into(),
        timeline: events.into_iter().map(Entry::from).collect(),
    }))
}

/// Revoke a pending invitation: its links stop working at once.
#[utoipa::path(post, path = "/invitations/{id}/revoke", tag = "invitations",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = Invitation), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not pending")),
    security(("api_key" = ["invitations:revoke"])))]
pub async fn revoke(
    State(state): State<AppState>,
    key: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Invitation>> {
    let caller = key.need(ApiScope::InvitationsRevoke)?;
    state.services.revoke_invite(caller, &id).await?;
    Ok(Json(detail(&state, caller, &id).await?))
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resend {
    /// False: no email; the new link is in the answer, once.
    #[serde(default = "yes")]
    pub send_email: bool,
}

/// New links for a pending (or expired) invitation, and a renewed expiry; the old links die.
#[utoipa::path(post, path = "/invitations/{id}/resend", tag = "invitations",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body(content = Option<Resend>, description = "Optional"),
    responses((status = 200, body = IssuedInvitation), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 429, body = Problem)),
    security(("api_key" = ["invitations:write"])))]
pub async fn resend(
    State(state): State<AppState>,
    key: ApiCaller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Resend>,
) -> ApiResult<Json<IssuedInvitation>> {
    let caller = key.need(ApiScope::InvitationsWrite)?;
    let issued = state
        .services
        .resend_invite(caller, &id, req.send_email)
        .await?;
    Ok(Json(IssuedInvitation {
        invitation: detail(&state, caller, &id).await?,
        link: issued.link.filter(|_| !req.send_email),
    }))
}

/// Send a scheduled invitation's email now instead of at its `send_at`: the same link, its
/// expiry counted from now.
#[utoipa::path(post, path = "/invitations/{id}/send-now", tag = "invitations",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = Invitation), (status = 404, body = Problem),
        (status = 403, body = Problem, description = "Someone else's invite, and you may not revoke"),
        (status = 409, body = Problem, description = "Not scheduled")),
    security(("api_key" = ["invitations:write"])))]
pub async fn send_now(
    State(state): State<AppState>,
    key: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Invitation>> {
    let caller = key.need(ApiScope::InvitationsWrite)?;
    state.services.send_invite_now(caller, &id).await?;
    Ok(Json(detail(&state, caller, &id).await?))
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationChanges {
    /// A role's id or name; checked against your rights again.
    pub role: Option<String>,
    /// The teams, all of them (`[]` for none).
    pub team_ids: Option<Vec<String>>,
    #[schema(minimum = 1, maximum = 720)]
    pub expires_in_hours: Option<i64>,
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

/// Change a pending invitation's role, teams or expiry. Its links stay as they are.
#[utoipa::path(patch, path = "/invitations/{id}", tag = "invitations",
    params(("id" = String, Path)), request_body = InvitationChanges,
    responses((status = 200, body = Invitation), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not pending"), (status = 422, body = Problem)),
    security(("api_key" = ["invitations:write"])))]
pub async fn update(
    State(state): State<AppState>,
    key: ApiCaller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<InvitationChanges>,
) -> ApiResult<Json<Invitation>> {
    let caller = key.need(ApiScope::InvitationsWrite)?;
    let expiry = expiry_of(req.expires_in_hours, req.expires_at.as_deref())?;
    state
        .services
        .change_invite(
            caller,
            &id,
            InviteChanges {
                role: req.role.as_deref(),
                team_ids: req.team_ids.as_deref(),
                expiry,
            },
        )
        .await?;
    Ok(Json(detail(&state, caller, &id).await?))
}

/// One invitation of a bulk request. An item that breaks a rule (a bad address, an unknown
/// role) does not fail the request: its result says what is wrong, as a CSV row's would.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkItem {
    pub email: String,
    /// A role's id or name.
    pub role: String,
    /// Teams' ids (or names).
    #[serde(default)]
    pub team_ids: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    /// Up to 1,000 invitations.
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<BulkItem>,
    /// For every item; the policy's default if absent.
    #[schema(minimum = 1, maximum = 720)]
    pub expires_in_hours: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkOutcome {
    /// Dry run: would be invited.
    Ready,
    Created,
    Refused,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BulkResult {
    /// The item's position in `items`, from 0.
    pub index: usize,
    pub email: String,
    pub outcome: BulkOutcome,
    /// Why it was refused.
    pub error: Option<String>,
    /// The new invitation's id, once created.
    pub invitation_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BulkAnswer {
    pub dry_run: bool,
    /// How many were created (0 in a dry run).
    pub created: usize,
    pub results: Vec<BulkResult>,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BulkQuery {
    /// `true`: check every item and write nothing.
    pub dry_run: Option<bool>,
}

/// Invite up to 1,000 people at once, with the CSV import's rules: each item is created or
/// refused on its own, and a dry run checks them all and writes nothing.
#[utoipa::path(post, path = "/invitations/bulk", tag = "invitations", params(BulkQuery,
        ("Idempotency-Key" = Option<String>, Header)),
    request_body = BulkRequest,
    responses((status = 200, body = BulkAnswer), (status = 422, body = Problem)),
    security(("api_key" = ["invitations:write"])))]
pub async fn bulk(
    State(state): State<AppState>,
    key: ApiCaller,
    ApiQuery(q): ApiQuery<BulkQuery>,
    ApiJson(req): ApiJson<BulkRequest>,
) -> ApiResult<Json<BulkAnswer>> {
    let caller = key.need(ApiScope::InvitationsWrite)?;
    if req.items.is_empty() {
        return Err(Problem::invalid("items", "Send at least one item."));
    }
    if req.items.len() > MAX_BULK_ITEMS {
        return Err(Problem::invalid(
            "items",
            format!(
                "Send at most {MAX_BULK_ITEMS} items at once ({} given).",
                req.items.len()
            ),
        ));
    }
    // The CSV import's rows: line n is item n - 1.
    let records: Vec<Record> = req
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| Record {
            line: i + 1,
            fields: vec![
                it.email.trim().to_owned(),
                it.role.trim().to_owned(),
                it.team_ids.join(";"),
            ],
        })
        .collect();
    let dry_run = q.dry_run.unwrap_or(false);
    let services = &state.services;
    let results = if dry_run {
        services
            .plan_records(caller, &records)
            .await?
            .into_iter()
            .map(|p| BulkResult {
                index: p.line - 1,
                outcome: if p.is_ready() {
                    BulkOutcome::Ready
                } else {
                    BulkOutcome::Refused
                },
                error: p.to_row().error,
                email: p.email,
                invitation_id: None,
            })
            .collect::<Vec<_>>()
    } else {
        let expiry_hours = match req.expires_in_hours {
            Some(h) => h,
            None => services.policy().await?.default_expiry_hours,
        };
        let opts = BulkOptions {
            expiry_hours,
            message: &req.message,
        };
        let outcome = services
            .import_records(caller, &records, &opts, |_| {})
            .await?;
        let mut results: Vec<BulkResult> = outcome
            .created_ids
            .iter()
            .map(|(line, id)| BulkResult {
                index: line - 1,
                email: records[line - 1].fields[0].clone(),
                outcome: BulkOutcome::Created,
                error: None,
                invitation_id: Some(id.clone()),
            })
            .chain(outcome.skipped.iter().map(|row| BulkResult {
                index: row.line - 1,
                email: row.email.clone(),
                outcome: BulkOutcome::Refused,
                error: row.error.clone(),
                invitation_id: None,
            }))
            .collect();
        results.sort_by_key(|r| r.index);
        results
    };
    let created = results
        .iter()
        .filter(|r| r.outcome == BulkOutcome::Created)
        .count();
    Ok(Json(BulkAnswer {
        dry_run,
        created,
        results,
    }))
}
