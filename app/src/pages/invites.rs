//! The Invites panel: send an invite, see every invite's status, revoke or resend.

use leptos::html::Form;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use model::{CurrentUser, InviteOptions, InviteQuery, IssuedLink, Permission};

use crate::api::bulk::RevokeInvites;
use crate::api::invites::{
    get_invite_filter_options, get_invite_options, list_invites, CreateInvite, ResendInvite,
    RevokeInvite,
};
use crate::components::form::{Field, FieldError, FormError};
use crate::components::invite_list::{FilterBar, InviteTable, Pager, StatusTabs};
use crate::components::live::use_live;
use crate::error::AppError;

#[component]
pub fn InvitesPage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let create = ServerAction::<CreateInvite>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let resend = ServerAction::<ResendInvite>::new();
    let bulk_revoke = ServerAction::<RevokeInvites>::new();
    let live = use_live();
    let params = use_query_map();
    // The list's query comes from the URL; a hand-edited URL with a bad value says which.
    let query = Memo::new(move |_| InviteQuery::parse(|k| params.read().get(k)));
    let list = Resource::new(
        move || {
            (
                query.get(),
                create.version().get(),
                revoke.version().get(),
                resend.version().get(),
                bulk_revoke.version().get(),
                live.version(),
            )
        },
        |(query, ..)| async move {
            let q = query.map_err(|e| AppError::Invalid {
                field: e.param.to_owned(),
                message: e.message,
            })?;
            let params = q.params();
            let p = |k: &str| {
                params
                    .iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| v.clone())
            };
            list_invites(
                p("status"),
                p("role"),
                p("team"),
                p("inviter"),
                p("delivery"),
                p("q"),
                p("mode"),
                p("sort"),
                p("dir"),
                p("after"),
                p("before"),
                p("per_page"),
            )
            .await
        },
    );
    // Not keyed on live updates: refreshing would reset what someone is typing in the bar.
    let filter_options = Resource::new(
        move || create.version().get(),
        |_| get_invite_filter_options(),
    );

    // The link of the last create or resend, shown once for copying.
    let issued = Signal::derive(move || {
        let from_create = create.value().get().and_then(Result::ok);
        let from_resend = resend.value().get().and_then(Result::ok);
        match (
            create.version().get() >= resend.version().get(),
            from_create,
            from_resend,
        ) {
            (true, Some(l), _) | (false, _, Some(l)) => Some(l),
            (_, a, b) => a.or(b),
        }
    });
    let row_error = Signal::derive(move || {
        revoke
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| resend.value().get().and_then(Result::err))
            .or_else(|| bulk_revoke.value().get().and_then(Result::err))
    });
    let bulk_done = move || {
        bulk_revoke
            .value()
            .get()
            .and_then(Result::ok)
            .map(|(revoked, skipped)| {
                let mut text = format!(
                    "Revoked {revoked} invite{}.",
                    if revoked == 1 { "" } else { "s" }
                );
                if skipped > 0 {
                    text.push_str(&format!(
                        " {skipped} selected were no longer pending and were left as they are."
                    ));
                }
                text
            })
    };
    let can_send = user.can(Permission::SendInvites);
    let can_revoke = user.can(Permission::RevokeInvites);
    let current = move || query.get().unwrap_or_default();

    view! {
        <Title text="Invites"/>
        <div class="page-head">
            <h1>"Invites"</h1>
            <Show when=move || can_send>
                <A href="/invites/bulk" attr:class="button subtle">"Bulk invite from CSV"</A>
            </Show>
        </div>
        <Show when=move || can_send>
            <SendInvite create=create/>
        </Show>
        <IssuedLinkPanel issued=issued/>
        <FormError error=row_error/>
        {move || bulk_done().map(|t| view! { <p class="notice" role="status">{t}</p> })}
        <section class="card">
            <Transition fallback=|| view! { <p class="loading">"Loading filters…"</p> }>
                {move || Suspend::new(async move {
                    match filter_options.await {
                        Ok(options) => view! { <FilterBar query=current() options=options/> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| view! { <p class="loading">"Loading invites…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => {
                            let q = current();
                            view! {
                                <StatusTabs counts=list.counts.clone() query=q.clone()/>
                                <InviteTable list=list.clone() narrowed=q.is_narrowed() revoke=revoke resend=resend bulk_revoke=bulk_revoke can_revoke=can_revoke can_send=can_send/>
                                <Pager list=list query=q/>
                            }.into_any()
                        }
                        Err(e) => view! {
                            <p class="form-error" role="alert">{e.to_string()}</p>
                            <p><A href="/invites">"Show all invites"</A></p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SendInvite(create: ServerAction<CreateInvite>) -> impl IntoView {
    let options = Resource::new(|| (), |_| get_invite_options());
    let form = NodeRef::<Form>::new();
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    // Clear the form once an invite went through.
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            if let Some(f) = form.get() {
                f.reset();
            }
        }
    });
    view! {
        <section class="card">
            <h2>"Send an invite"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading roles…"</p> }>
                {move || Suspend::new(async move {
                    match options.await {
                        Ok(opts) => view! { <InviteFields opts=opts create=create form=form error=error/> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn InviteFields(
    opts: InviteOptions,
    create: ServerAction<CreateInvite>,
    form: NodeRef<Form>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let default_expiry = opts.default_expiry_hours;
    view! {
        <ActionForm action=create node_ref=form>
            <div class="grid">
                <Field label="Email address" name="email" kind="email" autocomplete="off" error=error/>
                <div class="field">
                    <label for="field-role_id">"Role"</label>
                    <select id="field-role_id" name="role_id" required=true aria-describedby="field-role-error">
                        {opts.roles.iter().map(|r| view! { <option value=r.id.clone() selected=r.id == "editor">{r.name.clone()}</option> }).collect_view()}
                    </select>
                    <FieldError name="role" error=error/>
                </div>
                <div class="field">
                    <label for="field-expiry_hours">"Link expires after"</label>
                    <select id="field-expiry_hours" name="expiry_hours">
                        {opts.expiry_choices.iter().map(|(h, label)| view! { <option value=h.to_string() selected=*h == default_expiry>{label.clone()}</option> }).collect_view()}
                    </select>
                    <FieldError name="expiry" error=error/>
                </div>
            </div>
            {(!opts.teams.is_empty()).then(|| view! {
                <fieldset class="field teams">
                    <legend>"Teams"</legend>
                    {opts.teams.iter().enumerate().map(|(i, t)| view! {
                        <label class="check"><input type="checkbox" name=format!("teams[{i}]") value=t.id.clone()/>{t.name.clone()}</label>
                    }).collect_view()}
                    <FieldError name="teams" error=error/>
                </fieldset>
            })}
            <div class="field">
                <label for="field-message">"Personal note (optional)"</label>
                <textarea id="field-message" name="message" rows="2" maxlength="500" aria-describedby="field-message-error"></textarea>
                <FieldError name="message" error=error/>
            </div>
            <FormError error=error/>
            <button type="submit" class="button primary narrow-button" disabled=move || create.pending().get()>
                {move || if create.pending().get() { "Sending…" } else { "Send invite" }}
            </button>
        </ActionForm>
    }
}

#[component]
fn IssuedLinkPanel(issued: Signal<Option<IssuedLink>>) -> impl IntoView {
    move || {
        issued.get().map(|l| {
            view! {
                <section class="card notice-card" role="status">
                    <p>"Invite to " <strong>{l.email.clone()}</strong> " is on its way. Copy the link now if you want to pass it on yourself: it is not shown again."</p>
                    <label class="sr-only" for="issued-link">"Invitation link"</label>
                    <input id="issued-link" class="copy-link" readonly=true value=l.link.clone() on:focus=|ev| {
                        #[cfg(feature = "hydrate")]
                        {
                            use leptos::wasm_bindgen::JsCast;
                            if let Some(input) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok()) {
                                input.select();
                            }
                        }
                        #[cfg(not(feature = "hydrate"))]
                        let _ = ev;
                    }/>
                </section>
            }
        })
    }
}
