//! Whom a command-line action is done as (`--as EMAIL`): an active account, whose rights and
//! role ceiling apply exactly as in the panel, and whose name the audit log records (with
//! "vestibule CLI" as the browser).

use domain::access::Caller;
use domain::audit::Actor;
use domain::email::EmailAddress;
use domain::store::users;
use domain::Services;

/// The caller for `--as` (its email), or, when none was given, the workspace's only active
/// Admin. Several Admins and no `--as` is an error that says to choose.
pub async fn acting_as(services: &Services, as_email: Option<&str>) -> Result<Caller, String> {
    let email = match as_email {
        Some(e) => EmailAddress::parse(e)
            .map_err(|e| e.to_string())?
            .to_string(),
        None => {
            let admins = users::active_admin_emails(&services.db)
                .await
                .map_err(|e| e.to_string())?;
            match admins.as_slice() {
                [only] => only.clone(),
                [] => {
                    return Err(
                        "there is no active Admin; create one with `admin bootstrap`".into(),
                    )
                }
                _ => {
                    return Err(format!(
                        "there are {} active Admins: say which one acts with --as EMAIL",
                        admins.len()
                    ))
                }
            }
        }
    };
    let user = users::find_by_email(&services.db, &email)
        .await
        .map_err(|e| e.to_string())?
        .filter(|u| u.active)
        .ok_or_else(|| format!("no active account {email}"))?;
    Ok(Caller::signed_in(user, &Actor::cli()))
}
