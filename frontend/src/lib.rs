//! The browser entry point. The page came from the server whole; this starts the reactive
//! runtime, then Leptos's loader hydrates each island on the page (`#[island]` components
//! in the app crate, exported from this WASM module by name).

use wasm_bindgen::JsCast;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    app::islands_linked();
    // A marker that the page is live; end-to-end tests wait for it before clicking. The
    // loader hydrates the islands right after this function returns, all before the next
    // task, so a zero timeout sets the marker once every island is ready.
    let mark = wasm_bindgen::closure::Closure::once_into_js(|| {
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    let _ = leptos::prelude::window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(mark.unchecked_ref(), 0);
}
