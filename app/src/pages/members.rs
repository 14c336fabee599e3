//! Members: everyone who joined, with role, teams, who invited them and when they last signed in.

use leptos::prelude::*;
use leptos_meta::Title;
use model::{fmt_utc, CurrentUser, MemberInfo, RoleInfo, TeamInfo};

use crate::api::directory::{list_roles, list_teams};
use crate::api::members::{list_members, ChangeMemberRole, SetMemberActive, SetMemberTeams};
use crate::components::form::FormError;

#[component]
pub fn MembersPage() -> impl IntoView {
    let me = expect_context::<CurrentUser>();
    let change_role = ServerAction::<ChangeMemberRole>::new();
    let set_teams = ServerAction::<SetMemberTeams>::new();
    let set_active = ServerAction::<SetMemberActive>::new();
    let members = Resource::new(
        move || {
            (
                change_role.version().get(),
                set_teams.version().get(),
                set_active.version().get(),
            )
        },
        |_| list_members(),
    );
    let roles = Resource::new(|| (), |_| list_roles());
    let teams = Resource::new(|| (), |_| list_teams());
    let error = Signal::derive(move || {
        change_role
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| set_teams.value().get().and_then(Result::err))
            .or_else(|| set_active.value().get().and_then(Result::err))
    });
    view! {
        <Title text="Members"/>
        <h1>"Members"</h1>
        <FormError error=error/>
        <section class="card">
            <Transition fallback=|| view! { <p class="loading">"Loading members…"</p> }>
                {move || {
                    let me = me.id.clone();
                    Suspend::new(async move {
                        match (members.await, roles.await, teams.await) {
                            (Ok(m), Ok(r), Ok(t)) => view! {
                                <MemberTable members=m roles=r teams=t me=me change_role=change_role set_teams=set_teams set_active=set_active/>
                            }
                            .into_any(),
                            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                                view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any()
                            }
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn MemberTable(
    members: Vec<MemberInfo>,
    roles: Vec<RoleInfo>,
    teams: Vec<TeamInfo>,
    me: String,
    change_role: ServerAction<ChangeMemberRole>,
    set_teams: ServerAction<SetMemberTeams>,
    set_active: ServerAction<SetMemberActive>,
) -> impl IntoView {
    if members.is_empty() {
        return view! { <p class="empty">"Nobody has joined yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Members">
            <table class="members">
                <thead>
                    <tr><th>"Member"</th><th>"Role"</th><th>"Teams"</th><th>"Invited by"</th><th>"Joined"</th><th>"Last sign-in"</th><th>"Status"</th></tr>
                </thead>
                <tbody>
                    {members.into_iter().map(|m| {
                        let is_me = m.id == me;
                        let role_options = roles.clone();
                        let team_options = teams.clone();
                        let id_role = m.id.clone();
                        let id_teams = m.id.clone();
                        let id_active = m.id.clone();
                        let current_role = m.role_id.clone();
                        let member_teams: Vec<String> = m.teams.iter().map(|t| t.id.clone()).collect();
                        let next_active = (!m.active).to_string();
                        view! {
                            <tr data-member=m.email.clone() class:inactive=!m.active>
                                <td><strong>{m.name.clone()}</strong><br/><span class="muted">{m.email.clone()}</span></td>
                                <td>
                                    {if is_me {
                                        view! { <span>{m.role_name.clone()}</span> }.into_any()
                                    } else {
                                        view! {
                                            <ActionForm action=change_role attr:class="inline-form">
                                                <input type="hidden" name="id" value=id_role/>
                                                <label class="sr-only" for=format!("role-{}", m.id)>"Role"</label>
                                                <select id=format!("role-{}", m.id) name="role_id">
                                                    {role_options.into_iter().map(|r| view! { <option value=r.id.clone() selected=r.id == current_role>{r.name}</option> }).collect_view()}
                                                </select>
                                                <button type="submit" class="button subtle">"Change role"</button>
                                            </ActionForm>
                                        }.into_any()
                                    }}
                                </td>
                                <td>
                                    {if is_me || team_options.is_empty() {
                                        let names: Vec<String> = m.teams.iter().map(|t| t.name.clone()).collect();
                                        view! { <span>{if names.is_empty() { "—".to_owned() } else { names.join(", ") }}</span> }.into_any()
                                    } else {
                                        view! {
                                            <ActionForm action=set_teams attr:class="inline-form">
                                                <input type="hidden" name="id" value=id_teams/>
                                                {team_options.into_iter().enumerate().map(|(i, t)| {
                                                    let checked = member_teams.contains(&t.id);
                                                    view! { <label class="check"><input type="checkbox" name=format!("teams[{i}]") value=t.id.clone() checked=checked/>{t.name}</label> }
                                                }).collect_view()}
                                                <button type="submit" class="button subtle">"Save teams"</button>
                                            </ActionForm>
                                        }.into_any()
                                    }}
                                </td>
                                <td>{m.invited_by.clone().unwrap_or_else(|| "—".into())}</td>
                                <td>{fmt_utc(m.joined_at)}</td>
                                <td>{m.last_sign_in_at.map(fmt_utc).unwrap_or_else(|| "never".into())}</td>
                                <td>
                                    <span class=if m.active { "badge status-accepted" } else { "badge status-revoked" }>{if m.active { "Active" } else { "Deactivated" }}</span>
                                    {(!is_me).then(|| view! {
                                        <ActionForm action=set_active>
                                            <input type="hidden" name="id" value=id_active/>
                                            <input type="hidden" name="active" value=next_active/>
                                            <button type="submit" class=if m.active { "button subtle danger" } else { "button subtle" }>
                                                {if m.active { "Deactivate" } else { "Reactivate" }}
                                            </button>
                                        </ActionForm>
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
