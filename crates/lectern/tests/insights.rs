//! The author's dashboard (`/admin`, docs/insights.md) through the real router, on SQLite
//! and PostgreSQL: who may see it, what its CSV says for known readers and questions, that
//! no insight names a reader, that `LECTERN_INSIGHTS=off` records nothing, and that a
//! deleted account leaves every aggregate.

mod common;

use common::{PASSWORD, TestApp, sign_up_as, unique_email};
use lectern_store::StoreOptions;
use lectern_testkit::{Backend, TestClient, TestResponse, backend_tests};
use lectern_tutor::Answerer;
use serde_json::{Value, json};

const PAGES: [&str; 6] = [
    "/admin",
    "/admin/readers",
    "/admin/backgrounds",
    "/admin/questions",
    "/admin/failures",
    "/admin/health",
];
const IN_BOOK: &str = "What is a ROS 2 topic?";
const OUT_OF_BOOK: &str = "What is the best recipe for sourdough bread?";

/// A signed-up reader with this background; returns the client, its email and user id.
async fn reader(app: &TestApp, level: &str, hardware: &str) -> (TestClient, String, String) {
    let client = app.browser();
    let email = unique_email();
    let id = sign_up_as(&client, &email).await["user"]["id"].as_str().expect("id").to_owned();
    let answers = json!({
        "softwareExperience": level, "operatingSystem": "linux", "gpu": "none",
        "roboticsHardware": [hardware], "learningGoals": format!("secret goals of {email}")
    });
    let res = client
        .request(axum::http::Method::PUT, "/api/user/profile")
        .json(&json!({ "answers": answers }))
        .send()
        .await;
    assert!(res.status.is_success(), "{}", String::from_utf8_lossy(&res.body));
    (client, email, id)
}

/// A signed-in admin (no questionnaire).
async fn admin(app: &TestApp) -> TestClient {
    let client = app.browser();
    let email = unique_email();
    sign_up_as(&client, &email).await;
    make_admin(app, &email).await;
    client
}

async fn make_admin(app: &TestApp, email: &str) {
    let sql = r#"UPDATE "user" SET "role" = 'admin' WHERE "email" = $1"#;
    let done = if app.db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&app.db.url).await.expect("sqlite");
        sqlx::query(sql).bind(email).execute(&pool).await.expect("role").rows_affected()
    } else {
        let pool = sqlx::PgPool::connect(&app.db.url).await.expect("postgres");
        sqlx::query(sql).bind(email).execute(&pool).await.expect("role").rows_affected()
    };
    assert_eq!(done, 1);
}

async fn new_chat(client: &TestClient) -> String {
    let res = client.post("/api/chats").json(&json!({})).send().await;
    assert_eq!(res.status.as_u16(), 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["id"].as_str().expect("id").to_owned()
}

/// Asks and reads the whole answer; returns the answer's message id.
async fn ask(client: &TestClient, chat: &str, question: &str) -> String {
    let res = client
        .post(&format!("/api/chats/{chat}/messages"))
        .json(&json!({ "content": question }))
        .send()
        .await;
    assert_eq!(res.status.as_u16(), 200, "{}", String::from_utf8_lossy(&res.body));
    let body = String::from_utf8_lossy(&res.body).into_owned();
    let done = body.split("\n\n").find(|b| b.contains("event: done")).expect("done event");
    let data = done.lines().find_map(|l| l.strip_prefix("data:")).expect("data");
    serde_json::from_str::<Value>(data.trim()).expect("json")["messageId"]
        .as_str()
        .expect("messageId")
        .to_owned()
}

async fn csv(client: &TestClient, page: &str, table: &str, filters: &str) -> String {
    let res = client.get(&format!("{page}?format=csv&table={table}{filters}")).send().await;
    assert_eq!(res.status.as_u16(), 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("content-type"), Some("text/csv; charset=utf-8"));
    String::from_utf8(res.body.clone()).expect("utf-8")
}

fn text(res: &TestResponse) -> String {
    String::from_utf8_lossy(&res.body).into_owned()
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

async fn only_admins_see_the_dashboard(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let (reader, email, id) = reader(&app, "beginner", "none").await;
    let chat = new_chat(&reader).await;
    ask(&reader, &chat, IN_BOOK).await;
    ask(&reader, &chat, OUT_OF_BOOK).await;
    let guest = app.browser();
    guest.post("/api/auth/sign-in/anonymous").send().await.assert_ok();
    let nobody = app.browser();
    let admin = admin(&app).await;

    for page in PAGES {
        for (who, client) in [("reader", &reader), ("guest", &guest)] {
            let res = client.get(page).send().await;
            res.assert_error(403, "FORBIDDEN");
            let body = text(&res);
            assert!(!body.contains("sourdough") && !body.contains("ROS"), "{who} saw data: {body}");
            let csv = client.get(&format!("{page}?format=csv&table=readers")).send().await;
            csv.assert_error(403, "FORBIDDEN");
        }
        nobody.get(page).send().await.assert_error(401, "UNAUTHORIZED");

        let res = admin.get(page).send().await;
        assert_eq!(res.status.as_u16(), 200, "{page}: {}", text(&res));
        assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(res.header("cache-control"), Some("no-store"));
        let body = text(&res);
        assert!(body.contains("<meta name=\"viewport\""), "{page} fits a phone");
        assert!(!body.contains(&email) && !body.contains(&id), "{page} names the reader");
        assert!(!body.contains("secret goals"), "{page} shows a free-text answer");
        assert!(!body.contains("Collection is off"));
    }
    let failures = text(&admin.get("/admin/failures").send().await);
    assert!(failures.contains(OUT_OF_BOOK), "{failures}");
    let heat = text(&admin.get("/admin/questions").send().await);
    assert!(heat.contains("href=\"/docs/"), "the heat map links to the book's pages");

    // Mistakes in the filters are the client's: 400 with a code, never a 500.
    for (query, code) in [
        ("from=2026-13-40", "INVALID_DATE"),
        ("from=2026-12-08&to=2026-12-01", "INVALID_DATE"),
        ("period=year", "INVALID_PERIOD"),
        ("background=gpu:quantum", "INVALID_BACKGROUND"),
        ("format=csv&table=nope", "INVALID_TABLE"),
        ("format=pdf", "INVALID_FORMAT"),
    ] {
        admin.get(&format!("/admin/readers?{query}")).send().await.assert_error(400, code);
    }
}

async fn csv_matches_what_readers_did(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let (ada, ada_email, ada_id) = reader(&app, "beginner", "none").await;
    let (bob, bob_email, bob_id) = reader(&app, "advanced", "jetson").await;
    let admin = admin(&app).await;
    let chat = new_chat(&ada).await;
    ask(&ada, &chat, IN_BOOK).await;
    let bad = ask(&ada, &chat, OUT_OF_BOOK).await;
    let res = ada
        .post(&format!("/api/chats/{chat}/messages/{bad}/feedback"))
        .json(&json!({ "rating": "not_helpful", "comment": "Nothing about bread" }))
        .send()
        .await;
    res.assert_ok();
    let other = new_chat(&bob).await;
    ask(&bob, &other, IN_BOOK).await;
    // Asked again in other words right after the answer.
    ask(&bob, &other, "what exactly is a topic in ROS 2").await;

    let day = today();
    assert_eq!(
        csv(&admin, "/admin/readers", "readers", "").await,
        format!(
            "period,sign-ups,active readers,guests who signed up,stopped at the questionnaire\r\n{day},3,2,0,1\r\n"
        )
    );
    assert_eq!(
        csv(&admin, "/admin/backgrounds", "softwareExperience", "").await,
        "answer,readers,share\r\nNone yet,0,0.0%\r\nBeginner,1,50.0%\r\nIntermediate,0,0.0%\r\nAdvanced,1,50.0%\r\n"
    );
    let beginners = "&background=softwareExperience%3Abeginner";
    let hardware = csv(&admin, "/admin/backgrounds", "roboticsHardware", beginners).await;
    assert!(hardware.contains("\r\nNone,1,100.0%\r\n"), "{hardware}");
    assert!(hardware.contains("Jetson") && hardware.contains(",0,0.0%"), "{hardware}");

    // The sections the sample book's retrieval gives these questions, each answer counted
    // once per section it cited; the unanswered question cites none.
    assert_eq!(
        csv(&admin, "/admin/questions", "sections", "").await,
        "section,answers citing it\r\n\
         Simulating Robots with Gazebo › Bridging Gazebo and ROS 2,3\r\n\
         NVIDIA Isaac Sim › Isaac Sim and ROS 2,3\r\n\
         Nodes and Topics › Topics and messages,2\r\n\
         Nodes and Topics,1\r\n"
    );
    // Only beginners: Ada's one answer that the book covered.
    let only_ada = csv(&admin, "/admin/questions", "sections", beginners).await;
    let rows: Vec<&str> = only_ada.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{only_ada}");
    assert!(rows.iter().all(|r| r.ends_with(",1")), "{only_ada}");
    let pages = csv(&admin, "/admin/questions", "pages", "").await;
    assert!(pages.contains("\r\nNodes and Topics,3\r\n"), "{pages}");

    let unanswered = csv(&admin, "/admin/failures", "unanswered", "").await;
    assert!(unanswered.starts_with(
        "question,times asked,also asked as,sections shown,comments\r\nWhat is the best recipe for sourdough bread?,1,"
    ), "{unanswered}");
    let not_helpful = csv(&admin, "/admin/failures", "not_helpful", "").await;
    assert!(not_helpful.contains(&format!("{OUT_OF_BOOK},1,")), "{not_helpful}");
    assert!(not_helpful.trim_end().ends_with(",Nothing about bread"), "{not_helpful}");
    let again = csv(&admin, "/admin/failures", "asked_again", "").await;
    assert_eq!(again.lines().count(), 2, "{again}");
    assert!(
        again.lines().nth(1).is_some_and(|l| l.starts_with(&format!("{IN_BOOK},1,"))),
        "{again}"
    );

    let health = csv(&admin, "/admin/health", "health", "").await;
    let row = health.lines().nth(1).expect("today");
    assert!(row.starts_with(&format!("{day},4,100.0%,0.0%,0,0,")), "{health}");

    // Nothing in any table names a reader.
    for (page, tables) in [
        ("/admin", &["top_sections", "top_unanswered"][..]),
        ("/admin/readers", &["readers"]),
        ("/admin/backgrounds", &["softwareExperience", "roboticsHardware", "over_time"]),
        ("/admin/questions", &["pages", "sections"]),
        ("/admin/failures", &["unanswered", "not_helpful", "asked_again"]),
        ("/admin/health", &["health", "errors"]),
    ] {
        for table in tables {
            let body = csv(&admin, page, table, "").await;
            for private in [&ada_email, &ada_id, &bob_email, &bob_id] {
                assert!(!body.contains(private.as_str()), "{page} {table} names a reader");
            }
        }
    }
}

async fn collection_off_records_nothing(backend: Backend) {
    let options = StoreOptions { insights: false, ..StoreOptions::default() };
    let app = TestApp::with_store_options(backend, Answerer::Extractive, options).await;
    let (ada, _, _) = reader(&app, "beginner", "none").await;
    let chat = new_chat(&ada).await;
    ask(&ada, &chat, IN_BOOK).await;
    ask(&ada, &chat, OUT_OF_BOOK).await;
    let guest = app.browser();
    guest.post("/api/auth/sign-in/anonymous").send().await.assert_ok();
    sign_up_as(&guest, &unique_email()).await;
    let admin = admin(&app).await;
    let page = text(&admin.get("/admin").send().await);
    assert!(page.contains("Collection is off"), "{page}");
    let header_only = |csv: String| csv.lines().count() == 1;
    assert!(header_only(csv(&admin, "/admin/health", "health", "").await));
    assert!(header_only(csv(&admin, "/admin/questions", "sections", "").await));
    assert!(header_only(csv(&admin, "/admin/failures", "unanswered", "").await));
    let readers = csv(&admin, "/admin/readers", "readers", "").await;
    assert!(
        readers.ends_with(&format!("{},3,0,0,2\r\n", today())),
        "no activity or conversion recorded: {readers}"
    );
}

async fn a_deleted_account_leaves_every_aggregate(backend: Backend) {
    let app = TestApp::with_tutor(backend, Answerer::Extractive).await;
    let (ada, _, _) = reader(&app, "beginner", "none").await;
    let (bob, _, _) = reader(&app, "advanced", "none").await;
    let admin = admin(&app).await;
    for client in [&ada, &bob] {
        let chat = new_chat(client).await;
        ask(client, &chat, IN_BOOK).await;
    }
    ask(&ada, &new_chat(&ada).await, OUT_OF_BOOK).await;
    let before = csv(&admin, "/admin/health", "health", "").await;
    assert!(before.lines().nth(1).is_some_and(|l| l.contains(",3,")), "{before}");

    ada.post("/api/auth/delete-user")
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .assert_ok();

    let health = csv(&admin, "/admin/health", "health", "").await;
    assert!(
        health.lines().nth(1).is_some_and(|l| l.starts_with(&format!("{},1,", today()))),
        "{health}"
    );
    let unanswered = csv(&admin, "/admin/failures", "unanswered", "").await;
    assert_eq!(unanswered.lines().count(), 1, "{unanswered}");
    let sections = csv(&admin, "/admin/questions", "sections", "").await;
    assert!(sections.lines().any(|l| l.contains("Topics") && l.ends_with(",1")), "{sections}");
    let levels = csv(&admin, "/admin/backgrounds", "softwareExperience", "").await;
    assert!(
        levels.contains("\r\nBeginner,0,0.0%\r\n") && levels.contains("\r\nAdvanced,1,100.0%\r\n"),
        "{levels}"
    );
    let readers = csv(&admin, "/admin/readers", "readers", "").await;
    assert!(readers.ends_with(&format!("{},2,1,0,1\r\n", today())), "{readers}");
}

backend_tests!(
    only_admins_see_the_dashboard,
    csv_matches_what_readers_did,
    collection_off_records_nothing,
    a_deleted_account_leaves_every_aggregate,
);
