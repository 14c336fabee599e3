//! Invite policy (Admin only): expiry limits, allowed and blocked domains, a daily cap per
//! inviter. Vestibule has no open sign-up page: every account starts from an invite.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use model::{InvitePolicy, EXPIRY_CHOICES};

use crate::api::policy::{get_policy, UpdatePolicy};
use crate::components::enhance::{Enhance, Notice};
use crate::components::form::{FieldError, FormError, Submit};
use crate::components::server_data::loading;

#[component]
pub fn PolicyPage() -> impl IntoView {
    view! {
        <Title text="Invite policy"/>
        <h1>"Invite policy"</h1>
        <p class="lead">"Vestibule is invite-only: there is no sign-up page. These rules apply to every new invite, one or in bulk; the domain rules apply again when an invite is accepted."</p>
        <Enhance live=false>
            // After a save the form shows the policy as the server stored it.
            {loading("the policy", get_policy(), |p| view! {
                <div data-region="policy"><PolicyForm policy=p/></div>
            })}
            <Notice/>
        </Enhance>
    }
}

#[component]
fn PolicyForm(policy: InvitePolicy) -> impl IntoView {
    let reminders = policy
        .reminder_hours
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let expiry_select = move |id: &'static str, name: &'static str, current: i64| {
        view! {
            <select id=id name=name aria-describedby=format!("field-{name}-error")>
                {EXPIRY_CHOICES.into_iter().map(|(h, l)| view! { <option value=h.to_string() selected=h == current>{l}</option> }).collect_view()}
            </select>
        }
    };
    view! {
        <section class="card">
            <form method="post" action=UpdatePolicy::PATH data-then="refresh notice" data-done="Policy saved. It applies from now on.">
                <div class="grid">
                    <div class="field">
                        <label for="policy-default">"Default link expiry"</label>
                        {expiry_select("policy-default", "default_expiry_hours", policy.default_expiry_hours)}
                        <FieldError name="default_expiry_hours"/>
                    </div>
                    <div class="field">
                        <label for="policy-max">"Longest link expiry allowed"</label>
                        {expiry_select("policy-max", "max_expiry_hours", policy.max_expiry_hours)}
                        <FieldError name="max_expiry_hours"/>
                    </div>
                    <div class="field">
                        <label for="policy-cap">"Invites per person per 24 hours (0 for no cap)"</label>
                        <input id="policy-cap" type="number" name="daily_cap" min="0" max=model::MAX_DAILY_CAP.to_string()
                            value=policy.daily_cap.to_string() aria-describedby="field-daily_cap-error"/>
                        <FieldError name="daily_cap"/>
                    </div>
                </div>
                <div class="grid">
                    <div class="field">
                        <label for="policy-allowed">"Allowed email domains (one per line; empty allows any)"</label>
                        <textarea id="policy-allowed" name="allowed_domains" rows="4" class="mono"
                            aria-describedby="field-allowed_domains-error">{policy.allowed_domains.join("\n")}</textarea>
                        <FieldError name="allowed_domains"/>
                    </div>
                    <div class="field">
                        <label for="policy-blocked">"Blocked email domains (one per line)"</label>
                        <textarea id="policy-blocked" name="blocked_domains" rows="4" class="mono"
                            aria-describedby="field-blocked_domains-error">{policy.blocked_domains.join("\n")}</textarea>
                        <FieldError name="blocked_domains"/>
                    </div>
                </div>
                <p class="hint">"A domain covers its subdomains: example.com also covers eu.example.com."</p>
                <div class="grid">
                    <div class="field">
                        <label for="policy-reminders">"Remind invitees this many hours before expiry (up to 3, such as 48, 24; empty for none)"</label>
                        <input id="policy-reminders" type="text" name="reminder_hours" inputmode="numeric" autocomplete="off"
                            value=reminders
                            aria-describedby="field-reminder_hours-error"/>
                        <FieldError name="reminder_hours"/>
                    </div>
                    <div class="field">
                        <label for="policy-cooldown">"Minutes between resends of one invite (0 for none)"</label>
                        <input id="policy-cooldown" type="number" name="resend_cooldown_minutes" min="0"
                            max=model::MAX_RESEND_COOLDOWN_MINUTES.to_string()
                            value=policy.resend_cooldown_minutes.to_string() aria-describedby="field-resend_cooldown_minutes-error"/>
                        <FieldError name="resend_cooldown_minutes"/>
                    </div>
                </div>
                <p class="hint">"Reminders carry the link already sent, and are planned when an invite is sent or resent."</p>
                <div class="grid">
                    <div class="field">
                        <label for="policy-workspace-seats">"Seats in the workspace (0 for no cap)"</label>
                        <input id="policy-workspace-seats" type="number" name="workspace_seats" min="0"
                            max=model::MAX_SEATS.to_string()
                            value=policy.workspace_seats.to_string() aria-describedby="field-workspace_seats-error"/>
                        <FieldError name="workspace_seats"/>
                    </div>
                    <div class="field">
                        <label for="policy-team-seats">"Seats in each team (0 for no cap)"</label>
                        <input id="policy-team-seats" type="number" name="team_seats" min="0"
                            max=model::MAX_SEATS.to_string()
                            value=policy.team_seats.to_string() aria-describedby="field-team_seats-error"/>
                        <FieldError name="team_seats"/>
                    </div>
                    <div class="field">
                        <label for="policy-pending-cap">"Pending invitations per inviter (0 for no cap)"</label>
                        <input id="policy-pending-cap" type="number" name="pending_per_inviter" min="0"
                            max=model::MAX_SEATS.to_string()
                            value=policy.pending_per_inviter.to_string() aria-describedby="field-pending_per_inviter-error"/>
                        <FieldError name="pending_per_inviter"/>
                    </div>
                </div>
                <p class="hint">"A seat is taken by an active member or a pending invitation. A full team or workspace refuses new invitations, and refuses an acceptance until a seat is free; the invitation then stays pending."</p>
                <FormError/>
                <Submit label="Save policy" busy="Saving…" class="button primary narrow-button"/>
            </form>
        </section>
    }
}
