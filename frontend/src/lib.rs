// Leptos view types nest deeply; the bulk page exceeds the default query depth.
#![recursion_limit = "256"]

//! The browser entry point: hydrates the server-rendered page with the same components.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker that the page is live; end-to-end tests wait for it before clicking.
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
