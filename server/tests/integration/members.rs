//! Members over real HTTP on SQLite and PostgreSQL: role changes under the ceiling, teams,
//! and deactivation that ends sessions at once.

use crate::common;

use app::error::AppError;
use common::{spawn_app, Backend, ADMIN_EMAIL};
use domain::model::{InviteList, IssuedLink, MemberInfo, TeamInfo};
use reqwest::StatusCode;

async fn a_deactivated_member_is_signed_out_at_once_and_cannot_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let editor = app.join("ed@example.com", "editor").await;
    assert_eq!(
        app.whoami_as(&editor).await.unwrap().email,
        "ed@example.com"
    );
    let id = app.member_id("ed@example.com").await;
    assert_eq!(
        app.call("set_member_active", &[("id", &id), ("active", "false")])
            .await
            .status(),
        StatusCode::OK
    );
    // The very next request of the open session is anonymous.
    assert_eq!(app.whoami_as(&editor).await, None);
    assert_eq!(
        app.invite_with(&editor, "x@example.com", "editor", &[])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .call_with(
            &editor,
            "sign_in",
            &[
                ("email", "ed@example.com"),
                ("password", "a good long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        r.json::<AppError>().await.unwrap(),
        AppError::Refused("This account has been deactivated. Ask your administrator.".into())
    );
    // Reactivated, they can sign in again.
    assert_eq!(
        app.call("set_member_active", &[("id", &id), ("active", "true")])
            .await
            .status(),
        StatusCode::OK
    );
    let r = app
        .call_with(
            &editor,
            "sign_in",
            &[
                ("email", "ed@example.com"),
                ("password", "a good long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"member.deactivated".to_owned())
            && actions.contains(&"member.reactivated".to_owned())
    );
}
both_backends!(
    a_deactivated_member_is_signed_out_at_once_and_cannot_sign_in,
    super::a_deactivated_member_is_signed_out_at_once_and_cannot_sign_in
);

async fn role_changes_obey_the_ceiling_and_keep_one_admin(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let editor = app.join("ed@example.com", "editor").await;
    app.join("an@example.com", "analyst").await;
    let analyst = app.member_id("an@example.com").await;
    let me = app.member_id(ADMIN_EMAIL).await;

    assert_eq!(
        app.call(
            "change_member_role",
            &[("id", &analyst), ("role_id", "editor")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    let list: Vec<MemberInfo> = app.read("list_members", &[]).await;
    let row = list
        .into_iter()
        .find(|m| m.email == "an@example.com")
        .unwrap();
    assert_eq!(row.role_name, "Editor");
    assert_eq!(row.invited_by.as_deref(), Some("Ada Admin"));
    // Nobody changes their own role, and an editor cannot manage members at all.
    assert_eq!(
        app.call("change_member_role", &[("id", &me), ("role_id", "editor")])
            .await
            .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.call_with(
            &editor,
            "change_member_role",
            &[("id", &analyst), ("role_id", "admin")]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call_with(&editor, "list_members", &[]).await.status(),
        StatusCode::FORBIDDEN
    );

    // A custom role with every permission may manage the Admin, but not remove the last one.
    let perms: Vec<(String, String)> = domain::model::Permission::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("permissions[{i}]"), format!("{p:?}")))
        .collect();
    let mut form: Vec<(&str, &str)> = vec![("name", "Steward")];
    form.extend(perms.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_eq!(
        app.call("create_role", &form).await.status(),
        StatusCode::OK
    );
    let steward_role = app.role_id("Steward").await;
    let steward = app.join("steward@example.com", &steward_role).await;
    let r = app
        .call_with(
            &steward,
            "change_member_role",
            &[("id", &me), ("role_id", "editor")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        r.json::<AppError>().await.unwrap(),
        AppError::Conflict("This is the last active Admin; make someone else Admin first.".into())
    );
    let r = app
        .call_with(
            &steward,
            "set_member_active",
            &[("id", &me), ("active", "false")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        app.whoami().await.unwrap().role_name,
        "Admin",
        "the refused changes were rolled back"
    );
}
both_backends!(
    role_changes_obey_the_ceiling_and_keep_one_admin,
    super::role_changes_obey_the_ceiling_and_keep_one_admin
);

async fn teams_can_be_set_and_cleared(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    app.call("create_team", &[("name", "Brand")]).await;
    app.call("create_team", &[("name", "Ops")]).await;
    let teams: Vec<TeamInfo> = app.read("list_teams", &[]).await;
    let ids: Vec<String> = teams.into_iter().map(|t| t.id).collect();
    // Team names are unique, whatever the case, on create and on rename.
    for (call, form) in [
        ("create_team", vec![("name", "brand")]),
        (
            "rename_team",
            vec![("id", ids[1].as_str()), ("name", "BRAND")],
        ),
    ] {
        let r = app.call(call, &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{call}");
        assert_eq!(
            r.json::<AppError>().await.unwrap(),
            AppError::Invalid {
                field: "name".into(),
                message: format!("A team named {} already exists.", form.last().unwrap().1)
            }
        );
    }
    app.join("t@example.com", "analyst").await;
    let id = app.member_id("t@example.com").await;
    let r = app
        .call(
            "set_member_teams",
            &[("id", &id), ("teams[0]", &ids[0]), ("teams[1]", &ids[1])],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        domain::store::teams::of_user(&app.services.db, &id)
            .await
            .unwrap(),
        vec!["Brand".to_owned(), "Ops".to_owned()]
    );
    assert_eq!(
        app.call("set_member_teams", &[("id", &id)]).await.status(),
        StatusCode::OK
    );
    assert!(domain::store::teams::of_user(&app.services.db, &id)
        .await
        .unwrap()
        .is_empty());
    let bad = app
        .call("set_member_teams", &[("id", &id), ("teams[0]", "nope")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both_backends!(
    teams_can_be_set_and_cleared,
    super::teams_can_be_set_and_cleared
);

async fn pending_invites_of_a_deactivated_inviter_are_flagged(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let editor = app.join("ed@example.com", "editor").await;
    let r = app
        .invite_with(&editor, "friend@example.com", "editor", &[])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let id = app.member_id("ed@example.com").await;
    app.call("set_member_active", &[("id", &id), ("active", "false")])
        .await;
    let pending = || async {
        let list: InviteList = app.read("list_invites", &[("status", "pending")]).await;
        list.rows
            .into_iter()
            .find(|r| r.email == "friend@example.com")
            .expect("the invite is listed")
    };
    let row = pending().await;
    assert!(!row.inviter_can_grant);
    let invite_id = row.id;
    // Re-issued by a current admin, it is honoured again.
    let r = app.call("resend_invite", &[("id", &invite_id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let issued: IssuedLink = r.json().await.unwrap();
    let link = common::token_of(&issued);
    let row = pending().await;
    assert_eq!(
        (row.inviter_can_grant, row.inviter_name.as_str()),
        (true, "Ada Admin")
    );
    assert_eq!(app.accept(&link, "Friend").await.0.status(), StatusCode::OK);
}
both_backends!(
    pending_invites_of_a_deactivated_inviter_are_flagged,
    super::pending_invites_of_a_deactivated_inviter_are_flagged
);
