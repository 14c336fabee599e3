//! Roles (built-in and custom) and teams.

use leptos::prelude::*;
use leptos_meta::Title;
use model::{Permission, RoleInfo, TeamInfo};

use crate::api::directory::{
    list_roles, list_teams, CreateRole, CreateTeam, DeleteRole, DeleteTeam, RenameTeam, UpdateRole,
};
use crate::components::form::{Field, FieldError, FormError};

#[component]
pub fn RolesPage() -> impl IntoView {
    let create_role = ServerAction::<CreateRole>::new();
    let update_role = ServerAction::<UpdateRole>::new();
    let delete_role = ServerAction::<DeleteRole>::new();
    let create_team = ServerAction::<CreateTeam>::new();
    let rename_team = ServerAction::<RenameTeam>::new();
    let delete_team = ServerAction::<DeleteTeam>::new();
    let roles = Resource::new(
        move || {
            (
                create_role.version().get(),
                update_role.version().get(),
                delete_role.version().get(),
            )
        },
        |_| list_roles(),
    );
    let teams = Resource::new(
        move || {
            (
                create_team.version().get(),
                rename_team.version().get(),
                delete_team.version().get(),
            )
        },
        |_| list_teams(),
    );
    let role_error = Signal::derive(move || create_role.value().get().and_then(Result::err));
    let role_row_error = Signal::derive(move || {
        update_role
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| delete_role.value().get().and_then(Result::err))
    });
    let team_error = Signal::derive(move || create_team.value().get().and_then(Result::err));
    let team_row_error = Signal::derive(move || {
        rename_team
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| delete_team.value().get().and_then(Result::err))
    });
    view! {
        <Title text="Roles and teams"/>
        <h1>"Roles"</h1>
        <section class="card">
            <FormError error=role_row_error/>
            <Transition fallback=|| view! { <p class="loading">"Loading roles…"</p> }>
                {move || Suspend::new(async move {
                    match roles.await {
                        Ok(list) => view! { <RoleList roles=list update=update_role delete=delete_role/> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section class="card">
            <h2>"New custom role"</h2>
            <ActionForm action=create_role>
                <Field label="Role name" name="name" id="new-role-name" error=role_error/>
                <div class="field">
                    <label for="field-description">"Description"</label>
                    <input id="field-description" name="description" maxlength="200"/>
                </div>
                <PermissionChecks prefix="new" checked=model::Permissions::NONE/>
                <FieldError name="permissions" error=role_error/>
                <FormError error=role_error/>
                <button type="submit" class="button primary narrow-button">"Create role"</button>
            </ActionForm>
        </section>

        <h1>"Teams"</h1>
        <section class="card">
            <FormError error=team_row_error/>
            <Transition fallback=|| view! { <p class="loading">"Loading teams…"</p> }>
                {move || Suspend::new(async move {
                    match teams.await {
                        Ok(list) => view! { <TeamList teams=list rename=rename_team delete=delete_team/> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <ActionForm action=create_team attr:class="inline-form">
                <Field label="New team" name="name" id="new-team-name" error=team_error/>
                <FormError error=team_error/>
                <button type="submit" class="button primary narrow-button">"Create team"</button>
            </ActionForm>
        </section>
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
fn RoleList(
    roles: Vec<RoleInfo>,
    update: ServerAction<UpdateRole>,
    delete: ServerAction<DeleteRole>,
) -> impl IntoView {
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
                                <ActionForm action=update>
                                    <input type="hidden" name="id" value=id/>
                                    <div class="field"><label>"Name"<input name="name" value=name required=true/></label></div>
                                    <div class="field"><label>"Description"<input name="description" value=description/></label></div>
                                    <PermissionChecks prefix="edit" checked=permissions/>
                                    <button type="submit" class="button subtle">"Save"</button>
                                </ActionForm>
                            </details>
                        })}
                        {deletable.then(|| view! {
                            <ActionForm action=delete>
                                <input type="hidden" name="id" value=id2/>
                                <button type="submit" class="button subtle danger">"Delete role"</button>
                            </ActionForm>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn TeamList(
    teams: Vec<TeamInfo>,
    rename: ServerAction<RenameTeam>,
    delete: ServerAction<DeleteTeam>,
) -> impl IntoView {
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
                        <ActionForm action=rename attr:class="inline-form">
                            <input type="hidden" name="id" value=id2/>
                            <label class="sr-only" for=for_id>"Team name"</label>
                            <input id=input_id name="name" value=name required=true/>
                            <span class="muted">{format!("{} members", t.members)}</span>
                            <button type="submit" class="button subtle">"Rename"</button>
                        </ActionForm>
                        <ActionForm action=delete>
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" class="button subtle danger">"Delete"</button>
                        </ActionForm>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
