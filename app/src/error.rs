//! The error every server function returns. It crosses the wire as JSON, so the pages can
//! show the exact message and mark the field at fault. Internal details never reach it.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Bad input in one form field.
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("Please sign in.")]
    Unauthenticated,
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// A refusal with its own message (wrong credentials, deactivated account).
    #[error("{0}")]
    Refused(String),
    #[error("{message}")]
    RateLimited {
        retry_after_secs: u64,
        message: String,
    },
    #[error("This link is no longer valid. Ask your administrator for a new one.")]
    LinkInvalid,
    /// An invitation link that cannot be used, and why.
    #[error("{}", .0.refusal())]
    InviteUnusable(Box<model::LinkView>),
    #[error("Not found.")]
    NotFound,
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The request itself failed: network, or arguments the server could not read.
    #[error("The request failed: {0}")]
    Request(String),
}

impl AppError {
    /// The message for one form field, if this error is about it.
    pub fn for_field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid { field, message } if field == name => Some(message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // On the server this is the request's own fault (arguments missing or unreadable):
        // a 400 that says what is wrong, not a 500.
        #[cfg(feature = "ssr")]
        if matches!(
            value,
            ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::MissingArg(_)
                | ServerFnErrorErr::Deserialization(_)
        ) {
            crate::state::set_status(http::StatusCode::BAD_REQUEST);
        }
        AppError::Request(value.to_string())
    }
}
