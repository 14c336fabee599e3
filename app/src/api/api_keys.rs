//! API keys: list, create (the key is in this one answer), revoke.

use leptos::prelude::*;
use model::{ApiKeyInfo, IssuedApiKey};

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::state::Ctx;
    pub use domain::api_keys::NewApiKey;
    pub use model::{ApiScope, ApiScopes};
}

#[server(endpoint = "list_api_keys")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyInfo>, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.list_api_keys(&caller).await?)
}

/// `scopes` arrives as `scopes[0]=invitations:read&…` from the form's checkboxes;
/// `expires_in_days` empty for a key that does not expire.
#[server(endpoint = "create_api_key")]
pub async fn create_api_key(
    name: String,
    scopes: Option<Vec<String>>,
    expires_in_days: Option<String>,
) -> Result<IssuedApiKey, AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    let mut chosen = Vec::new();
    for s in scopes.unwrap_or_default() {
        let scope = ApiScope::parse(s.trim()).ok_or_else(|| AppError::Invalid {
            field: "scopes".into(),
            message: format!("There is no scope {s:?}."),
        })?;
        chosen.push(scope);
    }
    let expires_in_days = match expires_in_days.as_deref().map(str::trim) {
        None | Some("") | Some("never") => None,
        Some(d) => Some(d.parse::<i64>().map_err(|_| AppError::Invalid {
            field: "expires_in_days".into(),
            message: "Choose when the key expires.".into(),
        })?),
    };
    let req = NewApiKey {
        name: &name,
        scopes: ApiScopes::of(&chosen),
        expires_in_days,
    };
    Ok(cx.services.create_api_key(&caller, req).await?)
}

#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: String) -> Result<(), AppError> {
    use self::ssr::*;
    let cx = Ctx::get()?;
    let caller = cx.caller().await?;
    Ok(cx.services.revoke_api_key(&caller, &id).await?)
}
