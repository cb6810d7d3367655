//! The reader's background profile and the hard gate, on SQLite and PostgreSQL.

mod common;

use axum::http::Method;
use common::{TestApp, session, sign_up};
use lectern_store::UserId;
use lectern_testkit::{Backend, TestClient, backend_tests};
use serde_json::{Value, json};

fn answers() -> Value {
    json!({
        "softwareExperience": "beginner",
        "programmingLanguages": ["python"],
        "operatingSystem": "linux",
        "gpu": "nvidia",
        "gpuModel": "RTX 4070",
        "roboticsHardware": ["jetson"],
        "learningGoals": "Make a robot arm pick up a cup"
    })
}

async fn put(client: &TestClient, answers: &Value) -> lectern_testkit::TestResponse {
    client
        .request(Method::PUT, "/api/user/profile")
        .json(&json!({ "answers": answers }))
        .send()
        .await
}

async fn patch(client: &TestClient, answers: &Value) -> lectern_testkit::TestResponse {
    client
        .request(Method::PATCH, "/api/user/profile")
        .json(&json!({ "answers": answers }))
        .send()
        .await
}

fn user_id(body: &Value) -> UserId {
    UserId(body["user"]["id"].as_str().expect("user id").to_owned())
}

async fn create_replace_patch_and_read(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    app.client.get("/api/user/profile").send().await.assert_error(404, "PROFILE_NOT_FOUND");

    let created = put(&app.client, &answers()).await;
    assert_eq!(created.status.as_u16(), 201, "{}", String::from_utf8_lossy(&created.body));
    let created = created.json();
    assert_eq!(created["answers"], answers());
    assert_eq!(
        created["softwareBackground"],
        "Experience: Beginner; Languages: Python; OS: Linux (Ubuntu or other)"
    );
    assert_eq!(
        created["hardwareBackground"],
        "GPU: NVIDIA; GPU model: RTX 4070; Robotics hardware: NVIDIA Jetson"
    );
    assert_eq!(app.client.get("/api/user/profile").send().await.assert_ok(), created);

    // The summaries are on the Better Auth user, so get-session (and the JWT) carry them.
    let user = session(&app.client).await["user"].clone();
    assert_eq!(user["softwareBackground"], created["softwareBackground"]);
    assert_eq!(user["hardwareBackground"], created["hardwareBackground"]);

    let mut replacement = answers();
    replacement["softwareExperience"] = json!("advanced");
    let replaced = put(&app.client, &replacement).await.assert_ok();
    assert_eq!(replaced["answers"]["softwareExperience"], "advanced");
    assert_eq!(replaced["createdAt"], created["createdAt"]);

    // PATCH changes what it names; null removes an answer.
    let patched = patch(&app.client, &json!({ "gpu": "none", "gpuModel": null })).await.assert_ok();
    assert_eq!(patched["answers"]["gpu"], "none");
    assert!(patched["answers"].get("gpuModel").is_none());
    assert_eq!(patched["answers"]["softwareExperience"], "advanced");
    assert_eq!(
        session(&app.client).await["user"]["hardwareBackground"],
        "GPU: None; Robotics hardware: NVIDIA Jetson"
    );
    // A PATCH that would leave the profile invalid changes nothing.
    let refused = patch(&app.client, &json!({ "gpuModel": "RTX 3060" })).await;
    refused.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(refused.json()["fields"]["gpuModel"]["code"], "NOT_APPLICABLE");
    assert_eq!(app.client.get("/api/user/profile").send().await.assert_ok(), patched);

    // The original design's path.
    let posted = app.client.post("/api/user/profile").json(&json!({ "answers": answers() })).send();
    assert_eq!(posted.await.assert_ok()["answers"], answers());
}

async fn bad_input_gets_clear_errors_and_changes_nothing(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    let res = put(&app.client, &json!({ "softwareExperience": "guru", "colour": "red" })).await;
    res.assert_error(400, "VALIDATION_ERROR");
    let fields = &res.json()["fields"];
    assert_eq!(fields["softwareExperience"]["code"], "INVALID_OPTION");
    assert_eq!(fields["colour"]["code"], "UNKNOWN_QUESTION");
    assert_eq!(fields["operatingSystem"]["code"], "REQUIRED");
    assert!(
        fields["softwareExperience"]["message"].as_str().is_some_and(|m| m.contains("beginner"))
    );

    let send = |content_type: &'static str, body: Vec<u8>| {
        app.client.request(Method::PUT, "/api/user/profile").body(content_type, body).send()
    };
    send("application/json", b"{not json".to_vec()).await.assert_error(400, "BAD_REQUEST");
    send("application/json", b"[1,2]".to_vec()).await.assert_error(400, "VALIDATION_ERROR");
    send("application/json", br#"{"answers":{},"extra":1}"#.to_vec())
        .await
        .assert_error(400, "VALIDATION_ERROR");
    send("application/json", br#"{"answers":"all of them"}"#.to_vec())
        .await
        .assert_error(400, "VALIDATION_ERROR");
    send("text/plain", b"hello".to_vec()).await.assert_error(415, "UNSUPPORTED_MEDIA_TYPE");
    // PostgreSQL cannot store NUL; it is refused before it gets there.
    let nul = br#"{"answers":{"learningGoals":"a\u0000b"}}"#.to_vec();
    send("application/json", nul).await.assert_error(400, "VALIDATION_ERROR");
    let huge = format!(r#"{{"answers":{{"learningGoals":"{}"}}}}"#, "x".repeat(70_000));
    send("application/json", huge.into_bytes()).await.assert_error(413, "PAYLOAD_TOO_LARGE");
    app.client
        .request(Method::DELETE, "/api/user/profile")
        .send()
        .await
        .assert_error(405, "METHOD_NOT_ALLOWED");

    app.client.get("/api/user/profile").send().await.assert_error(404, "PROFILE_NOT_FOUND");
    assert_eq!(session(&app.client).await["user"]["softwareBackground"], Value::Null);
}

async fn only_signed_in_readers_from_trusted_origins(backend: Backend) {
    let app = TestApp::new(backend).await;
    let stranger = app.browser();
    stranger.get("/api/user/profile").send().await.assert_error(401, "UNAUTHORIZED");
    put(&stranger, &answers()).await.assert_error(401, "UNAUTHORIZED");

    sign_up(&app.client).await;
    let forged = app
        .client
        .request(Method::PUT, "/api/user/profile")
        .header("origin", "https://evil.example")
        .json(&json!({ "answers": answers() }))
        .send()
        .await;
    forged.assert_error(403, "INVALID_ORIGIN");
    app.client.get("/api/user/profile").send().await.assert_error(404, "PROFILE_NOT_FOUND");
}

async fn bearer_session_tokens_and_jwts_work_too(backend: Backend) {
    let app = TestApp::new(backend).await;
    let token = sign_up(&app.client).await["token"].as_str().expect("token").to_owned();
    let jwt = app.client.get("/api/auth/token").send().await.assert_ok()["token"]
        .as_str()
        .expect("jwt")
        .to_owned();
    let bare = app.browser();
    let res = bare
        .request(Method::PUT, "/api/user/profile")
        .bearer(&token)
        .json(&json!({ "answers": answers() }))
        .send()
        .await;
    assert_eq!(res.status.as_u16(), 201);
    let me = bare.get("/api/me").bearer(&jwt).send().await.assert_ok();
    assert_eq!((me["via"].as_str(), me["profileComplete"].as_bool()), (Some("jwt"), Some(true)));
    assert_eq!(
        bare.get("/api/user/profile").bearer(&jwt).send().await.assert_ok()["answers"],
        answers()
    );
}

async fn the_gate_opens_with_a_profile(backend: Backend) {
    let app = TestApp::new(backend).await;
    sign_up(&app.client).await;
    assert_eq!(app.client.get("/api/me").send().await.assert_ok()["profileComplete"], false);
    let gated = [
        (Method::GET, "/api/chats", None),
        (Method::POST, "/api/chats", Some(json!({}))),
        (Method::POST, "/api/chats/anything/messages", Some(json!({ "content": "hi" }))),
    ];
    for (method, path, body) in &gated {
        let mut req = app.client.request(method.clone(), path);
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.assert_error(403, "PROFILE_REQUIRED");
    }
    put(&app.client, &answers()).await;
    assert_eq!(app.client.get("/api/me").send().await.assert_ok()["profileComplete"], true);
    app.client.get("/api/chats").send().await.assert_ok();

    // Guests are not gated; strangers are not let in.
    let guest = app.browser();
    guest.post("/api/auth/sign-in/anonymous").send().await.assert_ok();
    guest.get("/api/chats").send().await.assert_ok();
    app.browser().get("/api/chats").send().await.assert_error(401, "UNAUTHORIZED");
}

async fn a_guests_profile_follows_them_to_their_account(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.client.post("/api/auth/sign-in/anonymous").send().await.assert_ok();
    put(&app.client, &answers()).await;
    let account = sign_up(&app.client).await;
    let profile = app.client.get("/api/user/profile").send().await.assert_ok();
    assert_eq!(profile["answers"], answers());
    assert_eq!(
        account["user"]["softwareBackground"],
        Value::Null,
        "sign-up answers before the merge"
    );
    assert_eq!(
        session(&app.client).await["user"]["softwareBackground"],
        "Experience: Beginner; Languages: Python; OS: Linux (Ubuntu or other)"
    );

    // An account's own profile wins over a guest's.
    let other = app.browser();
    let email = common::unique_email();
    common::sign_up_as(&other, &email).await;
    let mut own = answers();
    own["softwareExperience"] = json!("advanced");
    put(&other, &own).await;
    other.post("/api/auth/sign-out").json(&json!({})).send().await.assert_ok();
    other.post("/api/auth/sign-in/anonymous").send().await.assert_ok();
    put(&other, &answers()).await;
    common::sign_in(&other, &email, common::PASSWORD).await.assert_ok();
    let kept = other.get("/api/user/profile").send().await.assert_ok();
    assert_eq!(kept["answers"]["softwareExperience"], "advanced");
}

async fn one_profile_per_reader_under_concurrency(backend: Backend) {
    let app = TestApp::new(backend).await;
    let body = sign_up(&app.client).await;
    let answers = answers();
    let puts = (0..8).map(|_| put(&app.client, &answers));
    let statuses: Vec<u16> =
        futures_util::future::join_all(puts).await.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 7, "{statuses:?}");

    // Concurrent partial updates of different answers all survive.
    let patches = [
        json!({ "learningGoals": "walk" }),
        json!({ "programmingLanguages": ["python", "rust"] }),
        json!({ "operatingSystem": "macos" }),
        json!({ "frameworks": ["ros2"] }),
    ];
    let results =
        futures_util::future::join_all(patches.iter().map(|p| patch(&app.client, p))).await;
    for res in &results {
        res.assert_ok();
    }
    let profile = app.client.get("/api/user/profile").send().await.assert_ok();
    for p in &patches {
        let (key, value) = p.as_object().and_then(|o| o.iter().next()).expect("one answer");
        assert_eq!(&profile["answers"][key], value, "{key} kept");
    }
    let stored = app.auth.store.profile(&user_id(&body)).await.expect("read").expect("profile");
    assert_eq!(stored.revision, 12, "8 puts and 4 patches, none lost");
}

async fn a_profile_goes_with_its_user_and_stays_private(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ada = sign_up(&app.client).await;
    put(&app.client, &answers()).await;
    let bob = app.browser();
    sign_up(&bob).await;
    bob.get("/api/user/profile").send().await.assert_error(404, "PROFILE_NOT_FOUND");
    let mut bobs = answers();
    bobs["learningGoals"] = json!("Bob's goals");
    put(&bob, &bobs).await;
    let adas = app.client.get("/api/user/profile").send().await.assert_ok();
    assert_eq!(adas["answers"], answers(), "Bob's write did not touch Ada's profile");

    let id = user_id(&ada);
    assert!(app.auth.store.delete_user(&id).await.expect("delete"));
    assert!(app.auth.store.profile(&id).await.expect("read").is_none());
    assert_eq!(bob.get("/api/user/profile").send().await.assert_ok()["answers"], bobs);
}

backend_tests!(
    create_replace_patch_and_read,
    bad_input_gets_clear_errors_and_changes_nothing,
    only_signed_in_readers_from_trusted_origins,
    bearer_session_tokens_and_jwts_work_too,
    the_gate_opens_with_a_profile,
    a_guests_profile_follows_them_to_their_account,
    one_profile_per_reader_under_concurrency,
    a_profile_goes_with_its_user_and_stays_private,
);
