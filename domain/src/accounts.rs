//! Accounts: the first admin, set-password links, sign-in.

use uuid::Uuid;

use crate::access::Caller;
use crate::audit::{bounded, Action, Actor, Event};
use crate::clock::{Millis, DAY};
use crate::email::EmailAddress;
use crate::error::{DomainError, DomainResult};
use crate::password::NewPassword;
use crate::ratelimit::wait_phrase;
use crate::store::sessions::DbSessionStore;
use crate::store::users::{self, NewUser, UserWithRole};
use crate::store::{audit as audit_store, password_tokens, Tx};
use crate::token::{self, Purpose};
use crate::Services;

/// How long the first admin's set-password link stays valid.
pub const BOOTSTRAP_LINK_TTL: Millis = DAY;
pub const MAX_NAME_LEN: usize = 100;

/// A person's display name: trimmed, 1..=100 characters, no control characters.
pub fn parse_name(input: &str) -> DomainResult<String> {
    let name = input.trim();
    if name.is_empty() {
        return Err(DomainError::invalid("name", "Enter a name."));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(DomainError::invalid(
            "name",
            format!("Use at most {MAX_NAME_LEN} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "name",
            "A name cannot contain line breaks or control characters.",
        ));
    }
    Ok(name.to_owned())
}

/// "2 sessions ended", for the audit log.
pub(crate) fn sessions_ended(n: u64) -> String {
    match n {
        0 => "no session was open".to_owned(),
        1 => "1 session ended".to_owned(),
        n => format!("{n} sessions ended"),
    }
}

impl Services {
    /// Creates the first Admin (no password yet) and returns a one-time link to set one.
    /// Refused once any Admin exists, so it cannot be used to take over a workspace.
    pub async fn bootstrap_admin(&self, email: &EmailAddress, name: &str) -> DomainResult<String> {
        let name = parse_name(name)?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if users::admin_exists(&mut tx).await? {
            return Err(DomainError::Conflict(
                "An admin already exists, so bootstrap is refused. Sign in as that admin, \
                 or ask them to invite you."
                    .into(),
            ));
        }
        if users::email_taken(&mut tx, email.as_str()).await? {
            return Err(DomainError::Conflict(format!(
                "An account for {email} already exists."
            )));
        }
        let user_id = Uuid::now_v7().to_string();
        users::insert(
            &mut tx,
            &NewUser {
                id: &user_id,
                email: email.as_str(),
                name: &name,
                password_hash: None,
                role_id: "admin",
                created_at: now,
                invite_id: None,
                joined_via: None,
                confirmation: None,
                access_ends_at: None,
            },
        )
        .await?;
        let link = self
            .issue_password_link(&mut tx, &user_id, now, BOOTSTRAP_LINK_TTL)
            .await?;
        let event = Event::new(
            &Actor::cli(),
            Action::AdminBootstrapped,
            Some(email.as_str()),
        );
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        Ok(link)
    }

    /// Whether the first admin has been created (start-up prints a hint until then).
    pub async fn has_admin(&self) -> DomainResult<bool> {
        // Read inside a transaction that is rolled back: the check shares bootstrap's query.
        let mut tx = self.db.begin().await?;
        Ok(users::admin_exists(&mut tx).await?)
    }

    async fn issue_password_link(
        &self,
        tx: &mut Tx,
        user_id: &str,
        now: Millis,
        ttl: Millis,
    ) -> DomainResult<String> {
        let id = Uuid::now_v7();
        let issued = token::issue(&self.key, Purpose::SetPassword, id)?;
        password_tokens::insert(tx, &id.to_string(), user_id, &issued.digest, now, now + ttl)
            .await?;
        Ok(self
            .public_url
            .link(&format!("/set-password/{}", issued.token)))
    }

    /// The email a set-password link is for, if the link is live. Reads only: opening the
    /// link changes nothing.
    pub async fn password_link_email(&self, token: &str) -> DomainResult<String> {
        let verified = token::verify(&self.key, Purpose::SetPassword, token)
            .map_err(|_| DomainError::LinkInvalid)?;
        password_tokens::live(
            &self.db,
            &verified.id.to_string(),
            &verified.digest,
            self.clock.now(),
        )
        .await?
        .map(|t| t.email)
        .ok_or(DomainError::LinkInvalid)
    }

    /// Sets the password of the account a set-password link belongs to and uses the link up;
    /// every other link of the account dies and every session of it ends, in the same commit.
    /// A deactivated account's link is refused. Invitations are never looked at: a password
    /// link can only ever reach an account that exists.
    pub async fn set_password(
        &self,
        token: &str,
        password: &NewPassword,
        actor: &Actor,
    ) -> DomainResult<UserWithRole> {
        let verified = token::verify(&self.key, Purpose::SetPassword, token)
            .map_err(|_| DomainError::LinkInvalid)?;
        // Hash before taking the write lock: argon2 takes tens of milliseconds.
        let hash = self.hasher.hash(password).await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let user_id =
            password_tokens::consume(&mut tx, &verified.id.to_string(), &verified.digest, now)
                .await?
                .ok_or(DomainError::LinkInvalid)?;
        let user = users::find_by_id_tx(&mut tx, &user_id)
            .await?
            .filter(|u| u.may_act_at(now))
            .ok_or(DomainError::LinkInvalid)?;
        users::set_password_hash(&mut tx, &user_id, &hash).await?;
        password_tokens::void_for_user(&mut tx, &user_id, now).await?;
        let ended = DbSessionStore::delete_for_user_tx(&mut tx, &user_id).await?;
        let event = Event::new(actor, Action::PasswordSet, Some(&user.email))
            .detail(format!("from a one-time link; {}", sessions_ended(ended)));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        users::find_by_id(&self.db, &user_id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    /// Signs in with email and password. Says the same thing, after the same work, whether
    /// the account is missing or the password is wrong.
    pub async fn sign_in(
        &self,
        email_input: &str,
        password: &str,
        actor: &Actor,
    ) -> DomainResult<UserWithRole> {
        let now = self.clock.now();
        let parsed = EmailAddress::parse(email_input);
        // What the attempt is about, for the per-account limit and the audit log: the address
        // as normalised, or a short one-line excerpt of whatever was typed instead.
        let account_key = match &parsed {
            Ok(email) => email.as_str().to_owned(),
            Err(_) => bounded(email_input.trim(), 100).to_lowercase(),
        };
        let ip_key = actor.ip.clone().unwrap_or_default();
        let limits = &self.limits.sign_in;
        let ip_wait = limits.per_ip.check(&ip_key, now).await;
        let account_wait = limits.per_account.check(&account_key, now).await;
        // Every attempt counts against its address, refused ones too: a locked account must
        // not become a way to try forever from one place.
        limits.per_ip.hit(&ip_key, now).await;
        if let Some(secs) = ip_wait.max(account_wait) {
            // One row per limited key and window, not one per attempt: a flood of refused
            // attempts costs no writes.
            let first_ip = ip_wait.is_some() && limits.per_ip.first_refusal(&ip_key, now).await;
            let first_account =
                account_wait.is_some() && limits.per_account.first_refusal(&account_key, now).await;
            if first_ip || first_account {
                let why = if first_ip {
                    "too many attempts from this IP address"
                } else {
                    "too many failures for this account"
                };
                let event = Event::new(actor, Action::SignInRateLimited, Some(&account_key))
                    .detail(format!(
                        "{why}; further refused attempts are not logged until the limit lifts"
                    ));
                audit_store::insert(&self.db, &event, now).await?;
            }
            return Err(DomainError::RateLimited {
                retry_after_secs: secs,
                message: format!("Too many sign-in attempts. {}", wait_phrase(secs)),
            });
        }

        let user = match &parsed {
            Ok(email) => users::find_by_email(&self.db, email.as_str()).await?,
            Err(_) => None,
        };
        let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
        let password_ok = self.hasher.verify(password, hash).await?;
        match user {
            Some(user) if password_ok && hash.is_some() => {
                if !user.may_act_at(now) {
                    let why = if user.active {
                        "access ended at its end date"
                    } else {
                        "account deactivated"
                    };
                    let event =
                        Event::new(actor, Action::SignInFailed, Some(&user.email)).detail(why);
                    audit_store::insert(&self.db, &event, now).await?;
                    return Err(DomainError::AccountDeactivated);
                }
                limits.per_account.reset(&account_key).await;
                users::touch_sign_in(&self.db, &user.id, now).await?;
                let mut actor = actor.clone();
                actor.user_id = Some(user.id.clone());
                actor.email = Some(user.email.clone());
                let event = Event::new(&actor, Action::SignInSucceeded, Some(&user.email));
                audit_store::insert(&self.db, &event, now).await?;
                Ok(user)
            }
            _ => {
                limits.per_account.hit(&account_key, now).await;
                let event = Event::new(actor, Action::SignInFailed, Some(&account_key));
                audit_store::insert(&self.db, &event, now).await?;
                Err(DomainError::BadCredentials)
            }
        }
    }

    /// The signed-in person changes their own password, proving the current one. Every
    /// session of the account ends and every outstanding reset link dies in the same commit
    /// (the caller's page then signs this browser in again under a new session id). Wrong
    /// current passwords count against the account's sign-in failure limit: a borrowed
    /// session must not become a way to guess the password.
    pub async fn change_password(
        &self,
        caller: &Caller,
        current: &str,
        password: &NewPassword,
    ) -> DomainResult<()> {
        let now = self.clock.now();
        let key = caller.user.email.as_str();
        let per_account = &self.limits.sign_in.per_account;
        if let Some(secs) = per_account.check(key, now).await {
            return Err(DomainError::RateLimited {
                retry_after_secs: secs,
                message: format!("Too many wrong passwords. {}", wait_phrase(secs)),
            });
        }
        let stored = users::find_by_id(&self.db, caller.id())
            .await?
            .ok_or(DomainError::NotFound)?;
        if !self
            .hasher
            .verify(current, stored.password_hash.as_deref())
            .await?
            || stored.password_hash.is_none()
        {
            per_account.hit(key, now).await;
            return Err(DomainError::invalid(
                "current",
                "That is not your current password.",
            ));
        }
        let hash = self.hasher.hash(password).await?;
        let mut tx = self.db.begin().await?;
        users::set_password_hash(&mut tx, caller.id(), &hash).await?;
        password_tokens::void_for_user(&mut tx, caller.id(), now).await?;
        let ended = DbSessionStore::delete_for_user_tx(&mut tx, caller.id()).await?;
        let event = Event::new(&caller.actor, Action::PasswordChanged, Some(key))
            .detail(sessions_ended(ended));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of the signed-in person, this one included (a lost laptop, a
    /// shared computer).
    pub async fn sign_out_everywhere(&self, caller: &Caller) -> DomainResult<()> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let ended = DbSessionStore::delete_for_user_tx(&mut tx, caller.id()).await?;
        let event = Event::new(
            &caller.actor,
            Action::SignedOutEverywhere,
            Some(&caller.user.email),
        )
        .detail(sessions_ended(ended));
        audit_store::insert_tx(&mut tx, &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user behind a session, if the account still exists, is active, and its end date
    /// (if any) has not come: from that very moment the session is worth nothing, whether or
    /// not the scheduler has deactivated the account yet.
    /// The active user signed in on session `session_id`, read with the session itself.
    pub async fn user_of_session(&self, session_id: &str) -> DomainResult<Option<UserWithRole>> {
        let now = self.clock.now();
        Ok(
            users::find_by_session(&self.db, session_id, crate::store::sessions::now())
                .await?
                .filter(|u| u.may_act_at(now)),
        )
    }

    pub async fn session_user(&self, user_id: &str) -> DomainResult<Option<UserWithRole>> {
        let now = self.clock.now();
        Ok(users::find_by_id(&self.db, user_id)
            .await?
            .filter(|u| u.may_act_at(now)))
    }
}
