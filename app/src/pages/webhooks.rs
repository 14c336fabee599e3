//! Webhooks: endpoints that receive signed events (Standard Webhooks 1.0) when invitations
//! and members change. The list, adding one (its secret is shown once), and each endpoint's
//! page (`WebhookPage`) with its deliveries, every attempt, Replay and secret rotation.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use model::{fmt_utc, DeliveryState, WebhookEndpointInfo, EVENT_TYPES};

use crate::api::webhooks::{
    get_webhook_detail, list_webhooks, CreateWebhook, DeleteWebhook, EndpointDetail, ReplayWebhook,
    RotateWebhookSecret, SetWebhookEnabled,
};
use crate::components::enhance::{AreaError, Enhance, IssuedKey};
use crate::components::form::{FieldError, FormError, Submit};
use crate::components::server_data::loading;
use crate::components::time::When;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    view! {
        <Title text="Webhooks"/>
        <h1>"Webhooks"</h1>
        <p class="lead">
            "Vestibule tells these endpoints what happens to invitations and members, as signed "
            "HTTPS requests (Standard Webhooks: verify them with any of its libraries and the "
            "endpoint's secret). Each event is sent until the endpoint answers 2xx, retrying for "
            "about a day; an answer of 410 Gone disables the endpoint."
        </p>
        <Enhance live=true>
            <AddEndpoint/>
            <IssuedKey what="The signing secret"/>
            <AreaError/>
            <section class="card">
                <h2>"Endpoints"</h2>
                {loading("the webhooks", list_webhooks(), |list| view! {
                    <div data-region="webhooks"><EndpointTable list=list/></div>
                })}
            </section>
        </Enhance>
    }
}

#[component]
fn AddEndpoint() -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Add an endpoint"</h2>
            <form method="post" action=CreateWebhook::PATH data-then="reset key refresh">
                <div class="grid">
                    <div class="field">
                        <label for="hook-url">"URL (https)"</label>
                        <input id="hook-url" name="url" type="url" required=true placeholder="https://example.com/hooks/vestibule"
                            aria-describedby="field-url-error"/>
                        <FieldError name="url"/>
                    </div>
                    <div class="field">
                        <label for="hook-description">"Description (optional)"</label>
                        <input id="hook-description" name="description" maxlength="200" aria-describedby="field-description-error"/>
                        <FieldError name="description"/>
                    </div>
                </div>
                <fieldset class="field">
                    <legend>"Events"</legend>
                    <label class="check" for="event-all">
                        <input id="event-all" type="checkbox" name="event_types[0]" value="*"/>" " <strong>"All events"</strong>
                    </label>
                    {EVENT_TYPES.into_iter().enumerate().map(|(i, t)| {
                        let (for_id, id) = (format!("event-{i}"), format!("event-{i}"));
                        view! {
                            <label class="check" for=for_id>
                                <input id=id type="checkbox" name=format!("event_types[{}]", i + 1) value=t/>" " <code>{t}</code>
                            </label>
                        }
                    }).collect_view()}
                    <FieldError name="event_types"/>
                </fieldset>
                <FormError/>
                <Submit label="Add endpoint" busy="Adding…" class="button primary narrow-button"/>
            </form>
        </section>
    }
}

#[component]
fn EndpointTable(list: Vec<WebhookEndpointInfo>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"No webhook endpoints yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Webhook endpoints">
            <table class="webhooks">
                <thead>
                    <tr><th>"URL"</th><th>"Events"</th><th>"State"</th><th>"Waiting"</th><th>"Added"</th><th><span class="sr-only">"Actions"</span></th></tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|e| {
                        let (id1, id2) = (e.id.clone(), e.id.clone());
                        let state = if e.enabled { "Enabled".to_owned() } else { e.disabled_reason.clone().map_or("Disabled".to_owned(), |r| format!("Disabled: {r}")) };
                        view! {
                            <tr data-webhook=e.url.clone()>
                                <td><a href=format!("/webhooks/{}", e.id)>{e.url.clone()}</a>
                                    {(!e.description.is_empty()).then(|| view! { <br/><span class="muted">{e.description.clone()}</span> })}</td>
                                <td>{e.event_types.join(", ")}</td>
                                <td><span class=if e.enabled { "badge key-active" } else { "badge key-revoked" }>{state}</span></td>
                                <td>{e.pending}</td>
                                <td><When at=e.created_at/><br/><span class="muted">{e.created_by.clone()}</span></td>
                                <td class="actions">
                                    <form method="post" action=SetWebhookEnabled::PATH data-then="refresh">
                                        <input type="hidden" name="id" value=id1/>
                                        <input type="hidden" name="enabled" value=(!e.enabled).to_string()/>
                                        <button type="submit" class="button subtle">{if e.enabled { "Disable" } else { "Enable" }}</button>
                                    </form>
                                    <form method="post" action=DeleteWebhook::PATH data-then="refresh">
                                        <input type="hidden" name="id" value=id2/>
                                        <button type="submit" class="button subtle danger">"Delete"</button>
                                    </form>
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

/// One endpoint: its settings, secret rotation, and its deliveries with every attempt.
#[component]
pub fn WebhookPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.read_untracked().get("id").unwrap_or_default();
    view! {
        <Title text="Webhook endpoint"/>
        <p><a href="/webhooks">"← All webhooks"</a></p>
        <Enhance live=true>
            <IssuedKey what="The new signing secret"/>
            <AreaError/>
            {loading("the endpoint", get_webhook_detail(id), |d| view! {
                <div data-region="webhook"><Endpoint d=d/></div>
            })}
        </Enhance>
    }
}

#[component]
fn Endpoint(d: EndpointDetail) -> impl IntoView {
    let e = d.endpoint;
    let id = e.id.clone();
    view! {
        <h1 class="url">{e.url.clone()}</h1>
        <section class="card">
            <dl class="facts">
                <dt>"Events"</dt><dd>{e.event_types.join(", ")}</dd>
                <dt>"State"</dt><dd>{if e.enabled { "Enabled".to_owned() } else { e.disabled_reason.clone().unwrap_or_else(|| "Disabled".into()) }}</dd>
                <dt>"Added"</dt><dd>{format!("{} by {}", fmt_utc(e.created_at), e.created_by)}</dd>
                {e.previous_secret_until.map(|u| view! { <dt>"Old secret"</dt><dd>{format!("still signs until {}", fmt_utc(u))}</dd> })}
            </dl>
            <form method="post" action=RotateWebhookSecret::PATH data-then="key refresh" class="inline-form">
                <input type="hidden" name="id" value=id.clone()/>
                <label for="overlap">"Keep the old secret signing for"</label>
                <select id="overlap" name="overlap_hours">
                    <option value="0">"no time"</option>
                    <option value="1">"1 hour"</option>
                    <option value="24" selected=true>"24 hours"</option>
                    <option value="168">"7 days"</option>
                </select>
                <button type="submit" class="button subtle">"Rotate the secret"</button>
                <FormError/>
            </form>
        </section>
        <section class="card">
            <h2>"Deliveries"</h2>
            {if d.deliveries.is_empty() {
                view! { <p class="empty">"Nothing sent yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Deliveries">
                        <table class="deliveries">
                            <thead><tr><th>"Event"</th><th>"webhook-id"</th><th>"State"</th><th>"Attempts"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                            <tbody>
                                {d.deliveries.into_iter().map(|x| {
                                    let (endpoint, msg) = (id.clone(), x.msg_id.clone());
                                    let state = match (x.state, x.next_attempt_at) {
                                        (DeliveryState::Pending, Some(at)) if x.attempts > 0 => format!("Retrying at {}", fmt_utc(at)),
                                        (s, _) => s.label().to_owned(),
                                    };
                                    view! {
                                        <tr data-delivery=x.msg_id.clone()>
                                            <td><code>{x.event_type.clone()}</code><br/><span class="muted"><When at=x.created_at/></span></td>
                                            <td><code>{x.msg_id.clone()}</code></td>
                                            <td>{state}</td>
                                            <td>
                                                <ol class="attempts">
                                                    {x.attempt_log.into_iter().map(|a| view! {
                                                        <li>{format!("{}: {} ({} ms){}", fmt_utc(a.at),
                                                            a.status.map_or("no answer".to_owned(), |s| s.to_string()),
                                                            a.duration_ms,
                                                            a.error.map(|e| format!(" {e}")).unwrap_or_default())}</li>
                                                    }).collect_view()}
                                                </ol>
                                            </td>
                                            <td class="actions">
                                                <form method="post" action=ReplayWebhook::PATH data-then="refresh">
                                                    <input type="hidden" name="id" value=endpoint/>
                                                    <input type="hidden" name="msg_id" value=msg/>
                                                    <button type="submit" class="button subtle">"Replay"</button>
                                                </form>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
