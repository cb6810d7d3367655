//! Anonymous guests, and the merge hook that fires whenever a guest becomes an account.

mod common;

use std::sync::{Arc, Mutex};

use common::{PASSWORD, TestApp, session, sign_in, sign_up_as, unique_email};
use lectern_auth::guest::{BoxFuture, GuestMerge};
use lectern_store::{Store, User, UserId};
use lectern_testkit::{Backend, TestClient, backend_tests};
use serde_json::{Value, json};

/// Records every merge it is asked to do, then deletes the guest as the hook must.
#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<(UserId, UserId)>>);

impl GuestMerge for Recorder {
    fn merge<'a>(
        &'a self,
        store: &'a Store,
        guest: &'a User,
        account: &'a User,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            // The guest still exists while the hook runs, so it can move the guest's rows.
            let still_there = store.find_user(&guest.id).await.map_err(|e| e.to_string())?;
            assert!(still_there.is_some(), "the hook runs before the guest is deleted");
            self.0.lock().expect("lock").push((guest.id.clone(), account.id.clone()));
            store.delete_user(&guest.id).await.map(drop).map_err(|e| e.to_string())
        })
    }
}

async fn app_with_recorder(backend: Backend) -> (TestApp, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let app = TestApp::build(backend, |_| {}, recorder.clone()).await;
    (app, recorder)
}

async fn sign_in_as_guest(client: &TestClient) -> Value {
    client.post("/api/auth/sign-in/anonymous").send().await.assert_ok()
}

fn user_id(body: &Value) -> UserId {
    UserId(body["user"]["id"].as_str().expect("user id").to_owned())
}

async fn a_guest_gets_a_session(backend: Backend) {
    let app = TestApp::new(backend).await;
    let body = sign_in_as_guest(&app.client).await;
    assert_eq!(body["user"]["isAnonymous"], true);
    assert_eq!(body["user"]["name"], "Anonymous");
    let id = body["user"]["id"].as_str().expect("id");
    let email = body["user"]["email"].as_str().expect("email");
    assert!(email.ends_with("@anonymous.placeholder.invalid") && email.len() == 32 + 30, "{email}");
    assert_eq!(session(&app.client).await["user"]["id"], id);

    let again = app.client.post("/api/auth/sign-in/anonymous").send().await;
    again.assert_error(400, "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY");
}

async fn signing_up_merges_and_removes_the_guest(backend: Backend) {
    let (app, recorder) = app_with_recorder(backend).await;
    let guest = user_id(&sign_in_as_guest(&app.client).await);
    let account = sign_up_as(&app.client, &unique_email()).await;
    assert_eq!(*recorder.0.lock().expect("lock"), vec![(guest.clone(), user_id(&account))]);
    assert!(app.auth.store.find_user(&guest).await.expect("query").is_none(), "guest deleted");
    assert_eq!(session(&app.client).await["user"]["isAnonymous"], false);
}

async fn signing_in_merges_and_removes_the_guest(backend: Backend) {
    let (app, recorder) = app_with_recorder(backend).await;
    let email = unique_email();
    let account = sign_up_as(&app.browser(), &email).await;
    let guest = user_id(&sign_in_as_guest(&app.client).await);
    sign_in(&app.client, &email, PASSWORD).await.assert_ok();
    assert_eq!(*recorder.0.lock().expect("lock"), vec![(guest.clone(), user_id(&account))]);
    assert!(app.auth.store.find_user(&guest).await.expect("query").is_none());
}

async fn a_bearer_guest_is_merged_too(backend: Backend) {
    let (app, recorder) = app_with_recorder(backend).await;
    let guest_client = app.browser();
    let res = guest_client.post("/api/auth/sign-in/anonymous").send().await;
    let guest_token = res.header("set-auth-token").expect("token").to_owned();
    let guest = user_id(&res.json());
    // A native app: no cookies, only the bearer token.
    let res = app
        .client
        .post("/api/auth/sign-up/email")
        .bearer(&guest_token)
        .json(&json!({ "name": "Ada", "email": unique_email(), "password": PASSWORD }))
        .send()
        .await;
    let account = user_id(&res.assert_ok());
    assert_eq!(*recorder.0.lock().expect("lock"), vec![(guest, account)]);
}

async fn a_failed_sign_in_keeps_the_guest(backend: Backend) {
    let (app, recorder) = app_with_recorder(backend).await;
    let email = unique_email();
    sign_up_as(&app.browser(), &email).await;
    let guest = user_id(&sign_in_as_guest(&app.client).await);
    sign_in(&app.client, &email, "wrong password")
        .await
        .assert_error(401, "INVALID_EMAIL_OR_PASSWORD");
    assert!(recorder.0.lock().expect("lock").is_empty());
    assert!(app.auth.store.find_user(&guest).await.expect("query").is_some());
    assert_eq!(session(&app.client).await["user"]["isAnonymous"], true);
}

backend_tests!(
    a_guest_gets_a_session,
    signing_up_merges_and_removes_the_guest,
    signing_in_merges_and_removes_the_guest,
    a_bearer_guest_is_merged_too,
    a_failed_sign_in_keeps_the_guest,
);
