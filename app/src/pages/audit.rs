//! The audit log: every sign-in and admin action, newest first, with filters.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::{action_label, ACTION_GROUPS};

use crate::api::directory::audit_log;
use crate::components::server_data::loading;
use crate::components::time::When;

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read_untracked().get(k).filter(|v| !v.is_empty());
    let entries = audit_log(get("actor"), get("action"), get("subject"));
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <form method="get" class="card filters" aria-label="Filter the audit log">
            <div class="field">
                <label for="f-actor">"By (email starts with)"</label>
                <input id="f-actor" name="actor" value=get("actor").unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="f-action">"What"</label>
                <select id="f-action" name="action">
                    <option value="">"Everything"</option>
                    {ACTION_GROUPS.into_iter().map(|(code, label)| view! { <option value=code selected=get("action").as_deref() == Some(code)>{label}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-subject">"About (email contains)"</label>
                <input id="f-subject" name="subject" value=get("subject").unwrap_or_default()/>
            </div>
            <button type="submit" class="button subtle">"Filter"</button>
        </form>
        <section class="card">
            {loading("the log", entries, |list| {
                if list.is_empty() {
                    return view! { <p class="empty">"Nothing matches."</p> }.into_any();
                }
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Audit log">
                        <table class="audit">
                            <thead><tr><th>"When"</th><th>"What"</th><th>"About"</th><th>"By"</th><th>"From"</th><th>"Details"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|e| view! {
                                    <tr>
                                        <td><When at=e.at/></td>
                                        <td>{action_label(&e.action).to_owned()}</td>
                                        <td>{e.subject.clone().unwrap_or_default()}</td>
                                        <td>{e.who()}</td>
                                        <td title=e.user_agent.clone().unwrap_or_default()>{e.ip.clone().unwrap_or_default()}</td>
                                        <td>{e.detail.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            })}
        </section>
    }
}
