//! Bulk invites in three pages, all rendered on the server: the rows (pasted, or read from a
//! file), their dry run (every row ready or with its problem, then the send), and the
//! import (a progress bar that follows the job, then a summary). The rows are kept as a
//! draft between the first two (`api::bulk`), so each step has an address and works as a
//! plain form without WASM; the import page then reloads itself while the job runs.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use model::{BulkPreview, BulkProgress, BulkRow, InviteOptions};

use crate::api::bulk::{
    get_bulk_draft, get_bulk_draft_rows, get_bulk_progress, BulkCheck, BulkDraftView, BulkStart,
};
use crate::api::invites::get_invite_options;
use crate::components::enhance::Enhance;
use crate::components::form::{FieldError, FormError, Submit};
use crate::components::server_data::loading;
use crate::error::AppError;

/// The rows to check: pasted, or read from a file. `?draft=` brings back a draft's rows to
/// change them.
#[component]
pub fn BulkInvitePage() -> impl IntoView {
    let draft = use_query_map().read_untracked().get("draft");
    let data = async move {
        let opts = get_invite_options().await?;
        let csv = match draft {
            Some(id) => get_bulk_draft_rows(id).await?,
            None => String::new(),
        };
        Ok::<_, AppError>((opts, csv))
    };
    view! {
        <Title text="Bulk invite"/>
        <p><a href="/invites">"← All invites"</a></p>
        <h1>"Bulk invite"</h1>
        {loading("the rows", data, |(opts, csv)| view! { <RowsForm opts=opts csv=csv/> })}
    }
}

#[component]
fn RowsForm(opts: InviteOptions, csv: String) -> impl IntoView {
    let names = |names: Vec<String>| {
        if names.is_empty() {
            "none yet".to_owned()
        } else {
            names.join(", ")
        }
    };
    let roles = names(opts.roles.into_iter().map(|r| r.name).collect());
    let teams = names(opts.teams.into_iter().map(|t| t.name).collect());
    view! {
        <Enhance live=false>
            <section class="card">
                <p class="hint">
                    "One invite per line: " <code>"email, role, teams"</code>
                    ". Separate several teams with " <code>";"</code> ". A header row is optional. At most 10,000 rows."
                </p>
                <p class="hint">{format!("Roles you can give: {roles}. Teams: {teams}.")}</p>
                <form method="post" action=BulkCheck::PATH>
                    // Reading a file needs the WASM; without it the rows are pasted.
                    <div class="field needs-js">
                        <label for="bulk-file">"Upload a CSV file"</label>
                        <input id="bulk-file" type="file" accept=".csv,text/csv,text/plain"
                            data-read-into="bulk-csv" aria-describedby="bulk-file-error"/>
                        <p class="field-error" id="bulk-file-error" role="alert" hidden></p>
                    </div>
                    <div class="field">
                        <label for="bulk-csv">"… or paste the rows"</label>
                        <textarea id="bulk-csv" name="csv" rows="8" spellcheck="false" class="mono"
                            required=true aria-describedby="field-csv-error"
                            placeholder="ann@example.com, Editor, Design;Brand">{csv}</textarea>
                        <FieldError name="csv"/>
                    </div>
                    <FormError/>
                    <Submit label="Check rows" busy="Checking…" class="button"/>
                </form>
            </section>
        </Enhance>
    }
}

/// The dry run of a draft: nothing is created until "Send".
#[component]
pub fn BulkCheckPage() -> impl IntoView {
    let id = use_params_map()
        .read_untracked()
        .get("draft")
        .unwrap_or_default();
    let data = async move {
        let draft = get_bulk_draft(id).await?;
        Ok::<_, AppError>((draft, get_invite_options().await?))
    };
    view! {
        <Title text="Bulk invite: dry run"/>
        <p><a href="/invites/bulk">"← Bulk invite"</a></p>
        <h1>"Dry run"</h1>
        {loading("the dry run", data, |(draft, opts)| view! { <DryRun draft=draft opts=opts/> })}
    }
}

#[component]
fn DryRun(draft: BulkDraftView, opts: InviteOptions) -> impl IntoView {
    let BulkPreview {
        total,
        ready,
        problems,
        sample,
    } = draft.preview;
    let problem_count = problems.len();
    let default = opts.default_expiry_hours;
    let change = format!("/invites/bulk?draft={}", draft.id);
    view! {
        <section class="card" aria-labelledby="dry-run">
            <h2 id="dry-run">"The rows"</h2>
            <p class="dry-run-summary" role="status">
                {format!("{total} rows: {ready} ready, {problem_count} with problems.")}
                {(problem_count > 0).then_some(" Rows with problems will be skipped; fix them and check again to include them.")}
            </p>
            <p><a href=change>"Change the rows"</a></p>
            {(problem_count > 0).then(|| view! {
                <h3>"Rows with problems"</h3>
                <RowTable rows=problems with_error=true label="Rows with problems"/>
            })}
            {(ready > 0).then(|| view! {
                <h3>{if ready > sample.len() { format!("Ready (first {} of {ready})", sample.len()) } else { "Ready".to_owned() }}</h3>
                <RowTable rows=sample with_error=false label="Ready rows"/>
            })}
        </section>
        {(ready > 0).then(|| view! {
            <Enhance live=false>
                <section class="card" aria-labelledby="send">
                    <h2 id="send">"Send"</h2>
                    <form method="post" action=BulkStart::PATH>
                        <input type="hidden" name="draft" value=draft.id/>
                        <div class="grid">
                            <div class="field">
                                <label for="bulk-expiry">"Links expire after"</label>
                                <select id="bulk-expiry" name="expiry_hours" aria-describedby="field-expiry_hours-error">
                                    {opts.expiry_choices
                                        .iter()
                                        .map(|(h, l)| view! { <option value=h.to_string() selected=*h == default>{l.clone()}</option> })
                                        .collect_view()}
                                </select>
                                <FieldError name="expiry_hours"/>
                            </div>
                            <div class="field">
                                <label for="bulk-message">"Personal note for everyone (optional)"</label>
                                <input id="bulk-message" name="message" type="text" maxlength="500"
                                    aria-describedby="field-message-error"/>
                                <FieldError name="message"/>
                            </div>
                        </div>
                        <FormError/>
                        <button type="submit" class="button primary" data-busy-label="Starting…">
                            {format!("Send {ready} invite{}", if ready == 1 { "" } else { "s" })}
                        </button>
                    </form>
                </section>
            </Enhance>
        })}
    }
}

/// `label` names the scrolling region, one name per table on the page.
#[component]
fn RowTable(rows: Vec<BulkRow>, with_error: bool, label: &'static str) -> impl IntoView {
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=label>
            <table class="bulk-rows">
                <thead><tr><th>"Line"</th><th>"Email"</th><th>"Role"</th><th>"Teams"</th>{with_error.then(|| view! { <th>"Problem"</th> })}</tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr data-line=r.line.to_string()>
                            <td>{r.line}</td><td>{r.email}</td><td>{r.role}</td><td>{r.teams.join(", ")}</td>
                            {with_error.then(|| view! { <td class="problem">{r.error.unwrap_or_default()}</td> })}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// An import: its progress while it runs (the region asks to be fetched again), then its
/// summary, or how it ended early.
#[component]
pub fn BulkJobPage() -> impl IntoView {
    let id = use_params_map()
        .read_untracked()
        .get("job")
        .unwrap_or_default();
    view! {
        <Title text="Bulk invite: import"/>
        <p><a href="/invites">"← All invites"</a></p>
        <h1>"Bulk import"</h1>
        <Enhance live=false>
            {loading("the import", get_bulk_progress(id), |p| view! { <ImportProgress p=p/> })}
        </Enhance>
    }
}

fn is_over(p: &BulkProgress) -> bool {
    p.finished || p.interrupted || p.error.is_some()
}

#[component]
fn ImportProgress(p: BulkProgress) -> impl IntoView {
    let label = format!("{} of {} rows", p.done, p.total);
    let over = is_over(&p);
    view! {
        <div data-region="import" data-poll=(!over).then_some("")>
            // Without WASM the page reloads itself until the import is over.
            {(!over).then(|| view! { <noscript><meta http-equiv="refresh" content="2"/></noscript> })}
            <section class="card" aria-labelledby="import-progress">
                <h2 id="import-progress">{if over { "Import summary" } else { "Sending invites…" }}</h2>
                <label class="progress-label" for="bulk-progress">{label}</label>
                <progress id="bulk-progress" max=p.total.max(1).to_string() value=p.done.to_string()></progress>
                {p.finished.then(|| view! {
                    <p class="bulk-summary" role="status">
                        {format!("Done: {} invite{} created, {} row{} skipped. Emails are on their way.",
                            p.created, if p.created == 1 { "" } else { "s" },
                            p.skipped.len(), if p.skipped.len() == 1 { "" } else { "s" })}
                    </p>
                })}
                {p.interrupted.then(|| view! {
                    <p class="form-error bulk-interrupted" role="alert">{format!("The import stopped after {} invites (the server restarted). Each of them was created whole; check the list and send the rest again.", p.created)}</p>
                })}
                {p.error.clone().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                {(p.finished && !p.skipped.is_empty()).then(|| view! {
                    <h3>"Skipped rows"</h3>
                    <RowTable rows=p.skipped.clone() with_error=true label="Skipped rows"/>
                })}
                {over.then(|| view! { <p><a href="/invites">"See the invites"</a></p> })}
            </section>
        </div>
    }
}
