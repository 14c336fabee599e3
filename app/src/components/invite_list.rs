//! The pieces of the invites list: status tabs, the filter bar, the table and the pager.
//! Filters, sort and page live in the URL, so every view can be bookmarked and the back
//! button works: the filter bar is a GET form and the tabs and pager are links.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use model::{
    Cursor, Delivery, InviteCounts, InviteList, InviteQuery, InviteStatus, ListFilterOptions,
    SearchMode, SortDir, SortKey,
};

use crate::api::bulk::RevokeInvites;
use crate::api::invites::{ResendInvite, RevokeInvite, SendInviteNow};
use crate::components::badges::{DeliveryBadge, StatusBadge};
use crate::components::time::When;

#[component]
pub fn StatusTabs(counts: InviteCounts, query: InviteQuery) -> impl IntoView {
    let tab = move |status: Option<InviteStatus>, label: String| {
        let target = InviteQuery {
            status,
            ..query.at(Cursor::First)
        };
        let current = query.status == status;
        view! {
            <a href=target.href() class=if current { "tab active" } else { "tab" }
               aria-current=current.then_some("page")>{label}</a>
        }
    };
    view! {
        <nav class="tabs" aria-label="Filter by status">
            {tab(None, format!("All ({})", counts.total()))}
            {InviteStatus::ALL
                .into_iter()
                .map(|s| tab(Some(s), format!("{} ({})", s.label(), counts.of(s))))
                .collect_view()}
        </nav>
    }
}

/// A labelled select whose first option means "any".
#[component]
fn FilterSelect(
    label: &'static str,
    name: &'static str,
    any: &'static str,
    options: Vec<(String, String)>,
    current: Option<String>,
) -> impl IntoView {
    let id = format!("filter-{name}");
    view! {
        <div class="field compact">
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                <option value="">{any}</option>
                {options.into_iter().map(|(value, text)| {
                    let selected = current.as_deref() == Some(value.as_str());
                    view! { <option value=value selected=selected>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
pub fn FilterBar(query: InviteQuery, options: ListFilterOptions) -> impl IntoView {
    let deliveries = [
        Delivery::Queued,
        Delivery::Sent,
        Delivery::Failed,
        Delivery::NotSent,
    ]
    .into_iter()
    .map(|d| (d.as_str().to_owned(), d.label().to_owned()))
    .collect();
    let sorts = SortKey::ALL
        .into_iter()
        .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
        .collect::<Vec<_>>();
    let clear = InviteQuery {
        status: query.status,
        ..InviteQuery::default()
    }
    .href();
    view! {
        <form method="get" action="/invites" class="filters" role="search">
            <input type="hidden" name="status" value=query.status.map(|s| s.as_str()).unwrap_or_default()/>
            <div class="field compact grow">
                <label for="invite-search">"Search email"</label>
                <input id="invite-search" type="search" name="q" placeholder="Search by email"
                    maxlength=model::MAX_SEARCH_CHARS.to_string() value=query.search.clone()/>
            </div>
            <div class="field compact">
                <label for="filter-mode">"Match"</label>
                <select id="filter-mode" name="mode">
                    <option value="contains" selected=query.mode == SearchMode::Contains>"contains"</option>
                    <option value="prefix" selected=query.mode == SearchMode::Prefix>"starts with"</option>
                </select>
            </div>
            <FilterSelect label="By role" name="role" any="Any role" options=options.roles current=query.role_id.clone()/>
            <FilterSelect label="By team" name="team" any="Any team" options=options.teams current=query.team_id.clone()/>
            <FilterSelect label="Invited by" name="inviter" any="Anyone" options=options.inviters current=query.inviter_id.clone()/>
            <FilterSelect label="Email delivery" name="delivery" any="Any delivery" options=deliveries
                current=query.delivery.map(|d| d.as_str().to_owned())/>
            <div class="field compact">
                <label for="filter-ends-within">"Access ends within (days)"</label>
                <input id="filter-ends-within" type="number" name="ends_within" min="1" max="3650"
                    value=query.ends_within_days.map(|d| d.to_string()).unwrap_or_default()/>
            </div>
            <div class="field compact">
                <label for="filter-sort">"Sort by"</label>
                <select id="filter-sort" name="sort">
                    {sorts.into_iter().map(|(v, t)| {
                        let selected = v == query.sort.as_str();
                        view! { <option value=v selected=selected>{t}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field compact">
                <label for="filter-dir">"Order"</label>
                <select id="filter-dir" name="dir">
                    <option value="desc" selected=query.dir == SortDir::Desc>"descending"</option>
                    <option value="asc" selected=query.dir == SortDir::Asc>"ascending"</option>
                </select>
            </div>
            <div class="filter-actions">
                <button type="submit" class="button subtle">"Apply"</button>
                {query.is_narrowed().then(|| view! { <a href=clear class="button subtle">"Clear filters"</a> })}
            </div>
        </form>
    }
}

#[component]
pub fn Pager(list: InviteList, query: InviteQuery) -> impl IntoView {
    let first = (!matches!(query.cursor, Cursor::First)).then(|| query.at(Cursor::First).href());
    let prev = list
        .prev_before
        .map(|id| query.at(Cursor::Before(id)).href());
    let next = list.next_after.map(|id| query.at(Cursor::After(id)).href());
    if first.is_none() && prev.is_none() && next.is_none() {
        return ().into_any();
    }
    view! {
        <nav class="pager" aria-label="Pages">
            {first.map(|h| view! { <a href=h class="button subtle">"First page"</a> })}
            {prev.map(|h| view! { <a href=h class="button subtle" rel="prev">"← Previous"</a> })}
            {next.map(|h| view! { <a href=h class="button subtle" rel="next">"Next →"</a> })}
        </nav>
    }
    .into_any()
}

/// The id of the bulk-revoke form: row checkboxes join it through their `form` attribute
/// (forms cannot nest, and each row has its own Revoke and Resend forms).
const BULK_FORM: &str = "bulk-revoke";

#[component]
pub fn InviteTable(
    list: InviteList,
    narrowed: bool,
    can_revoke: bool,
    can_send: bool,
) -> impl IntoView {
    if list.rows.is_empty() {
        let text = if narrowed || list.counts.total() > 0 {
            "No invites match these filters."
        } else {
            "No invites yet. Send the first one above."
        };
        return view! { <p class="empty">{text}</p> }.into_any();
    }
    let any_pending = list.rows.iter().any(|r| r.status == InviteStatus::Pending);
    let bulk = can_revoke && any_pending;
    view! {
        {bulk.then(|| view! {
            <form method="post" action=RevokeInvites::PATH id=BULK_FORM class="bulk-bar" data-then="revoked refresh">
                <button type="submit" class="button subtle danger">"Revoke selected"</button>
                <span class="hint">"Tick pending invites in the list, then revoke them together."</span>
            </form>
        })}
        <div class="table-wrap" tabindex="0" role="region" aria-label="Invites">
            <table class="invites">
                <thead>
                    <tr>{bulk.then(|| view! { <th><span class="sr-only">"Select"</span></th> })}<th>"Email"</th><th>"Status"</th><th>"Role and teams"</th><th>"Invited by"</th><th>"Created"</th><th>"Expires / accepted"</th><th>"Email"</th><th><span class="sr-only">"Actions"</span></th></tr>
                </thead>
                <tbody>
                    {list.rows.into_iter().enumerate().map(|(i, r)| {
                        let pending = r.status == InviteStatus::Pending;
                        let scheduled = r.status == InviteStatus::Scheduled;
                        // Both can still be withdrawn.
                        let revocable = pending || scheduled;
                        let select = bulk.then(|| {
                            let label = format!("Select {}", r.email);
                            let id = r.id.clone();
                            view! {
                                <td>{pending.then(|| view! {
                                    <input type="checkbox" class="select-row" form=BULK_FORM data-keep=true
                                        name=format!("ids[{i}]") value=id aria-label=label/>
                                })}</td>
                            }
                        });
                        let resendable = matches!(r.status, InviteStatus::Pending | InviteStatus::Expired);
                        let (what, at) = match (r.accepted_at, r.revoked_at, r.declined_at) {
                            (Some(a), _, _) => ("accepted ", a),
                            (_, Some(v), _) => ("revoked ", v),
                            (_, _, Some(d)) => ("declined ", d),
                            _ if scheduled => ("goes out ", r.send_at.unwrap_or(r.expires_at)),
                            _ => ("", r.expires_at),
                        };
                        let when = view! { {what}<When at=at/> };
                        let id = r.id.clone();
                        let id2 = r.id.clone();
                        let id3 = r.id.clone();
                        let href = format!("/invites/{}", r.id);
                        let email = r.email.clone();
                        view! {
                            <tr data-email=r.email.clone()>
                                {select}
                                <td class="email-cell"><a href=href>{email}</a></td>
                                <td data-label="Status">
                                    <StatusBadge status=r.status/>
                                    {(pending && !r.inviter_can_grant).then(|| view! {
                                        <span class="badge delivery-failed" title="The inviter was deactivated or can no longer grant this role; the invite will not be honoured. Resend it to re-issue it under your name.">"Inviter lacks rights"</span>
                                    })}
                                </td>
                                <td class="role-cell" data-label="Role">{r.role_name.clone()}{(!r.teams.is_empty()).then(|| view! { <span class="teams-list">{format!(" · {}", r.team_names())}</span> })}</td>
                                <td data-label="Invited by">{r.inviter_name.clone()}</td>
                                <td data-label="Created"><When at=r.created_at/></td>
                                <td data-label="Expires" class="when-cell">{when}</td>
                                <td data-label="Email"><DeliveryBadge delivery=r.delivery error=r.delivery_error.clone()/></td>
                                <td class="actions">
                                    {(scheduled && can_send).then(|| view! {
                                        <form method="post" action=SendInviteNow::PATH>
                                            <input type="hidden" name="id" value=id3/>
                                            <button type="submit" class="button subtle">"Send now"</button>
                                        </form>
                                    })}
                                    {(revocable && can_revoke).then(|| view! {
                                        <form method="post" action=RevokeInvite::PATH>
                                            <input type="hidden" name="id" value=id/>
                                            <button type="submit" class="button subtle danger">"Revoke"</button>
                                        </form>
                                    })}
                                    {(resendable && can_send).then(|| view! {
                                        <form method="post" action=ResendInvite::PATH data-then="link refresh" data-link-lead="A new link for">
                                            <input type="hidden" name="id" value=id2/>
                                            <button type="submit" class="button subtle">"Resend"</button>
                                        </form>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
