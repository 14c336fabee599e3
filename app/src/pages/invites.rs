//! The Invites panel: send an invite, see every invite's status, revoke or resend.
//!
//! The filter bar is a GET form, so filters, sort and page live in the URL and every view can
//! be bookmarked. The list is a live region: it is fetched again whenever the server
//! announces a change, and after each of this page's own actions.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::{CurrentUser, InviteList, InviteOptions, InviteQuery, Permission};

use crate::api::invites::{
    get_invite_filter_options, get_invite_options, list_invites, CreateInvite,
};
use crate::components::enhance::{AreaError, Enhance, IssuedLink, Notice};
use crate::components::form::{Field, FieldError, FormError, Submit};
use crate::components::invite_list::{FilterBar, InviteTable, Pager, StatusTabs};
use crate::components::server_data::loading;
use crate::error::AppError;

#[component]
pub fn InvitesPage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let params = use_query_map();
    // The list's query comes from the URL; a hand-edited URL with a bad value says which.
    let query = InviteQuery::parse(|k| params.read_untracked().get(k));
    let can_send = user.can(Permission::SendInvites);
    let can_revoke = user.can(Permission::RevokeInvites);

    let send = can_send.then(|| {
        loading(
            "roles",
            get_invite_options(),
            |opts| view! { <SendInvite opts=opts/> },
        )
    });
    let list = match query {
        Ok(query) => {
            let for_bar = query.clone();
            view! {
                {loading("filters", get_invite_filter_options(), move |options| {
                    view! { <FilterBar query=for_bar options=options/> }
                })}
                {loading("invites", fetch_list(query.clone()), move |list| {
                    let narrowed = query.is_narrowed();
                    view! {
                        <div data-region="invites">
                            <StatusTabs counts=list.counts.clone() query=query.clone()/>
                            <InviteTable list=list.clone() narrowed=narrowed can_revoke=can_revoke can_send=can_send/>
                            <Pager list=list query=query/>
                        </div>
                    }
                })}
            }
            .into_any()
        }
        Err(e) => view! {
            <p class="form-error" role="alert">{e.message}</p>
            <p><a href="/invites">"Show all invites"</a></p>
        }
        .into_any(),
    };
    view! {
        <Title text="Invites"/>
        <div class="page-head">
            <h1>"Invites"</h1>
            {can_send.then(|| view! { <a href="/invites/bulk" class="button subtle">"Bulk invite from CSV"</a> })}
        </div>
        <Enhance live=true>
            {send}
            <IssuedLink/>
            <AreaError/>
            <Notice/>
            <section class="card">{list}</section>
        </Enhance>
    }
}

/// One page of the list for `query`.
async fn fetch_list(query: InviteQuery) -> Result<InviteList, AppError> {
    list_invites(query.params()).await
}

/// The send form. Once an invite went through, the form is cleared, the link is shown once
/// for copying, and the list shows the new invite.
#[component]
fn SendInvite(opts: InviteOptions) -> impl IntoView {
    let default_expiry = opts.default_expiry_hours;
    view! {
        <section class="card">
            <h2>"Send an invite"</h2>
            <form method="post" action=CreateInvite::PATH data-then="reset link refresh" data-link-lead="Invite to">
                <div class="grid">
                    <Field label="Email address" name="email" kind="email" autocomplete="off"/>
                    <div class="field">
                        <label for="field-role_id">"Role"</label>
                        <select id="field-role_id" name="role_id" required=true aria-describedby="field-role-error">
                            {opts.roles.into_iter().map(|r| {
                                let selected = r.id == "editor";
                                view! { <option value=r.id selected=selected>{r.name}</option> }
                            }).collect_view()}
                        </select>
                        <FieldError name="role"/>
                    </div>
                    <div class="field">
                        <label for="field-expiry_hours">"Link expires after"</label>
                        <select id="field-expiry_hours" name="expiry_hours" aria-describedby="field-expiry-error">
                            {opts.expiry_choices.into_iter().map(|(h, label)| view! { <option value=h.to_string() selected=h == default_expiry>{label}</option> }).collect_view()}
                        </select>
                        <FieldError name="expiry"/>
                    </div>
                </div>
                {(!opts.teams.is_empty()).then(|| view! {
                    <fieldset class="field teams">
                        <legend>"Teams"</legend>
                        {opts.teams.into_iter().enumerate().map(|(i, t)| view! {
                            <label class="check"><input type="checkbox" name=format!("teams[{i}]") value=t.id/>{t.name}</label>
                        }).collect_view()}
                        <FieldError name="teams"/>
                    </fieldset>
                })}
                <div class="field">
                    <label for="field-message">"Personal note (optional)"</label>
                    <textarea id="field-message" name="message" rows="2" maxlength="500" aria-describedby="field-message-error"></textarea>
                    <FieldError name="message"/>
                </div>
                <div class="field">
                    <label for="field-landing_path">"After accepting, open (optional, a path in this app such as /dashboard)"</label>
                    <input id="field-landing_path" name="landing_path" type="text" autocomplete="off" placeholder="/" aria-describedby="field-landing_path-error"/>
                    <FieldError name="landing_path"/>
                </div>
                <div class="field">
                    <label for="field-access_ends_at">"Access ends (optional, UTC; for a contractor, after the link expires)"</label>
                    <input id="field-access_ends_at" name="access_ends_at" type="datetime-local" aria-describedby="field-access_ends_at-error"/>
                    <FieldError name="access_ends_at"/>
                </div>
                <div class="field">
                    <label for="field-send_at">"Send on (optional, UTC; empty: now)"</label>
                    <input id="field-send_at" name="send_at" type="datetime-local" aria-describedby="field-send_at-hint field-send_at-error"/>
                    <p class="hint" id="field-send_at-hint">"A new hire's first day: the email goes out then, and the link's lifetime counts from then."</p>
                    <FieldError name="send_at"/>
                </div>
                <FormError/>
                <Submit label="Send invite" busy="Sending…" class="button primary narrow-button"/>
            </form>
        </section>
    }
}
