//! One invite and its timeline: created by whom, email sent, link opened, accepted or
//! revoked, with time, IP address and browser. It refreshes itself on every live update.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use model::{action_label, fmt_times, fmt_utc, InviteStatus};

use crate::api::invites::{get_invite_detail, InviteDetail, SendInviteNow};
use crate::components::badges::{DeliveryBadge, StatusBadge};
use crate::components::enhance::Enhance;
use crate::components::server_data::loading;
use crate::components::time::When;

#[component]
pub fn InviteDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.read_untracked().get("id").unwrap_or_default();
    view! {
        <Title text="Invite"/>
        <p><a href="/invites">"← All invites"</a></p>
        <Enhance live=true>
            {loading("the invite", get_invite_detail(id), |d| view! {
                <div data-region="invite"><Detail d=d/></div>
            })}
        </Enhance>
    }
}

#[component]
fn Detail(d: InviteDetail) -> impl IntoView {
    let i = d.invite;
    let scheduled = (i.status == InviteStatus::Scheduled).then(|| (i.id.clone(), i.send_at));
    view! {
        <h1>{i.email.clone()}</h1>
        <section class="card">
            <dl class="facts">
                <dt>"Status"</dt><dd><StatusBadge status=i.status/></dd>
                <dt>"Role"</dt><dd>{i.role_name.clone()}</dd>
                <dt>"Teams"</dt><dd>{if i.teams.is_empty() { "—".to_owned() } else { i.team_names() }}</dd>
                <dt>"Invited by"</dt><dd>{format!("{} ({})", i.inviter_name, i.inviter_email)}</dd>
                <dt>"Created"</dt><dd><When at=i.created_at/></dd>
                {i.send_at.map(|at| view! {
                    <dt>{if scheduled.is_some() { "Goes out" } else { "Sent as scheduled" }}</dt>
                    <dd class="send-at"><When at=at/></dd>
                })}
                <dt>"Expires"</dt><dd><When at=i.expires_at/></dd>
                <dt>"Email"</dt><dd><DeliveryBadge delivery=i.delivery error=i.delivery_error.clone()/>{i.delivery_error.clone().map(|e| view! { <span class="muted">{format!(" {e}")}</span> })}</dd>
                <dt>"Link opened"</dt><dd>{fmt_times(i.open_count)}</dd>
                <dt>"Note"</dt><dd class="note">{if i.message.is_empty() { "—".to_owned() } else { i.message.clone() }}</dd>
                <dt>"Access ends"</dt><dd class="access-ends">{i.access_ends_at.map(fmt_utc).unwrap_or_else(|| "never".to_owned())}</dd>
                <dt>"Lands on"</dt><dd class="mono">{i.landing_path.clone().unwrap_or_else(|| "/ (home)".to_owned())}</dd>
                {i.declined_at.map(|at| view! {
                    <dt>"Declined"</dt>
                    <dd class="decline-reason"><When at=at/>{i.decline_reason.clone().map(|r| view! { <span class="note">{format!(": {r}")}</span> })}</dd>
                })}
            </dl>
            {scheduled.map(|(id, _)| view! {
                <form method="post" action=SendInviteNow::PATH>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="button primary">"Send now"</button>
                </form>
            })}
        </section>
        <section class="card">
            <h2>"Timeline"</h2>
            <ol class="timeline">
                {d.events.into_iter().map(|e| view! {
                    <li>
                        <span class="when"><When at=e.at/></span>
                        <span class="what">{action_label(&e.action).to_owned()}</span>
                        <span class="who">{e.who()}</span>
                        <span class="where">{e.ip.clone().unwrap_or_default()}</span>
                        <span class="browser">{e.user_agent.clone().unwrap_or_default()}</span>
                        {(!e.detail.is_empty()).then(|| view! { <span class="detail">{e.detail.clone()}</span> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}
