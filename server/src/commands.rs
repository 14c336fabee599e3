//! `vestibule invite` and `vestibule api-key …`: the panel's actions from a terminal, through
//! the same rules, as the account given with `--as`.

use domain::api_keys::NewApiKey;
use domain::invites::{CreateInvite, Expiry};
use domain::model::{fmt_utc, ApiScope, ApiScopes};
use domain::Services;

use crate::acting::acting_as;
use crate::cli::ApiKeyCommand;

pub struct InviteArgs<'a> {
    pub email: &'a str,
    pub role: &'a str,
    pub teams: &'a [String],
    pub inviter: Option<&'a str>,
    pub expiry_hours: Option<i64>,
    pub message: &'a str,
    pub send_email: bool,
    pub landing_path: &'a str,
}

/// Creates the invite and says what happened, with the link when no email goes out.
pub async fn invite(services: &Services, args: InviteArgs<'_>) -> anyhow::Result<String> {
    let caller = acting_as(services, args.inviter)
        .await
        .map_err(|e| anyhow::anyhow!("--as: {e}"))?;
    let known = services.list_teams(&caller).await?;
    let mut team_ids = Vec::new();
    for t in args.teams {
        let team = known
            .iter()
            .find(|k| k.id == *t || k.name.eq_ignore_ascii_case(t.trim()))
            .ok_or_else(|| anyhow::anyhow!("--team: there is no team {t:?}"))?;
        team_ids.push(team.id.clone());
    }
    let hours = match args.expiry_hours {
        Some(h) => h,
        None => services.policy().await?.default_expiry_hours,
    };
    let issued = services
        .create_invite(
            &caller,
            CreateInvite {
                email: args.email,
                role: args.role,
                team_ids: &team_ids,
                expiry: Expiry::Hours(hours),
                message: args.message,
                send_email: args.send_email,
                metadata: None,
                landing_path: args.landing_path,
                access_ends_at: None,
                send_at: None,
            },
        )
        .await?;
    Ok(if args.send_email {
        format!(
            "Invited {} (invite {}). The email goes out from the running server's mail worker.",
            issued.email, issued.invite_id
        )
    } else {
        format!(
            "Invited {} (invite {}) without an email. The link, shown this once:\n\n  {}\n",
            issued.email,
            issued.invite_id,
            issued.link.unwrap_or_default()
        )
    })
}

pub async fn api_key(services: &Services, command: ApiKeyCommand) -> anyhow::Result<String> {
    match command {
        ApiKeyCommand::Create {
            name,
            scopes,
            creator,
            expires_in_days,
        } => {
            let caller = acting_as(services, creator.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("--as: {e}"))?;
            let mut chosen = Vec::new();
            for s in &scopes {
                chosen.push(ApiScope::parse(s.trim()).ok_or_else(|| {
                    let all: Vec<&str> = ApiScope::ALL.iter().map(|s| s.as_str()).collect();
                    anyhow::anyhow!(
                        "--scopes: there is no scope {s:?} (choose from {})",
                        all.join(", ")
                    )
                })?);
            }
            let key = services
                .create_api_key(
                    &caller,
                    NewApiKey {
                        name: &name,
                        scopes: ApiScopes::of(&chosen),
                        expires_in_days,
                    },
                )
                .await?;
            Ok(format!(
                "Created the API key {} (id {}) for {}. The key, shown this once:\n\n  {}\n",
                key.name, key.id, caller.user.email, key.key
            ))
        }
        ApiKeyCommand::List { reader } => {
            let caller = acting_as(services, reader.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("--as: {e}"))?;
            let keys = services.list_api_keys(&caller).await?;
            let mut out = String::new();
            for k in &keys {
                out.push_str(&format!(
                    "{}  {}…  {:<8} {}  by {}  created {}  last used {}\n",
                    k.id,
                    k.prefix,
                    k.state.label(),
                    k.name,
                    k.creator_email,
                    fmt_utc(k.created_at),
                    k.last_used_at
                        .map(fmt_utc)
                        .unwrap_or_else(|| "never".into()),
                ));
            }
            out.push_str(&format!("{} key(s).", keys.len()));
            Ok(out)
        }
        ApiKeyCommand::Revoke { id, by } => {
            let caller = acting_as(services, by.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("--as: {e}"))?;
            services.revoke_api_key(&caller, &id).await?;
            Ok(format!(
                "Revoked the API key {id}. It stops working at once."
            ))
        }
    }
}
