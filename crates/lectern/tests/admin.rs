//! Better Auth's admin plugin at `/api/auth/admin/*`: every route for an admin and refused
//! for a reader, bans (sessions end, sign-in refused, expiry), impersonation (start, stop,
//! expiry), removal with the reader's data, `LECTERN_ADMIN_EMAILS`.

mod common;

use common::*;
use lectern_store::{AdminPatch, UserId};
use lectern_testkit::{Backend, TestClient, TestDb, backend_tests};
use serde_json::{Value, json};

/// An app with an admin signed in on `app.client` (through `LECTERN_ADMIN_EMAILS`) and a
/// reader signed in on the returned client; the admin's and the reader's user ids.
async fn admin_and_reader(backend: Backend) -> (TestApp, TestClient, String, String) {
    let admin_email = unique_email();
    let listed = admin_email.clone();
    let app = TestApp::with(backend, move |c| c.admin_emails = vec![listed]).await;
    let admin = sign_up_as(&app.client, &admin_email).await;
    assert_eq!(admin["user"]["role"], "admin", "LECTERN_ADMIN_EMAILS grants at sign-up");
    let reader = app.browser();
    let body = sign_up(&reader).await;
    assert_eq!(body["user"]["role"], "user");
    assert_eq!(body["user"]["banned"], false);
    let id = |v: &Value| v["user"]["id"].as_str().expect("id").to_owned();
    (app, reader, id(&admin), id(&body))
}

async fn post(client: &TestClient, path: &str, body: Value) -> lectern_testkit::TestResponse {
    client.post(&format!("/api/auth/admin/{path}")).json(&body).send().await
}

async fn rows(db: &TestDb, backend: Backend, table: &str, user: &str) -> i64 {
    let sql = format!(r#"SELECT count(*) FROM "{table}" WHERE "userId" = $1"#);
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.expect("connect");
            sqlx::query_scalar(&sql).bind(user).fetch_one(&pool).await.expect("count")
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
            sqlx::query_scalar(&sql).bind(user).fetch_one(&pool).await.expect("count")
        }
    }
}

async fn a_reader_is_refused_everywhere(backend: Backend) {
    let (app, reader, admin_id, _) = admin_and_reader(backend).await;
    let refusals = [
        ("list-users", "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS"),
        ("get-user", "YOU_ARE_NOT_ALLOWED_TO_GET_USER"),
    ];
    for (path, code) in refusals {
        let res = reader.get(&format!("/api/auth/admin/{path}?id={admin_id}")).send().await;
        res.assert_error(403, code);
    }
    let uid = json!({ "userId": admin_id });
    let posts = [
        (
            "create-user",
            json!({ "email": unique_email(), "name": "X" }),
            "YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS",
        ),
        (
            "update-user",
            json!({ "userId": admin_id, "data": { "name": "X" } }),
            "YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS",
        ),
        (
            "set-role",
            json!({ "userId": admin_id, "role": "user" }),
            "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE",
        ),
        (
            "set-user-password",
            json!({ "userId": admin_id, "newPassword": "another password" }),
            "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD",
        ),
        ("ban-user", uid.clone(), "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"),
        ("unban-user", uid.clone(), "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"),
        ("list-user-sessions", uid.clone(), "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS"),
        (
            "revoke-user-session",
            json!({ "sessionToken": "x" }),
            "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",
        ),
        ("revoke-user-sessions", uid.clone(), "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS"),
        ("impersonate-user", uid.clone(), "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS"),
        ("remove-user", uid.clone(), "YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS"),
    ];
    for (path, body, code) in posts {
        post(&reader, path, body).await.assert_error(403, code);
    }
    // The admin is untouched, and has-permission answers false for the reader.
    let admin = app.auth.store.find_user(&UserId(admin_id.clone())).await.expect("read");
    assert_eq!(admin.expect("still there").role.as_deref(), Some("admin"));
    let res = post(&reader, "has-permission", json!({ "permissions": { "user": ["list"] } })).await;
    assert_eq!(res.assert_ok(), json!({ "error": null, "success": false }));
    // Without a session: 401 with an empty body, as the plugin's middleware answers.
    let anonymous = app.browser();
    let res = anonymous.get("/api/auth/admin/list-users").send().await;
    assert_eq!(res.status.as_u16(), 401);
    assert!(res.body.is_empty(), "{:?}", String::from_utf8_lossy(&res.body));
    // Body validation comes first, as in Better Auth.
    post(&anonymous, "ban-user", json!({})).await.assert_error(400, "VALIDATION_ERROR");
    let res = post(&anonymous, "stop-impersonating", json!({})).await;
    assert_eq!(res.status.as_u16(), 401);
}

async fn an_admin_lists_searches_filters_and_pages(backend: Backend) {
    let (app, _reader, admin_id, reader_id) = admin_and_reader(backend).await;
    for name in ["Zoe", "Yann"] {
        let email = format!("{}-{}", name.to_lowercase(), unique_email());
        let body = json!({ "email": email, "name": name, "password": PASSWORD });
        let created = post(&app.client, "create-user", body).await.assert_ok();
        assert_eq!(created["user"]["role"], "user");
    }
    let list = |q: &str| app.client.get(&format!("/api/auth/admin/list-users?{q}")).send();
    let all = list("").await.assert_ok();
    assert_eq!(all["total"], 4);
    assert!(all.get("limit").is_none(), "no limit asked, none answered: {all}");
    let page = list("limit=2&offset=1&sortBy=name&sortDirection=desc").await.assert_ok();
    assert_eq!(page["total"], 4);
    assert_eq!((page["limit"].clone(), page["offset"].clone()), (json!(2), json!(1)));
    let names: Vec<&str> = page["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Yann", "Ada"], "names descending, skipping Zoe");
    let found =
        list("searchField=name&searchOperator=starts_with&searchValue=Zo").await.assert_ok();
    assert_eq!(found["total"], 1);
    assert_eq!(found["users"][0]["name"], "Zoe");
    let admins = list("filterField=role&filterValue=admin").await.assert_ok();
    assert_eq!(admins["total"], 1);
    assert_eq!(admins["users"][0]["id"], admin_id);
    let unknown = list("filterField=nothing&filterValue=1").await.assert_ok();
    assert_eq!(unknown, json!({ "users": [], "total": 0 }));
    list("searchField=phone&searchValue=1").await.assert_error(400, "VALIDATION_ERROR");

    let user = app.client.get(&format!("/api/auth/admin/get-user?id={reader_id}")).send().await;
    assert_eq!(user.assert_ok()["id"], reader_id);
    let missing = app.client.get("/api/auth/admin/get-user?id=nobody").send().await;
    missing.assert_error(404, "USER_NOT_FOUND");
    let res = post(
        &app.client,
        "has-permission",
        json!({ "permissions": { "user": ["list"], "session": ["revoke"] } }),
    );
    assert_eq!(res.await.assert_ok()["success"], true);
}

async fn an_admin_creates_updates_and_sets_roles_and_passwords(backend: Backend) {
    let (app, reader, admin_id, reader_id) = admin_and_reader(backend).await;
    let email = unique_email();
    let body = json!({ "email": email.to_uppercase(), "name": "Ben", "role": ["user", "admin"], "data": { "softwareBackground": "Rust" } });
    let created = post(&app.client, "create-user", body).await.assert_ok();
    assert_eq!(created["user"]["email"], email);
    assert_eq!(created["user"]["role"], "user,admin");
    assert_eq!(created["user"]["softwareBackground"], "Rust");
    let again = json!({ "email": email, "name": "Ben" });
    post(&app.client, "create-user", again)
        .await
        .assert_error(400, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");

    let renamed = post(
        &app.client,
        "update-user",
        json!({ "userId": reader_id, "data": { "name": "Grace" } }),
    );
    assert_eq!(renamed.await.assert_ok()["name"], "Grace");
    assert_eq!(session(&reader).await["user"]["name"], "Grace", "the reader sees it at once");
    post(&app.client, "update-user", json!({ "userId": reader_id, "data": {} }))
        .await
        .assert_error(400, "NO_DATA_TO_UPDATE");
    post(&app.client, "update-user", json!({ "userId": reader_id, "data": { "password": "x" } }))
        .await
        .assert_error(400, "PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER");
    post(&app.client, "update-user", json!({ "userId": "nobody", "data": { "name": "x" } }))
        .await
        .assert_error(404, "USER_NOT_FOUND");

    let promoted = post(&app.client, "set-role", json!({ "userId": reader_id, "role": "admin" }))
        .await
        .assert_ok();
    assert_eq!(promoted["user"]["role"], "admin");
    assert_eq!(
        reader.get("/api/auth/admin/list-users").send().await.status.as_u16(),
        200,
        "promotion is seen at once"
    );
    post(&app.client, "set-role", json!({ "userId": reader_id, "role": "user" })).await.assert_ok();
    reader
        .get("/api/auth/admin/list-users")
        .send()
        .await
        .assert_error(403, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS");
    post(&app.client, "set-role", json!({ "userId": "nobody", "role": "user" }))
        .await
        .assert_error(404, "USER_NOT_FOUND");

    let short = json!({ "userId": reader_id, "newPassword": "short" });
    post(&app.client, "set-user-password", short).await.assert_error(400, "PASSWORD_TOO_SHORT");
    let set = json!({ "userId": reader_id, "newPassword": "a brand new password" });
    assert_eq!(
        post(&app.client, "set-user-password", set).await.assert_ok(),
        json!({ "status": true })
    );
    let email = session(&reader).await["user"]["email"].as_str().expect("email").to_owned();
    sign_in(&app.browser(), &email, "a brand new password").await.assert_ok();
    sign_in(&app.browser(), &email, PASSWORD).await.assert_error(401, "INVALID_EMAIL_OR_PASSWORD");
    let _ = admin_id;
}

async fn a_ban_ends_sessions_and_refuses_sign_in_until_it_expires(backend: Backend) {
    let (app, reader, admin_id, reader_id) = admin_and_reader(backend).await;
    let email = session(&reader).await["user"]["email"].as_str().expect("email").to_owned();
    post(&app.client, "ban-user", json!({ "userId": admin_id }))
        .await
        .assert_error(400, "YOU_CANNOT_BAN_YOURSELF");
    let banned = post(&app.client, "ban-user", json!({ "userId": reader_id, "banReason": "spam" }))
        .await
        .assert_ok();
    assert_eq!(banned["user"]["banned"], true);
    assert_eq!(banned["user"]["banReason"], "spam");
    assert_eq!(banned["user"]["banExpires"], Value::Null);
    assert_eq!(
        reader.get("/api/auth/get-session").send().await.json(),
        Value::Null,
        "the session ended"
    );
    let refused = sign_in(&app.browser(), &email, PASSWORD).await;
    refused.assert_error(403, "BANNED_USER");
    assert_eq!(
        refused.json()["message"],
        "You have been banned from this application. Please contact support if you believe this is an error."
    );
    // A wrong password is still just wrong: the ban is not revealed without the password.
    sign_in(&app.browser(), &email, "not the password")
        .await
        .assert_error(401, "INVALID_EMAIL_OR_PASSWORD");
    let unbanned =
        post(&app.client, "unban-user", json!({ "userId": reader_id })).await.assert_ok();
    assert_eq!(
        (unbanned["user"]["banned"].clone(), unbanned["user"]["banReason"].clone()),
        (json!(false), Value::Null)
    );
    sign_in(&app.browser(), &email, PASSWORD).await.assert_ok();

    // A ban with an end: refused while it lasts, lifted by itself once past.
    let timed = json!({ "userId": reader_id, "banExpiresIn": 3600 });
    let banned = post(&app.client, "ban-user", timed).await.assert_ok();
    let ends: chrono::DateTime<chrono::Utc> =
        banned["user"]["banExpires"].as_str().expect("end").parse().expect("date");
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    assert!((ends - in_an_hour).num_seconds().abs() < 60, "{ends}");
    sign_in(&app.browser(), &email, PASSWORD).await.assert_error(403, "BANNED_USER");
    let past = AdminPatch {
        ban_expires: Some(Some(chrono::Utc::now() - chrono::Duration::seconds(1))),
        ..AdminPatch::default()
    };
    let id = UserId(reader_id.clone());
    app.auth.store.admin_update_user(&id, &past, chrono::Utc::now(), false).await.expect("expire");
    let back = sign_in(&app.browser(), &email, PASSWORD).await.assert_ok();
    assert_eq!(
        (back["user"]["banned"].clone(), back["user"]["banExpires"].clone()),
        (json!(false), Value::Null)
    );
    let row = app.auth.store.find_user(&id).await.expect("read").expect("user");
    assert_eq!((row.banned, row.ban_reason), (Some(false), None), "the ban was lifted in the row");
}

async fn an_admin_lists_and_revokes_a_readers_sessions(backend: Backend) {
    let (app, reader, _admin_id, reader_id) = admin_and_reader(backend).await;
    let list = || post(&app.client, "list-user-sessions", json!({ "userId": reader_id }));
    let sessions = list().await.assert_ok()["sessions"].clone();
    assert_eq!(sessions.as_array().expect("sessions").len(), 1);
    assert_eq!(sessions[0]["impersonatedBy"], Value::Null);
    let token = sessions[0]["token"].as_str().expect("token").to_owned();
    let res = post(&app.client, "revoke-user-session", json!({ "sessionToken": token })).await;
    assert_eq!(res.assert_ok(), json!({ "success": true }));
    assert_eq!(reader.get("/api/auth/get-session").send().await.json(), Value::Null);
    let email = unique_email();
    let other = app.browser();
    sign_up_as(&other, &email).await;
    let other_id = session(&other).await["user"]["id"].as_str().expect("id").to_owned();
    sign_in(&app.browser(), &email, PASSWORD).await.assert_ok();
    let res = post(&app.client, "revoke-user-sessions", json!({ "userId": other_id })).await;
    assert_eq!(res.assert_ok(), json!({ "success": true }));
    assert_eq!(other.get("/api/auth/get-session").send().await.json(), Value::Null);
    let none =
        post(&app.client, "list-user-sessions", json!({ "userId": other_id })).await.assert_ok();
    assert_eq!(none, json!({ "sessions": [] }));
}

async fn impersonation_starts_stops_and_expires(backend: Backend) {
    let (app, _reader, admin_id, reader_id) = admin_and_reader(backend).await;
    let admin_token = app.client.cookie("better-auth.session_token").expect("admin cookie");
    let res = post(&app.client, "impersonate-user", json!({ "userId": reader_id })).await;
    let body = res.assert_ok();
    assert_eq!(body["user"]["id"], reader_id);
    assert_eq!(body["session"]["impersonatedBy"], admin_id);
    let expires: chrono::DateTime<chrono::Utc> =
        body["session"]["expiresAt"].as_str().expect("expiresAt").parse().expect("a date");
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    assert!((expires - in_an_hour).num_seconds().abs() < 60, "an hour: {expires}");
    assert!(
        res.set_cookies().iter().any(|c| c.starts_with("better-auth.admin_session=")),
        "{:?}",
        res.set_cookies()
    );
    let now = session(&app.client).await;
    assert_eq!(now["user"]["id"], reader_id, "the admin now sees what the reader sees");
    assert_eq!(now["session"]["impersonatedBy"], admin_id);
    // The reader's own list of devices does not show the admin's visit.
    let listed = app.client.get("/api/auth/list-sessions").send().await.assert_ok();
    assert!(
        listed.as_array().expect("list").iter().all(|s| s["impersonatedBy"].is_null()),
        "{listed}"
    );
    let stopped = post(&app.client, "stop-impersonating", json!({})).await.assert_ok();
    assert_eq!(stopped["user"]["id"], admin_id);
    assert_eq!(session(&app.client).await["user"]["id"], admin_id, "back as the admin");
    assert_eq!(
        app.client.cookie("better-auth.session_token").as_deref(),
        Some(admin_token.as_str())
    );
    let again = app.client.post("/api/auth/admin/stop-impersonating").json(&json!({})).send().await;
    assert_eq!(again.status.as_u16(), 400);
    assert_eq!(again.json(), json!({ "message": "You are not impersonating anyone" }));

    // Admins cannot be impersonated (no default role has impersonate-admins).
    let other_admin = json!({ "email": unique_email(), "name": "Root", "role": "admin" });
    let other = post(&app.client, "create-user", other_admin).await.assert_ok();
    post(&app.client, "impersonate-user", json!({ "userId": other["user"]["id"] }))
        .await
        .assert_error(403, "YOU_CANNOT_IMPERSONATE_ADMINS");

    // The impersonation session expires after its hour like any session.
    post(&app.client, "impersonate-user", json!({ "userId": reader_id })).await.assert_ok();
    let token = session(&app.client).await["session"]["token"].as_str().expect("token").to_owned();
    let sessions =
        app.auth.store.user_sessions(&UserId(reader_id.clone())).await.expect("sessions");
    let visit = sessions.iter().find(|s| s.token == token).expect("the visit");
    assert_eq!(visit.impersonated_by.as_ref().map(|u| u.as_str()), Some(admin_id.as_str()));
    let mut expired = visit.clone();
    app.auth.store.delete_session(&token).await.expect("delete");
    expired.expires_at = chrono::Utc::now() - chrono::Duration::seconds(1);
    app.auth.store.create_session(&expired).await.expect("expired visit");
    assert_eq!(app.client.get("/api/auth/get-session").send().await.json(), Value::Null);

    // Both ends are in the audit trail, on the reader, naming the admin.
    app.auth.store.flush_audit().await;
    let since = chrono::Utc::now() - chrono::Duration::hours(1);
    let events = app
        .auth
        .store
        .audit_events(Some(&UserId(reader_id.clone())), since, 100)
        .await
        .expect("audit");
    for kind in ["impersonation_start", "impersonation_stop"] {
        let event =
            events.iter().find(|e| e.event == kind).unwrap_or_else(|| panic!("{kind} missing"));
        assert!(event.detail.as_deref().is_some_and(|d| d.contains(&admin_id)), "{event:?}");
    }
}

async fn remove_user_removes_the_readers_data(backend: Backend) {
    let (app, reader, admin_id, reader_id) = admin_and_reader(backend).await;
    with_profile(&reader, "beginner", "none").await;
    let chat = reader.post("/api/chats").json(&json!({ "title": "Mine" })).send().await;
    assert_eq!(chat.status.as_u16(), 201);
    assert_eq!(rows(&app.db, backend, "chat", &reader_id).await, 1);
    assert_eq!(rows(&app.db, backend, "reader_profile", &reader_id).await, 1);
    post(&app.client, "remove-user", json!({ "userId": admin_id }))
        .await
        .assert_error(400, "YOU_CANNOT_REMOVE_YOURSELF");
    post(&app.client, "remove-user", json!({ "userId": "nobody" }))
        .await
        .assert_error(404, "USER_NOT_FOUND");
    let res = post(&app.client, "remove-user", json!({ "userId": reader_id })).await;
    assert_eq!(res.assert_ok(), json!({ "success": true }));
    for table in ["chat", "reader_profile", "session", "account"] {
        assert_eq!(rows(&app.db, backend, table, &reader_id).await, 0, "{table}");
    }
    assert!(app.auth.store.find_user(&UserId(reader_id)).await.expect("read").is_none());
    assert_eq!(reader.get("/api/auth/get-session").send().await.json(), Value::Null);
}

backend_tests!(
    a_reader_is_refused_everywhere,
    an_admin_lists_searches_filters_and_pages,
    an_admin_creates_updates_and_sets_roles_and_passwords,
    a_ban_ends_sessions_and_refuses_sign_in_until_it_expires,
    an_admin_lists_and_revokes_a_readers_sessions,
    impersonation_starts_stops_and_expires,
    remove_user_removes_the_readers_data,
);
