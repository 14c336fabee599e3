//! The browser entry point. The page came from the server whole; this starts the browser
//! side of the app (`app::components::enhance`): navigation and forms in place, live regions.
//! Leptos's island loader calls it once per tab: navigation keeps the document.

use wasm_bindgen::JsCast;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::components::enhance::start();
    // A marker that the page is live; end-to-end tests wait for it before clicking (and the
    // styles show what needs the WASM, such as the CSV file field). It stays on the document
    // across navigations. Set after a zero timeout, as before, once the loader is done.
    let mark = wasm_bindgen::closure::Closure::once_into_js(|| {
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    let _ = leptos::prelude::window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(mark.unchecked_ref(), 0);
}
