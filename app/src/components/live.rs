//! Live updates pushed by the server (`GET /events`, server-sent events). One connection per
//! signed-in page, shared through context: every message bumps a version number that lists,
//! timelines and the dashboard use as a resource key, so they refetch within a moment of a
//! change made anywhere (another admin, the invitee, the mail worker, another server).
//!
//! The browser's EventSource reconnects by itself after a network break or a server restart;
//! the version is bumped on every reconnect too, since changes may have been missed.

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Live {
    version: RwSignal<u64>,
}

impl Live {
    /// Read inside a resource's key to refetch on every change.
    pub fn version(&self) -> u64 {
        self.version.get()
    }
}

/// Opens the event stream (in the browser only) and provides `Live` to the pages below.
pub fn provide_live(enabled: bool) {
    let version = RwSignal::new(0u64);
    provide_context(Live { version });
    #[cfg(feature = "hydrate")]
    if enabled {
        connect(version);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = enabled;
}

/// The `Live` provided by the signed-in layout.
pub fn use_live() -> Live {
    use_context::<Live>().unwrap_or(Live {
        version: RwSignal::new(0),
    })
}

#[cfg(feature = "hydrate")]
fn connect(version: RwSignal<u64>) {
    use leptos::wasm_bindgen::closure::Closure;
    use leptos::wasm_bindgen::JsCast;
    use web_sys::EventSource;

    let Ok(source) = EventSource::new("/events") else {
        leptos::logging::warn!("live updates unavailable: cannot open /events");
        return;
    };
    let bump = move || version.update(|v| *v += 1);
    let on_message = Closure::<dyn Fn()>::new(bump);
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The first open is the page's own start; later ones are reconnects after a break.
    let opened = std::cell::Cell::new(false);
    let on_open = Closure::<dyn Fn()>::new(move || {
        if opened.replace(true) {
            bump();
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    let source = send_wrapper::SendWrapper::new((source, on_message, on_open));
    on_cleanup(move || source.0.close());
}
