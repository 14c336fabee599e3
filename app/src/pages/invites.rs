//! The Invites panel: send an invite, see every invite's status, revoke or resend.

use leptos::html::Form;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use model::{
    fmt_utc, CurrentUser, InviteList, InviteOptions, InviteStatus, IssuedLink, Permission,
};

use crate::api::invites::{
    get_invite_options, list_invites, CreateInvite, ResendInvite, RevokeInvite,
};
use crate::components::badges::{DeliveryBadge, StatusBadge};
use crate::components::form::{Field, FieldError, FormError};
use crate::error::AppError;

/// How often the list refreshes itself while the page is open, in milliseconds.
const REFRESH_MS: u64 = 3_000;

#[component]
pub fn InvitesPage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let create = ServerAction::<CreateInvite>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let resend = ServerAction::<ResendInvite>::new();
    let tick = RwSignal::new(0u32);
    let query = use_query_map();
    let status = move || {
        query
            .read()
            .get("status")
            .filter(|s| InviteStatus::parse(s).is_some())
    };
    let search = move || query.read().get("q").filter(|q| !q.trim().is_empty());
    let list = Resource::new(
        move || {
            (
                status(),
                search(),
                create.version().get(),
                revoke.version().get(),
                resend.version().get(),
                tick.get(),
            )
        },
        |(status, search, ..)| list_invites(status, search),
    );
    refresh_every(tick, REFRESH_MS);

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
    });
    let can_send = user.can(Permission::SendInvites);
    let can_revoke = user.can(Permission::RevokeInvites);

    view! {
        <Title text="Invites"/>
        <h1>"Invites"</h1>
        <Show when=move || can_send>
            <SendInvite create=create/>
        </Show>
        <IssuedLinkPanel issued=issued/>
        <FormError error=row_error/>
        <section class="card">
            <form method="get" class="inline-form search" role="search">
                <input type="hidden" name="status" value=move || status().unwrap_or_default()/>
                <label class="sr-only" for="invite-search">"Search by email"</label>
                <input id="invite-search" type="search" name="q" placeholder="Search by email" value=move || search().unwrap_or_default()/>
                <button type="submit" class="button subtle">"Search"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading invites…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => view! {
                            <StatusTabs list=list.clone() current=status()/>
                            <InviteTable list=list revoke=revoke resend=resend can_revoke=can_revoke can_send=can_send/>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Bumps `tick` every `ms` while the page is open in a browser (the server renders once).
fn refresh_every(tick: RwSignal<u32>, ms: u64) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_millis(ms),
        )
        .ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (tick, ms);
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
    let expiries = [
        (1, "1 hour"),
        (24, "1 day"),
        (72, "3 days"),
        (168, "7 days"),
        (336, "14 days"),
        (720, "30 days"),
    ];
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
                        {expiries.into_iter().map(|(h, label)| view! { <option value=h.to_string() selected=h == default_expiry>{label}</option> }).collect_view()}
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

#[component]
fn StatusTabs(list: InviteList, current: Option<String>) -> impl IntoView {
    let all: i64 = InviteStatus::ALL.iter().map(|s| list.counts.of(*s)).sum();
    let is_current = move |s: Option<&str>| current.as_deref() == s;
    view! {
        <nav class="tabs" aria-label="Filter by status">
            <A href="/invites" attr:class=if is_current(None) { "tab active" } else { "tab" }>{format!("All ({all})")}</A>
            {InviteStatus::ALL.into_iter().map(|s| {
                let class = if is_current(Some(s.as_str())) { "tab active" } else { "tab" };
                view! { <A href=format!("/invites?status={}", s.as_str()) attr:class=class>{format!("{} ({})", s.label(), list.counts.of(s))}</A> }
            }).collect_view()}
        </nav>
    }
}

#[component]
fn InviteTable(
    list: InviteList,
    revoke: ServerAction<RevokeInvite>,
    resend: ServerAction<ResendInvite>,
    can_revoke: bool,
    can_send: bool,
) -> impl IntoView {
    if list.rows.is_empty() {
        return view! { <p class="empty">"No invites here yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="invites">
                <thead>
                    <tr><th>"Email"</th><th>"Status"</th><th>"Role and teams"</th><th>"Invited by"</th><th>"Created"</th><th>"Expires / accepted"</th><th>"Email"</th><th><span class="sr-only">"Actions"</span></th></tr>
                </thead>
                <tbody>
                    {list.rows.into_iter().map(|r| {
                        let pending = r.status == InviteStatus::Pending;
                        let resendable = matches!(r.status, InviteStatus::Pending | InviteStatus::Expired);
                        let when = match (r.accepted_at, r.revoked_at) {
                            (Some(a), _) => format!("accepted {}", fmt_utc(a)),
                            (_, Some(v)) => format!("revoked {}", fmt_utc(v)),
                            _ => fmt_utc(r.expires_at),
                        };
                        let id = r.id.clone();
                        let id2 = r.id.clone();
                        let href = format!("/invites/{}", r.id);
                        let email = r.email.clone();
                        view! {
                            <tr data-email=r.email.clone()>
                                <td><A href=href>{email}</A></td>
                                <td>
                                    <StatusBadge status=r.status/>
                                    {(pending && !r.inviter_can_grant).then(|| view! {
                                        <span class="badge delivery-failed" title="The inviter was deactivated or can no longer grant this role; the invite will not be honoured. Resend it to re-issue it under your name.">"Inviter lacks rights"</span>
                                    })}
                                </td>
                                <td>{r.role_name.clone()}{(!r.teams.is_empty()).then(|| view! { <span class="teams-list">{format!(" · {}", r.teams.join(", "))}</span> })}</td>
                                <td>{r.inviter_name.clone()}</td>
                                <td>{fmt_utc(r.created_at)}</td>
                                <td>{when}</td>
                                <td><DeliveryBadge delivery=r.delivery error=r.delivery_error.clone()/></td>
                                <td class="actions">
                                    {(pending && can_revoke).then(|| view! {
                                        <ActionForm action=revoke>
                                            <input type="hidden" name="id" value=id/>
                                            <button type="submit" class="button subtle danger">"Revoke"</button>
                                        </ActionForm>
                                    })}
                                    {(resendable && can_send).then(|| view! {
                                        <ActionForm action=resend>
                                            <input type="hidden" name="id" value=id2/>
                                            <button type="submit" class="button subtle">"Resend"</button>
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
