//! A file chosen in `<input type="file" data-read-into="ID">` is read, as strict UTF-8, into
//! the text area `ID`, so it is sent (and checked) like pasted text. A file that is too large
//! or not UTF-8 is refused in the element `ID-error` of the file field, naming the line.
//! Without WASM the file field is hidden by the styles (`.needs-js`): pasting still works.

use leptos::prelude::document;
use leptos::wasm_bindgen::closure::Closure;
use leptos::wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlTextAreaElement};

use super::dom::{hide, on_document, show};

/// The server accepts request bodies up to 4 MiB; form encoding can double a file.
const MAX_FILE_BYTES: f64 = 2.0 * 1024.0 * 1024.0;

pub fn listen() {
    on_document("change", |ev| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(into) = input.get_attribute("data-read-into") {
            read(&input, &into);
        }
    });
}

/// Says `text` in the file field's error slot, if it has one.
fn refuse(slot: &Option<Element>, text: &str) {
    if let Some(el) = slot {
        show(el, text);
    }
}

fn read(input: &HtmlInputElement, into: &str) {
    let error = document().get_element_by_id(&format!("{}-error", input.id()));
    if let Some(el) = &error {
        hide(el);
    }
    let Some(target) = document()
        .get_element_by_id(into)
        .and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok())
    else {
        return;
    };
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    if file.size() > MAX_FILE_BYTES {
        refuse(
            &error,
            "The file is larger than 2 MB. Split it into smaller files.",
        );
        return;
    }
    let Ok(reader) = web_sys::FileReader::new() else {
        return;
    };
    let r = reader.clone();
    let error_slot = error.clone();
    let on_load = Closure::once(move || {
        let Ok(buffer) = r.result() else { return };
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        match String::from_utf8(bytes) {
            Ok(text) => target.set_value(&text),
            Err(e) => {
                let bytes = e.as_bytes();
                let line = 1 + bytes[..e.utf8_error().valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                refuse(&error_slot, &format!(
                    "The file is not UTF-8 text (first bad byte on line {line}). Save it as UTF-8 CSV and try again."
                ));
            }
        }
    });
    reader.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();
    if reader.read_as_array_buffer(&file).is_err() {
        refuse(&error, "The file could not be read.");
    }
}
