//! Pages as the server renders them: whole, under load, and usable by a browser that has not
//! (yet) run the WASM, since every form posts to its server function.

use crate::common;

use common::{spawn_app, Backend, ADMIN_EMAIL, ADMIN_PASSWORD};
use futures_util::future::join_all;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use reqwest::StatusCode;

const PAGES: [(&str, &str); 8] = [
    ("/", "Welcome"),
    ("/dashboard", "Dashboard"),
    ("/invites", "Invites"),
    ("/invites/bulk", "Bulk invite"),
    ("/members", "Members"),
    ("/roles", "Roles"),
    ("/audit", "Audit log"),
    ("/policy", "Invite policy"),
];

/// A page as a browser navigation gets it, with `client`'s cookies.
async fn html(client: &reqwest::Client, url: &str) -> String {
    let r = client
        .get(url)
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    r.text().await.unwrap()
}

async fn every_page_survives_many_concurrent_loads(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    app.invite_ok("ann@example.com", "editor", &[]).await;
    for (path, heading) in PAGES {
        // A page's data loads concurrently; loaders once sat on pool connections while
        // waiting for others, and four loads of /invites at once hung until a timeout.
        let loads = (0..16).map(|_| async {
            let r = app.page(path).await;
            let status = r.status();
            (status, r.text().await.unwrap())
        });
        for (status, body) in join_all(loads).await {
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            assert!(body.contains(heading), "{path} lacks {heading:?}");
        }
    }
}

async fn forms_post_to_their_server_functions_and_work_without_wasm(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_in_admin().await;
    let signed_in = app.client.clone();
    let visitor = common::client(&app.base);

    let page = html(&visitor, &app.url("/sign-in?next=/members")).await;
    assert!(
        page.contains(r#"<form method="post" action="/api/sign_in""#),
        "{page}"
    );
    assert!(page.contains(r#"name="next" value="/members""#), "{page}");

    // The form as a browser sends it when no script runs: it lands where `next` says.
    let r = visitor
        .post(app.url("/api/sign_in"))
        .header(ACCEPT, "text/html")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("next", "/members"),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.headers()[LOCATION], "/members");
    assert!(html(&visitor, &app.url("/members"))
        .await
        .contains(ADMIN_EMAIL));

    // Every form on the signed-in pages posts to a server function that exists.
    for (path, _) in PAGES {
        let body = html(&signed_in, &app.url(path)).await;
        for action in body.split(r#"<form method="post" action=""#).skip(1) {
            let action = &action[..action.find('"').unwrap()];
            assert!(
                action.starts_with("/api/"),
                "{path}: a form posts to {action}"
            );
            // An empty POST: the function exists (its arguments are missing); a 404 would
            // mean a form pointing nowhere. Not the two that would end this very session.
            if action != "/api/sign_out" && action != "/api/sign_out_everywhere" {
                let r = signed_in.post(app.url(action)).send().await.unwrap();
                assert_ne!(r.status(), StatusCode::NOT_FOUND, "{path}: {action}");
            }
        }
    }
}

both_backends!(
    every_page_survives_many_concurrent_loads,
    super::every_page_survives_many_concurrent_loads
);
both_backends!(
    forms_post_to_their_server_functions_and_work_without_wasm,
    super::forms_post_to_their_server_functions_and_work_without_wasm
);
