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
    /// Not allowed, for a reason worth telling (the caller may do this to other things).
    #[error("{0}")]
    ForbiddenBecause(String),
    /// Right password, but the account was deactivated.
    #[error("This account has been deactivated. Ask your administrator.")]
    AccountDeactivated,
    #[error("{message}")]
    RateLimited {
        retry_after_secs: u64,
        message: String,
    },
    /// An API key that is not ours, unknown, revoked or expired, or whose creator was
    /// deactivated; the message says which (only the key's holder can ask).
    #[error("{0}")]
    KeyRefused(String),
    /// A link token that is forged, unknown, used or expired.
    #[error("This link is no longer valid. Ask your administrator for a new one.")]
    LinkInvalid,
    /// An authentic invitation link that cannot be used (expired, revoked, used, replaced,
    /// or its inviter lost the right to grant the role).
    #[error("{}", .0.refusal())]
    InviteUnusable(Box<model::LinkView>),
    #[error("database error: {0}")]
    Store(sqlx::Error),
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

impl From<sqlx::Error> for DomainError {
    fn from(e: sqlx::Error) -> DomainError {
        // PostgreSQL refuses NUL in text (SQLSTATE 22021), and that is the input's fault, not
        // ours. The web layer refuses NUL before any handler runs; this keeps whatever else
        // reaches the database with one (the command line, a future door) a clear 4xx.
        if let sqlx::Error::Database(d) = &e {
            if d.code().as_deref() == Some("22021") {
                return DomainError::invalid("input", "Text cannot contain NUL characters (\\0).");
            }
        }
        DomainError::Store(e)
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
