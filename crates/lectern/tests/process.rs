//! `lectern serve` as the process an orchestrator runs: SIGTERM lets requests and answers
//! finish within `LECTERN_SHUTDOWN_GRACE` and exits 0, cutting short (and saving) what
//! would outlast it; SIGKILL loses the process but not the answer so far, and another
//! replica carries on; `LECTERN_LOG_FORMAT=json` writes one JSON object per line.

use std::process::Command;
use std::time::Duration;

use lectern_testkit::llm::{FakeLlm, Reply};
use lectern_testkit::server::{Server, get_status};
use lectern_testkit::{Backend, TestDb};
use serde_json::{Value, json};

const SECRET: &str = "process-test-secret-process-test-secret-01";
const ORIGIN: &str = "http://localhost:3000";

fn lectern(db: &TestDb, llm: &FakeLlm, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lectern"));
    command
        .env("DATABASE_URL", &db.url)
        .env("BETTER_AUTH_SECRET", SECRET)
        .env("BETTER_AUTH_URL", ORIGIN)
        .env("LECTERN_RATE_LIMIT", "off")
        .env("LECTERN_INDEX_DIR", std::env::temp_dir().join("lectern-process-index"))
        .env("LECTERN_LLM_BASE_URL", llm.base_url())
        .env("LECTERN_LLM_MODEL", "tutor-model")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied());
    command
}

/// A signed-in reader with a profile, speaking to whichever replica it is given.
struct Reader {
    http: reqwest::Client,
    bearer: String,
}

impl Reader {
    async fn sign_up(server: &Server) -> Self {
        let http = reqwest::Client::new();
        let email = format!(
            "process-{}@example.com",
            lectern_auth::ids::random_alphanumeric(8).to_lowercase()
        );
        let res = http
            .post(format!("{}/api/auth/sign-up/email", server.url))
            .header("origin", ORIGIN)
            .json(&json!({ "name": "Ada", "email": email, "password": "correct horse battery" }))
            .send()
            .await
            .expect("sign up");
        assert_eq!(res.status(), 200);
        let bearer = res.headers()["set-auth-token"].to_str().expect("token").to_owned();
        let reader = Self { http, bearer };
        let answers = json!({ "softwareExperience": "beginner", "operatingSystem": "linux",
            "gpu": "none", "roboticsHardware": ["none"] });
        let (status, _) =
            reader.send(server, "PUT", "/api/user/profile", json!({ "answers": answers })).await;
        assert!(status == 200 || status == 201, "profile: {status}");
        reader
    }

    fn request(&self, server: &Server, method: &str, path: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        self.http
            .request(method, format!("{}{path}", server.url))
            .header("origin", ORIGIN)
            .bearer_auth(&self.bearer)
    }

    async fn send(&self, server: &Server, method: &str, path: &str, body: Value) -> (u16, Value) {
        let res = self.request(server, method, path).json(&body).send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn new_chat(&self, server: &Server) -> String {
        let (status, chat) = self.send(server, "POST", "/api/chats", json!({})).await;
        assert_eq!(status, 201);
        chat["id"].as_str().expect("chat id").to_owned()
    }

    /// Starts asking; the answer is read from the returned response as it streams.
    async fn ask(&self, server: &Server, chat: &str) -> Answer {
        let res = self
            .request(server, "POST", &format!("/api/chats/{chat}/messages"))
            .json(&json!({ "content": "What is URDF?" }))
            .send()
            .await
            .expect("ask");
        assert_eq!(res.status(), 200);
        Answer { res, body: String::new() }
    }

    async fn answer(&self, server: &Server, chat: &str) -> Value {
        let (status, chat) =
            self.send(server, "GET", &format!("/api/chats/{chat}"), Value::Null).await;
        assert_eq!(status, 200, "{chat}");
        chat["messages"][1].clone()
    }
}

/// A streamed answer as the reader receives it.
struct Answer {
    res: reqwest::Response,
    body: String,
}

impl Answer {
    /// Reads until `needle` has arrived (bounded, 10 s); false if the stream ended first.
    async fn until(&mut self, needle: &str) -> bool {
        let read = async {
            while !self.body.contains(needle) {
                match self.res.chunk().await {
                    Ok(Some(bytes)) => self.body.push_str(&String::from_utf8_lossy(&bytes)),
                    _ => return false,
                }
            }
            true
        };
        tokio::time::timeout(Duration::from_secs(10), read).await.expect("the stream stalled")
    }

    async fn read_to_end(&mut self) {
        assert!(!self.until("\u{0}").await);
    }

    /// The text of the `token` events so far.
    fn text(&self) -> String {
        self.events("token").iter().filter_map(|d| d["text"].as_str()).collect()
    }

    fn events(&self, name: &str) -> Vec<Value> {
        self.body
            .split("\n\n")
            .filter(|block| block.lines().any(|l| l == format!("event: {name}")))
            .filter_map(|block| block.lines().find_map(|l| l.strip_prefix("data: ")))
            .map(|data| serde_json::from_str(data).expect("JSON data"))
            .collect()
    }
}

fn slow(chunks: usize) -> Reply {
    Reply::Slow { chunks: vec!["word ".to_owned(); chunks], delay: Duration::from_millis(50) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_streaming_answer_finish_and_exits_0() {
    let db = TestDb::new(Backend::Sqlite).await;
    let llm = FakeLlm::start(slow(30)).await;
    let mut server = Server::start(lectern(&db, &llm, &[]), &[]).await;
    let reader = Reader::sign_up(&server).await;
    let chat = reader.new_chat(&server).await;
    let mut answer = reader.ask(&server, &chat).await;
    assert!(answer.until("event: token").await);

    server.signal("TERM");
    // It stops accepting at once (bounded poll: the signal is asynchronous)…
    let mut refused = false;
    for _ in 0..250 {
        if get_status(server.addr, "/healthz").await.is_none() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "still accepting connections 5 s after SIGTERM");
    // …and the answer in flight still arrives whole.
    answer.read_to_end().await;
    assert_eq!(answer.text(), "word ".repeat(30));
    assert_eq!(answer.events("done").len(), 1, "{}", answer.body);
    let status = server.exit_within(Duration::from_secs(15)).await;
    assert_eq!(status.code(), Some(0), "{}", server.log());

    let again = Server::start(lectern(&db, &llm, &[]), &[]).await;
    let saved = reader.answer(&again, &chat).await;
    assert_eq!(saved["status"], "complete");
    assert_eq!(saved["content"], "word ".repeat(30));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_outlasting_the_grace_is_cut_short_saved_and_the_exit_is_0() {
    let db = TestDb::new(Backend::Sqlite).await;
    let llm = FakeLlm::start(slow(100_000)).await;
    let env = [("LECTERN_SHUTDOWN_GRACE", "1s")];
    let mut server = Server::start(lectern(&db, &llm, &env), &[]).await;
    let reader = Reader::sign_up(&server).await;
    let chat = reader.new_chat(&server).await;
    let mut answer = reader.ask(&server, &chat).await;
    assert!(answer.until("event: token").await);

    server.signal("TERM");
    answer.read_to_end().await;
    let errors = answer.events("error");
    assert_eq!(errors.len(), 1, "{}", answer.body);
    assert_eq!(errors[0]["code"], "SERVER_STOPPED");
    let status = server.exit_within(Duration::from_secs(15)).await;
    assert_eq!(status.code(), Some(0), "{}", server.log());
    assert_eq!(llm.open_streams(), 0, "the model's stream is closed");

    let again = Server::start(lectern(&db, &llm, &[]), &[]).await;
    let saved = reader.answer(&again, &chat).await;
    assert_eq!(
        (saved["status"].as_str(), saved["error"].as_str()),
        (Some("interrupted"), Some("SERVER_STOPPED"))
    );
    assert_eq!(
        saved["content"].as_str(),
        Some(answer.text().as_str()),
        "what the reader saw is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_sigkill_the_answer_so_far_is_kept_and_another_replica_answers() {
    let db = TestDb::new(Backend::Postgres).await;
    let llm = FakeLlm::start(slow(100_000)).await;
    let killed = Server::start(lectern(&db, &llm, &[]), &[]).await;
    let other = Server::start(lectern(&db, &llm, &[]), &[]).await;
    let reader = Reader::sign_up(&killed).await;
    let chat = reader.new_chat(&killed).await;
    let mut answer = reader.ask(&killed, &chat).await;
    assert!(answer.until("event: token").await);

    // Wait (bounded) until a checkpoint has stored part of the answer, then kill.
    let mut checkpointed = String::new();
    for _ in 0..100 {
        checkpointed =
            reader.answer(&other, &chat).await["content"].as_str().unwrap_or("").to_owned();
        if !checkpointed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!checkpointed.is_empty(), "no checkpoint within 10 s");
    killed.signal("KILL");
    answer.read_to_end().await;
    assert!(answer.events("done").is_empty());

    // The reader asks again, on the replica still running.
    llm.set_reply(Reply::chunks(["A URDF file ", "describes a robot."]));
    let mut retry = reader.ask(&other, &chat).await;
    retry.read_to_end().await;
    assert_eq!(retry.text(), "A URDF file describes a robot.");
    assert_eq!(retry.events("done").len(), 1);

    // The lost answer is shown as interrupted once its row has stopped moving (bounded).
    let mut lost = Value::Null;
    for _ in 0..150 {
        lost = reader.answer(&other, &chat).await;
        if lost["status"] == "interrupted" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        (lost["status"].as_str(), lost["error"].as_str()),
        (Some("interrupted"), Some("SERVER_RESTARTED")),
        "{lost}"
    );
    let kept = lost["content"].as_str().expect("content");
    assert!(kept.starts_with(&checkpointed) && answer.text().starts_with(kept), "{kept:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_request_id_route_status_latency_and_user() {
    let db = TestDb::new(Backend::Sqlite).await;
    let llm = FakeLlm::start(slow(1)).await;
    let env = [("LECTERN_LOG_FORMAT", "json"), ("LECTERN_TRUSTED_PROXIES", "127.0.0.1")];
    let server = Server::start(lectern(&db, &llm, &env), &[]).await;
    let reader = Reader::sign_up(&server).await;
    let res = reader
        .request(&server, "GET", "/api/me")
        .header("x-request-id", "edge-4c1f")
        .send()
        .await
        .expect("me");
    assert_eq!(res.headers()["x-request-id"], "edge-4c1f");
    let me: Value = res.json().await.expect("json");
    let user_id = me["id"].as_str().or(me["user"]["id"].as_str()).expect("user id").to_owned();

    // The line is written after the response is sent: poll the log (bounded).
    let mut line = None;
    for _ in 0..100 {
        let log = server.log();
        let lines: Vec<Value> = log
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect();
        line = lines.into_iter().find(|l| l["span"]["id"] == "edge-4c1f");
        if line.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let line = line.unwrap_or_else(|| panic!("no line for the request:\n{}", server.log()));
    assert_eq!(line["fields"]["message"], "response");
    assert_eq!(line["fields"]["status"], 200);
    assert!(line["fields"]["latency_ms"].as_f64().is_some(), "{line}");
    assert_eq!(line["span"]["route"], "/api/me");
    assert_eq!(line["span"]["method"], "GET");
    assert_eq!(line["span"]["user_id"], user_id.as_str());
}
