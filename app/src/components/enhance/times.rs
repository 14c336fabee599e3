//! Every `<time data-local>` (`components::time::When`) in the viewer's own time zone and
//! language, e.g. "3 Dec 2026, 01:05" in Tokyo for 2026-12-02 16:05 UTC; the UTC time stays
//! in its `title`, shown on hover. Run on the first page, each page navigation brings and
//! each refreshed region.

use leptos::prelude::{document, window};
use leptos::wasm_bindgen::JsValue;

use super::dom::each;

pub fn localise() {
    let Some(root) = document().document_element() else {
        return;
    };
    let locale = window()
        .navigator()
        .language()
        .unwrap_or_else(|| "en".into());
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    each(&root, "time[data-local][datetime]", |el| {
        let at = el.get_attribute("datetime").unwrap_or_default();
        let date = js_sys::Date::new(&JsValue::from_str(&at));
        if date.get_time().is_nan() {
            return;
        }
        let shown: String = date.to_locale_string(&locale, &options).into();
        el.set_text_content(Some(&shown));
    });
}
