//! The audit log: every sign-in and admin action, newest first, with filters.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::{action_label, fmt_utc, ACTION_GROUPS};

use crate::api::directory::audit_log;

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let entries = Resource::new(
        move || (get("actor"), get("action"), get("subject")),
        |(a, b, c)| audit_log(a, b, c),
    );
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <form method="get" class="card filters" aria-label="Filter the audit log">
            <div class="field">
                <label for="f-actor">"By (email starts with)"</label>
                <input id="f-actor" name="actor" value=move || get("actor").unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="f-action">"What"</label>
                <select id="f-action" name="action">
                    <option value="">"Everything"</option>
                    {ACTION_GROUPS.into_iter().map(|(code, label)| view! { <option value=code selected=move || get("action").as_deref() == Some(code)>{label}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-subject">"About (email contains)"</label>
                <input id="f-subject" name="subject" value=move || get("subject").unwrap_or_default()/>
            </div>
            <button type="submit" class="button subtle">"Filter"</button>
        </form>
        <section class="card">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"Nothing matches."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap" tabindex="0" role="region" aria-label="Audit log">
                                <table class="audit">
                                    <thead><tr><th>"When"</th><th>"What"</th><th>"About"</th><th>"By"</th><th>"From"</th><th>"Details"</th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|e| view! {
                                            <tr>
                                                <td>{fmt_utc(e.at)}</td>
                                                <td>{action_label(&e.action).to_owned()}</td>
                                                <td>{e.subject.clone().unwrap_or_default()}</td>
                                                <td>{e.actor.clone().unwrap_or_else(|| "system".into())}</td>
                                                <td title=e.user_agent.clone().unwrap_or_default()>{e.ip.clone().unwrap_or_default()}</td>
                                                <td>{e.detail.clone()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
