//! Roles (built-in and custom) and teams.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use model::{Permission, RoleInfo, TeamInfo};

use crate::api::directory::{
    list_roles, list_teams, CreateRole, CreateTeam, DeleteRole, DeleteTeam, RenameTeam, UpdateRole,
};
use crate::components::enhance::{AreaError, Enhance};
use crate::components::form::{Field, FieldError, FormError, Submit};
use crate::components::server_data::loading;

#[component]
pub fn RolesPage() -> impl IntoView {
    view! {
        <Title text="Roles and teams"/>
        <Enhance live=false>
            <h1>"Roles"</h1>
            <section class="card">
                <AreaError/>
                {loading("roles", list_roles(), |roles| view! {
                    <div data-region="roles"><RoleList roles=roles/></div>
                })}
            </section>
            <section class="card">
                <h2>"New custom role"</h2>
                <form method="post" action=CreateRole::PATH data-then="reset refresh">
                    <Field label="Role name" name="name" id="new-role-name"/>
                    <div class="field">
                        <label for="field-description">"Description"</label>
                        <input id="field-description" name="description" maxlength="200"/>
                    </div>
                    <PermissionChecks prefix="new" checked=model::Permissions::NONE/>
                    <FieldError name="permissions"/>
                    <FormError/>
                    <Submit label="Create role" class="button primary narrow-button"/>
                </form>
            </section>
        </Enhance>
        <Enhance live=false>
            <h1>"Teams"</h1>
            <section class="card">
                <AreaError/>
                {loading("teams", list_teams(), |teams| view! {
                    <div data-region="teams"><TeamList teams=teams/></div>
                })}
                <form method="post" action=CreateTeam::PATH class="inline-form" data-then="reset refresh">
                    <Field label="New team" name="name" id="new-team-name"/>
                    <FormError/>
                    <Submit label="Create team" class="button primary narrow-button"/>
                </form>
            </section>
        </Enhance>
    }
}

#[component]
fn PermissionChecks(prefix: &'static str, checked: model::Permissions) -> impl IntoView {
    view! {
        <fieldset class="field permissions-field">
            <legend>"Permissions"</legend>
            {Permission::ALL.into_iter().enumerate().map(|(i, p)| {
                let id = format!("{prefix}-perm-{i}");
                let for_id = id.clone();
                view! {
                    <label class="check" for=for_id>
                        <input id=id type="checkbox" name=format!("permissions[{i}]") value=format!("{p:?}") checked=checked.contains(p)/>
                        {p.label()}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn RoleList(roles: Vec<RoleInfo>) -> impl IntoView {
    view! {
        <ul class="role-list">
            {roles.into_iter().map(|r| {
                let perms: Vec<_> = r.permissions.iter().map(|p| p.label()).collect();
                let id = r.id.clone();
                let id2 = r.id.clone();
                let name = r.name.clone();
                let description = r.description.clone();
                let permissions = r.permissions;
                let deletable = !r.built_in && r.in_use == 0;
                view! {
                    <li data-role=r.name.clone()>
                        <div class="role-head">
                            <strong>{r.name.clone()}</strong>
                            {r.built_in.then(|| view! { <span class="badge">"Built-in"</span> })}
                            <span class="muted">{format!("{} in use", r.in_use)}</span>
                        </div>
                        <p class="muted">{r.description.clone()}</p>
                        <p class="perm-list">{perms.join(" · ")}</p>
                        {(!r.built_in).then(|| view! {
                            <details>
                                <summary>"Edit"</summary>
                                <form method="post" action=UpdateRole::PATH>
                                    <input type="hidden" name="id" value=id/>
                                    <div class="field"><label>"Name"<input name="name" value=name required=true/></label></div>
                                    <div class="field"><label>"Description"<input name="description" value=description/></label></div>
                                    <PermissionChecks prefix="edit" checked=permissions/>
                                    <button type="submit" class="button subtle">"Save"</button>
                                </form>
                            </details>
                        })}
                        {deletable.then(|| view! {
                            <form method="post" action=DeleteRole::PATH>
                                <input type="hidden" name="id" value=id2/>
                                <button type="submit" class="button subtle danger">"Delete role"</button>
                            </form>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn TeamList(teams: Vec<TeamInfo>) -> impl IntoView {
    if teams.is_empty() {
        return view! { <p class="empty">"No teams yet."</p> }.into_any();
    }
    view! {
        <ul class="team-list">
            {teams.into_iter().map(|t| {
                let id = t.id.clone();
                let id2 = t.id.clone();
                let input_id = format!("team-{}", t.id);
                let for_id = input_id.clone();
                let name = t.name.clone();
                view! {
                    <li data-team=t.name.clone()>
                        <form method="post" action=RenameTeam::PATH class="inline-form">
                            <input type="hidden" name="id" value=id2/>
                            <label class="sr-only" for=for_id>"Team name"</label>
                            <input id=input_id name="name" value=name required=true/>
                            <span class="muted">{format!("{} members", t.members)}</span>
                            <button type="submit" class="button subtle">"Rename"</button>
                        </form>
                        <form method="post" action=DeleteTeam::PATH>
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" class="button subtle danger">"Delete"</button>
                        </form>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
