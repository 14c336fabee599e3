//! The domain's one error type. The web layer maps it to HTTP / server-function errors in one
//! place; `Store` and `Internal` are logged there and never shown to the client.

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Bad input, tied to the form field that holds it.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The request clashes with what exists (e.g. an account with that email).
    #[error("{0}")]
    Conflict(String),
    #[error("Not found.")]
    NotFound,
    /// Deliberately vague: never says whether the account exists.
    #[error("Email or password is wrong.")]
    BadCredentials,
    #[error("Please sign in.")]
    Unauthenticated,
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// Right password, but the account was deactivated.
    #[error("This account has been deactivated. Ask your administrator.")]
    AccountDeactivated,
    #[error("{message}")]
    RateLimited {
        retry_after_secs: u64,
        message: String,
    },
    /// A link token that is forged, unknown, used or expired.
    #[error("This link is no longer valid. Ask your administrator for a new one.")]
    LinkInvalid,
    /// An authentic invitation link that cannot be used (expired, revoked, used, replaced,
    /// or its inviter lost the right to grant the role).
    #[error("{}", .0.refusal())]
    InviteUnusable(Box<model::LinkView>),
    #[error("database error: {0}")]
    Store(#[from] sqlx::Error),
    #[error("{0}")]
    Internal(String),
}

impl DomainError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
        DomainError::Invalid {
            field,
            message: message.into(),
        }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
