//! Loading a page's data on the server. Pages render only there (the browser swaps in what
//! the server rendered), and every route waits for its data before the first byte goes out, so a page
//! arrives whole: no loading placeholder, no second request from the browser.

use std::future::Future;

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::AppError;

/// Awaits `data` and renders it with `render`, or says why it could not be loaded.
///
/// `data` runs as a task of its own (a `OnceResource`), started at once. Awaited inline
/// instead, a page's loaders are only polled one after another, and one that had already
/// taken a database connection sat on it while the next waited for one: four concurrent
/// loads of the Invites page emptied the SQLite read pool and hung for its 10 s timeout.
pub fn loading<T, V>(
    what: &'static str,
    data: impl Future<Output = Result<T, AppError>> + Send + 'static,
    render: impl FnOnce(T) -> V + Send + 'static,
) -> impl IntoView
where
    T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let data = OnceResource::new(data);
    view! {
        <Suspense fallback=move || view! { <p class="loading">{format!("Loading {what}…")}</p> }>
            {Suspend::new(async move {
                match data.await {
                    Ok(data) => render(data).into_any(),
                    Err(e) => load_error(e).into_any(),
                }
            })}
        </Suspense>
    }
}

/// The message for data that could not be loaded.
pub fn load_error(e: AppError) -> impl IntoView {
    view! { <p class="form-error" role="alert">{e.to_string()}</p> }
}
