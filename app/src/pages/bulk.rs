//! Bulk invites: paste or upload a CSV, check it (dry run: every row ready or with its
//! problem), then send. A progress bar follows the import; a summary ends it. This page is
//! the one island with views of its own in the browser: it reads a file, and its dry run
//! and progress are state the server does not render.

use leptos::prelude::*;
use leptos_meta::Title;
use model::{BulkPreview, BulkProgress, BulkRow, InviteOptions};

use crate::api::bulk::{BulkCheck, BulkStart};
use crate::api::invites::get_invite_options;
use crate::components::server_data::loading;
use crate::error::AppError;

#[component]
pub fn BulkInvitePage() -> impl IntoView {
    view! {
        <Title text="Bulk invite"/>
        <p><a href="/invites">"← All invites"</a></p>
        <h1>"Bulk invite"</h1>
        {loading("the invite options", get_invite_options(), |opts| view! { <BulkInvite opts=opts/> })}
    }
}

/// The whole flow: the file or pasted rows, the dry run, the import's progress, the summary.
#[island]
fn BulkInvite(opts: InviteOptions) -> impl IntoView {
    let default = opts.default_expiry_hours;
    let csv = RwSignal::new(String::new());
    let expiry = RwSignal::new(default.to_string());
    let message = RwSignal::new(String::new());
    let file_error = RwSignal::new(None::<String>);
    let check = ServerAction::<BulkCheck>::new();
    let start = ServerAction::<BulkStart>::new();
    let progress = RwSignal::new(None::<BulkProgress>);
    let poll_error = RwSignal::new(None::<AppError>);

    // A new check forgets the last import; editing the text forgets the last check.
    let preview = Signal::derive(move || check.value().get().and_then(Result::ok));
    let error = Signal::derive(move || {
        poll_error
            .get()
            .or_else(|| start.value().get().and_then(Result::err))
            .or_else(|| check.value().get().and_then(Result::err))
    });
    let job = Signal::derive(move || start.value().get().and_then(Result::ok));
    follow_job(job, progress, poll_error);

    let on_check = move |_| {
        progress.set(None);
        start.value().set(None);
        check.dispatch(BulkCheck { csv: csv.get() });
    };
    let on_send = move |_| {
        progress.set(None);
        poll_error.set(None);
        start.dispatch(BulkStart {
            csv: csv.get(),
            expiry_hours: expiry.get().parse().unwrap_or(default),
            message: Some(message.get()),
        });
    };
    let busy = move || {
        check.pending().get()
            || start.pending().get()
            || (job.get().is_some() && !progress.get().is_some_and(|p| is_over(&p)))
    };

    view! {
        <section class="card">
            <p class="hint">
                "One invite per line: " <code>"email, role, teams"</code>
                ". Separate several teams with " <code>";"</code> ". A header row is optional. At most 10,000 rows."
            </p>
            <div class="field">
                <label for="bulk-file">"Upload a CSV file"</label>
                <input id="bulk-file" type="file" accept=".csv,text/csv,text/plain"
                    on:change=move |ev| read_file(ev, csv, file_error, check)/>
                <p class="field-error" role="alert">{move || file_error.get()}</p>
            </div>
            <div class="field">
                <label for="bulk-csv">"… or paste the rows"</label>
                <textarea id="bulk-csv" rows="8" spellcheck="false" class="mono"
                    placeholder="ann@example.com, Editor, Design;Brand"
                    prop:value=move || csv.get()
                    on:input=move |ev| {
                        csv.set(event_target_value(&ev));
                        check.value().set(None);
                    }></textarea>
            </div>
            <div class="grid">
                <div class="field">
                    <label for="bulk-expiry">"Links expire after"</label>
                    <select id="bulk-expiry" on:change=move |ev| expiry.set(event_target_value(&ev))>
                        {opts.expiry_choices
                            .iter()
                            .map(|(h, l)| view! { <option value=h.to_string() selected=*h == default>{l.clone()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="bulk-message">"Personal note for everyone (optional)"</label>
                    <input id="bulk-message" type="text" maxlength="500"
                        on:input=move |ev| message.set(event_target_value(&ev))/>
                </div>
            </div>
            {move || error.get().filter(|e| !matches!(e, AppError::Invalid { .. })).map(|e| view! {
                <p class="form-error" role="alert">{e.to_string()}</p>
            })}
            <p class="field-error" role="alert">{move || error.get().and_then(|e| e.for_field("csv"))}</p>
            <button type="button" class="button" on:click=on_check
                disabled=move || busy() || csv.with(|c| c.trim().is_empty())>
                {move || if check.pending().get() { "Checking…" } else { "Check rows" }}
            </button>
        </section>
        {move || preview.get().map(|p| view! { <Preview preview=p busy=Signal::derive(busy) on_send=on_send/> })}
        {move || {
            let started = job.get().is_some() || start.pending().get();
            started.then(|| view! { <ImportProgress progress=progress/> })
        }}
    }
}

fn is_over(p: &BulkProgress) -> bool {
    p.finished || p.interrupted || p.error.is_some()
}

/// Polls the job while it runs.
fn follow_job(
    job: Signal<Option<String>>,
    progress: RwSignal<Option<BulkProgress>>,
    poll_error: RwSignal<Option<AppError>>,
) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use crate::api::bulk::get_bulk_progress;
        const POLL_MS: u64 = 300;
        let Some(id) = job.get() else { return };
        let in_flight = StoredValue::new(false);
        let handle = set_interval_with_handle(
            move || {
                if in_flight.get_value()
                    || progress.with_untracked(|p| p.as_ref().is_some_and(is_over))
                {
                    return;
                }
                in_flight.set_value(true);
                let id = id.clone();
                leptos::task::spawn_local(async move {
                    match get_bulk_progress(id).await {
                        Ok(p) => progress.set(Some(p)),
                        Err(e) => poll_error.set(Some(e)),
                    }
                    in_flight.set_value(false);
                });
            },
            std::time::Duration::from_millis(POLL_MS),
        )
        .ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (job, progress, poll_error);
}

/// Reads the chosen file as strict UTF-8 into the text area.
fn read_file(
    ev: leptos::ev::Event,
    csv: RwSignal<String>,
    file_error: RwSignal<Option<String>>,
    check: ServerAction<BulkCheck>,
) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::closure::Closure;
        // The server accepts request bodies up to 4 MiB; form encoding can double a file.
        const MAX_FILE_BYTES: f64 = 2.0 * 1024.0 * 1024.0;
        use leptos::wasm_bindgen::JsCast;
        let Some(file) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        else {
            return;
        };
        file_error.set(None);
        check.value().set(None);
        if file.size() > MAX_FILE_BYTES {
            file_error.set(Some(
                "The file is larger than 2 MB. Split it into smaller files.".into(),
            ));
            return;
        }
        let Ok(reader) = web_sys::FileReader::new() else {
            return;
        };
        let r = reader.clone();
        let on_load = Closure::once(move || {
            let Ok(buffer) = r.result() else { return };
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            match String::from_utf8(bytes) {
                Ok(text) => csv.set(text),
                Err(e) => {
                    let bytes = e.as_bytes();
                    let line = 1 + bytes[..e.utf8_error().valid_up_to()]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count();
                    file_error.set(Some(format!(
                        "The file is not UTF-8 text (first bad byte on line {line}). Save it as UTF-8 CSV and try again."
                    )));
                }
            }
        });
        reader.set_onload(Some(on_load.as_ref().unchecked_ref()));
        on_load.forget();
        if reader.read_as_array_buffer(&file).is_err() {
            file_error.set(Some("The file could not be read.".into()));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, csv, file_error, check);
}

#[component]
fn Preview(
    preview: BulkPreview,
    busy: Signal<bool>,
    on_send: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let ready = preview.ready;
    let problems = preview.problems.len();
    view! {
        <section class="card" aria-labelledby="dry-run">
            <h2 id="dry-run">"Dry run"</h2>
            <p class="dry-run-summary" role="status">
                {format!("{} rows: {ready} ready, {problems} with problems.", preview.total)}
                {(problems > 0).then_some(" Rows with problems will be skipped; fix them and check again to include them.")}
            </p>
            {(problems > 0).then(|| view! {
                <h3>"Rows with problems"</h3>
                <RowTable rows=preview.problems.clone() with_error=true/>
            })}
            {(ready > 0).then(|| view! {
                <h3>{if ready > preview.sample.len() { format!("Ready (first {} of {ready})", preview.sample.len()) } else { "Ready".to_owned() }}</h3>
                <RowTable rows=preview.sample.clone() with_error=false/>
                <button type="button" class="button primary" on:click=on_send disabled=move || busy.get()>
                    {format!("Send {ready} invite{}", if ready == 1 { "" } else { "s" })}
                </button>
            })}
        </section>
    }
}

#[component]
fn RowTable(rows: Vec<BulkRow>, with_error: bool) -> impl IntoView {
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Rows">
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

#[component]
fn ImportProgress(progress: RwSignal<Option<BulkProgress>>) -> impl IntoView {
    move || {
        let Some(p) = progress.get() else {
            return view! { <section class="card"><p class="loading">"Starting the import…"</p></section> }.into_any();
        };
        let label = format!("{} of {} rows", p.done, p.total);
        let over = is_over(&p);
        view! {
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
                    <p class="form-error" role="alert">{format!("The import stopped after {} invites (the server restarted). Each of them was created whole; check the list and send the rest again.", p.created)}</p>
                })}
                {p.error.clone().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                {(p.finished && !p.skipped.is_empty()).then(|| view! {
                    <h3>"Skipped rows"</h3>
                    <RowTable rows=p.skipped.clone() with_error=true/>
                })}
                {over.then(|| view! { <p><a href="/invites">"See the invites"</a></p> })}
            </section>
        }
        .into_any()
    }
}
