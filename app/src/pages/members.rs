//! Members: everyone who joined, with role, teams, who invited them and when they last signed in.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::{fmt_utc, fmt_utc_input, CurrentUser, MemberInfo, RoleInfo, TeamInfo};

use crate::api::directory::{list_roles, list_teams};
use crate::api::members::{
    list_members, ChangeMemberRole, SendPasswordReset, SetMemberAccessEnd, SetMemberActive,
    SetMemberTeams,
};
use crate::components::enhance::{AreaError, Enhance};
use crate::components::server_data::loading;
use crate::components::time::When;
use crate::error::AppError;

#[component]
pub fn MembersPage() -> impl IntoView {
    let me = expect_context::<CurrentUser>().id;
    let ends_within = use_query_map()
        .read_untracked()
        .get("ends_within")
        .filter(|d| !d.trim().is_empty());
    let filter_value = ends_within.clone().unwrap_or_default();
    let filtered = ends_within.is_some();
    let data = async move {
        Ok::<_, AppError>((
            list_members(ends_within).await?,
            list_roles().await?,
            list_teams().await?,
        ))
    };
    view! {
        <Title text="Members"/>
        <h1>"Members"</h1>
        <form method="get" action="/members" class="filters" role="search">
            <div class="field compact">
                <label for="members-ends-within">"Access ends within (days)"</label>
                <input id="members-ends-within" type="number" name="ends_within" min="1" max="3650" value=filter_value/>
            </div>
            <div class="filter-actions">
                <button type="submit" class="button subtle">"Apply"</button>
                {filtered.then(|| view! { <a href="/members" class="button subtle">"Show everyone"</a> })}
            </div>
        </form>
        <Enhance live=false>
            <AreaError/>
            <section class="card">
                {loading("members", data, move |(members, roles, teams)| view! {
                    <div data-region="members">
                        <MemberTable members=members roles=roles teams=teams me=me/>
                    </div>
                })}
            </section>
        </Enhance>
    }
}

#[component]
fn MemberTable(
    members: Vec<MemberInfo>,
    roles: Vec<RoleInfo>,
    teams: Vec<TeamInfo>,
    me: String,
) -> impl IntoView {
    if members.is_empty() {
        return view! { <p class="empty">"Nobody has joined yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Members">
            <table class="members">
                <thead>
                    <tr><th>"Member"</th><th>"Role"</th><th>"Teams"</th><th>"Invited by"</th><th>"Joined"</th><th>"Last sign-in"</th><th>"Access ends (UTC)"</th><th>"Status"</th></tr>
                </thead>
                <tbody>
                    {members.into_iter().map(|m| {
                        let is_me = m.id == me;
                        let role_options = roles.clone();
                        let team_options = teams.clone();
                        let id_role = m.id.clone();
                        let id_teams = m.id.clone();
                        let id_active = m.id.clone();
                        let id_reset = m.id.clone();
                        let reset_done = format!("Reset link sent to {}. It works for one hour.", m.email);
                        let id_end = m.id.clone();
                        let end_value = m.access_ends_at.map(fmt_utc_input).unwrap_or_default();
                        let may_end = !is_me && m.role_id != "admin";
                        let current_role = m.role_id.clone();
                        let member_teams: Vec<String> = m.teams.iter().map(|t| t.id.clone()).collect();
                        let next_active = (!m.active).to_string();
                        view! {
                            <tr data-member=m.email.clone() class:inactive=!m.active>
                                <td class="email-cell"><strong>{m.name.clone()}</strong><br/><span class="muted">{m.email.clone()}</span></td>
                                <td data-label="Role">
                                    {if is_me {
                                        view! { <span>{m.role_name.clone()}</span> }.into_any()
                                    } else {
                                        view! {
                                            <form method="post" action=ChangeMemberRole::PATH class="inline-form">
                                                <input type="hidden" name="id" value=id_role/>
                                                <label class="sr-only" for=format!("role-{}", m.id)>"Role"</label>
                                                <select id=format!("role-{}", m.id) name="role_id">
                                                    {role_options.into_iter().map(|r| view! { <option value=r.id.clone() selected=r.id == current_role>{r.name}</option> }).collect_view()}
                                                </select>
                                                <button type="submit" class="button subtle">"Change role"</button>
                                            </form>
                                        }.into_any()
                                    }}
                                </td>
                                <td data-label="Teams">
                                    {if is_me || team_options.is_empty() {
                                        let names: Vec<String> = m.teams.iter().map(|t| t.name.clone()).collect();
                                        view! { <span>{if names.is_empty() { "—".to_owned() } else { names.join(", ") }}</span> }.into_any()
                                    } else {
                                        view! {
                                            <form method="post" action=SetMemberTeams::PATH class="inline-form">
                                                <input type="hidden" name="id" value=id_teams/>
                                                {team_options.into_iter().enumerate().map(|(i, t)| {
                                                    let checked = member_teams.contains(&t.id);
                                                    view! { <label class="check"><input type="checkbox" name=format!("teams[{i}]") value=t.id.clone() checked=checked/>{t.name}</label> }
                                                }).collect_view()}
                                                <button type="submit" class="button subtle">"Save teams"</button>
                                            </form>
                                        }.into_any()
                                    }}
                                </td>
                                <td data-label="Invited by">{m.invited_by.clone().unwrap_or_else(|| "—".into())}</td>
                                <td data-label="Joined"><When at=m.joined_at/></td>
                                <td data-label="Last sign-in">{match m.last_sign_in_at { Some(at) => view! { <When at=at/> }.into_any(), None => "never".into_any() }}</td>
                                <td class="access-end" data-label="Access ends">
                                    {if may_end {
                                        view! {
                                            <form method="post" action=SetMemberAccessEnd::PATH class="inline-form">
                                                <input type="hidden" name="id" value=id_end/>
                                                <label class="sr-only" for=format!("end-{}", m.id)>{format!("Access of {} ends (UTC; empty: never)", m.name)}</label>
                                                <input id=format!("end-{}", m.id) type="datetime-local" step="1" name="ends_at" value=end_value/>
                                                <button type="submit" class="button subtle">"Save end date"</button>
                                            </form>
                                        }.into_any()
                                    } else {
                                        view! { <span>{m.access_ends_at.map(fmt_utc).unwrap_or_else(|| "—".into())}</span> }.into_any()
                                    }}
                                </td>
                                <td data-label="Status">
                                    <span class=if m.active { "badge status-accepted" } else { "badge status-revoked" }>{if m.active { "Active" } else { "Deactivated" }}</span>
                                    {(!m.address_confirmed).then(|| view! {
                                        <span class="badge status-expired address-unconfirmed"
                                            title="Joined through a copied link and has not yet confirmed the address from an email">
                                            "Address not confirmed"
                                        </span>
                                    })}
                                    {(!is_me && m.active).then(|| view! {
                                        <form method="post" action=SendPasswordReset::PATH data-then="replace" data-done=reset_done>
                                            <input type="hidden" name="id" value=id_reset/>
                                            <button type="submit" class="button subtle">"Send password reset link"</button>
                                        </form>
                                    })}
                                    {(!is_me).then(|| view! {
                                        <form method="post" action=SetMemberActive::PATH>
                                            <input type="hidden" name="id" value=id_active/>
                                            <input type="hidden" name="active" value=next_active/>
                                            <button type="submit" class=if m.active { "button subtle danger" } else { "button subtle" }>
                                                {if m.active { "Deactivate" } else { "Reactivate" }}
                                            </button>
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
