//! Two Lectern replicas behind a real nginx (round-robin `upstream`), on PostgreSQL and
//! Redis, as a deployment runs them: a session made on one is accepted by the other,
//! sign-out and revoke-session on one reach the other, the strict rate limits count across
//! both, a streamed answer passes through unbuffered, the client IP is the one nginx saw
//! (a forged `X-Forwarded-For` is not believed), and nginx's request id is the server's.
//!
//! Needs the `nginx` binary (Debian's package; `.ci/run` installs it): without it the test
//! fails, it is never skipped.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lectern_testkit::llm::{FakeLlm, Reply};
use lectern_testkit::server::{Server, free_addr, get_status, system_binary};
use lectern_testkit::{Backend, TestDb};
use serde_json::{Value, json};
use tokio::sync::Notify;

const SECRET: &str = "proxy-test-secret-proxy-test-secret-0123";
const ORIGIN: &str = "http://localhost:3000";

/// nginx in the foreground with a configuration of its own, stopped when dropped. One
/// process (`master_process off`): killing it leaves no orphaned workers holding the port.
struct Nginx {
    child: Child,
    url: String,
    dir: PathBuf,
}

impl Nginx {
    async fn start(upstreams: &[&Server]) -> Self {
        let addr = free_addr();
        let dir = std::env::temp_dir()
            .join(format!("lectern-nginx-{}", lectern_auth::ids::random_alphanumeric(8)));
        std::fs::create_dir_all(&dir).expect("nginx dir");
        let servers: String =
            upstreams.iter().map(|s| format!("    server {};\n", s.addr)).collect();
        let d = dir.display();
        // As Lectern's deployment guide configures it (docs/deploy.md), with nginx's default
        // response buffering left on: the answer must stream through it anyway.
        let conf = format!(
            r#"master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 512; }}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  upstream lectern {{
{servers}  }}
  server {{
    listen {addr};
    location / {{
      proxy_pass http://lectern;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Request-Id $request_id;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
"#
        );
        std::fs::write(dir.join("nginx.conf"), conf).expect("nginx.conf");
        let child = Command::new(system_binary("nginx"))
            .args(["-e", "stderr", "-p"])
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let mut nginx = Self { child, url: format!("http://{addr}"), dir };
        for _ in 0..250 {
            if get_status(addr, "/healthz").await == Some(200) {
                return nginx;
            }
            if let Ok(Some(status)) = nginx.child.try_wait() {
                let log = std::fs::read_to_string(nginx.dir.join("error.log")).unwrap_or_default();
                panic!("nginx exited with {status}:\n{log}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("nginx did not answer within 5 s");
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A browser somewhere on the internet: its own address, so its IP is neither nginx's nor
/// a trusted proxy's.
struct Client {
    http: reqwest::Client,
    base: String,
    bearer: Option<String>,
}

impl Client {
    fn at(ip: &str, base: &str) -> Self {
        let ip: IpAddr = ip.parse().expect("ip");
        let http = reqwest::Client::builder().local_address(ip).build().expect("client");
        Self { http, base: base.to_owned(), bearer: None }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let req =
            self.http.request(method, format!("{}{path}", self.base)).header("origin", ORIGIN);
        match &self.bearer {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    /// Status, body and the upstream (replica) that answered.
    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value, String) {
        let res = req.send().await.expect("request");
        let upstream = res
            .headers()
            .get("x-upstream")
            .map(|v| v.to_str().expect("ascii").to_owned())
            .unwrap_or_default();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null), upstream)
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value, String) {
        self.send(self.request(reqwest::Method::POST, path).json(&body)).await
    }

    async fn get(&self, path: &str) -> (u16, Value, String) {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    async fn sign_in(&mut self, email: &str) -> Value {
        let body = json!({ "email": email, "password": "correct horse battery" });
        let res = self
            .request(reqwest::Method::POST, "/api/auth/sign-in/email")
            .json(&body)
            .send()
            .await
            .expect("sign in");
        assert_eq!(res.status(), 200);
        self.bearer = Some(res.headers()["set-auth-token"].to_str().expect("token").to_owned());
        res.json().await.expect("json")
    }

    /// `get-session` through nginx until `replica` answers (round-robin: within a few).
    async fn session_on(&self, replica: &str) -> Value {
        for _ in 0..8 {
            let (status, session, upstream) = self.get("/api/auth/get-session").await;
            assert_eq!(status, 200, "{session}");
            if upstream == replica {
                return session;
            }
        }
        panic!("nginx never sent get-session to {replica}");
    }

    /// Polls (bounded, 2 s) until `replica` no longer accepts the session; how long it took.
    async fn refused_by(&self, replica: &str) -> Duration {
        let started = Instant::now();
        for _ in 0..200 {
            if self.session_on(replica).await.is_null() {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{replica} still accepted the revoked session after 2 s");
    }
}

/// Two replicas on `db`, sharing rate limits in the Redis at `redis`, behind nginx.
async fn deployment(db: &TestDb, llm: &FakeLlm, redis: &str) -> (Server, Server, Nginx) {
    let prefix = format!("lectern-proxy-{}:", lectern_auth::ids::random_alphanumeric(8));
    let replica = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lectern"));
        command
            .env("DATABASE_URL", &db.url)
            .env("BETTER_AUTH_SECRET", SECRET)
            .env("BETTER_AUTH_URL", ORIGIN)
            .env("REDIS_URL", redis)
            .env("LECTERN_REDIS_PREFIX", &prefix)
            .env("LECTERN_TRUSTED_PROXIES", "127.0.0.1")
            .env("LECTERN_INDEX_DIR", std::env::temp_dir().join("lectern-proxy-index"))
            .env("LECTERN_LLM_BASE_URL", llm.base_url())
            .env("LECTERN_LLM_MODEL", "tutor-model");
        command
    };
    let a = Server::start(replica(), &[]).await;
    let b = Server::start(replica(), &[]).await;
    let nginx = Nginx::start(&[&a, &b]).await;
    (a, b, nginx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_behind_nginx_act_as_one() {
    let db = TestDb::new(Backend::Postgres).await;
    let release = Arc::new(Notify::new());
    let held = Reply::Held {
        before: vec!["A URDF file ".into()],
        after: vec!["describes a robot.".into()],
        release: release.clone(),
    };
    let llm = FakeLlm::start(held).await;
    let (a, b, nginx) = deployment(&db, &llm, "redis://127.0.0.1:6379").await;
    let (a_addr, b_addr) = (a.addr.to_string(), b.addr.to_string());

    // Sign up through the proxy; the session works on both replicas.
    let mut reader = Client::at("127.0.0.3", &nginx.url);
    let email =
        format!("proxy-{}@example.com", lectern_auth::ids::random_alphanumeric(8)).to_lowercase();
    let body = json!({ "name": "Ada", "email": email, "password": "correct horse battery" });
    let (status, _, _) = reader.post("/api/auth/sign-up/email", body).await;
    assert_eq!(status, 200);
    let signed_in = reader.sign_in(&email).await;
    let user_id = signed_in["user"]["id"].as_str().expect("user id").to_owned();
    for replica in [&a_addr, &b_addr] {
        let session = reader.session_on(replica).await;
        assert_eq!(session["user"]["id"], user_id.as_str(), "{replica}");
        // The IP is the reader's, as nginx saw it, not nginx's own.
        assert_eq!(session["session"]["ipAddress"], "127.0.0.3");
    }

    // Sign-out on one replica is refused by the other.
    let (_, _, signed_out_on) = reader.post("/api/auth/sign-out", json!({})).await;
    let other = if signed_out_on == a_addr { &b_addr } else { &a_addr };
    let sign_out_reached = reader.refused_by(other).await;

    // revoke-session on one replica is refused by the other.
    let mut phone = Client::at("127.0.0.3", &nginx.url);
    let phone_token = phone.sign_in(&email).await["token"].as_str().expect("token").to_owned();
    reader.sign_in(&email).await;
    let (status, _, revoked_on) =
        reader.post("/api/auth/revoke-session", json!({ "token": phone_token })).await;
    assert_eq!(status, 200);
    let other = if revoked_on == a_addr { &b_addr } else { &a_addr };
    let revocation_reached = phone.refused_by(other).await;
    eprintln!(
        "sign-out reached the other replica in {sign_out_reached:?}, revoke-session in {revocation_reached:?}"
    );

    // The strict sign-in limit (3 per 10 s) counts across both replicas.
    let attacker = Client::at("127.0.0.4", &nginx.url);
    let wrong = json!({ "email": email, "password": "not the password" });
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (status, _, upstream) = attacker.post("/api/auth/sign-in/email", wrong.clone()).await;
        assert_eq!(status, 401);
        seen.push(upstream);
    }
    assert!(seen.contains(&a_addr) && seen.contains(&b_addr), "round-robin: {seen:?}");
    let (status, body, _) = attacker.post("/api/auth/sign-in/email", wrong.clone()).await;
    assert_eq!(status, 429, "{body}");

    // A forged X-Forwarded-For is not believed, through nginx or straight to a replica.
    for base in [&nginx.url, &a.url] {
        let mut forger = Client::at("127.0.0.5", base);
        let req = forger
            .request(reqwest::Method::POST, "/api/auth/sign-in/email")
            .header("x-forwarded-for", "203.0.113.9")
            .json(&json!({ "email": email, "password": "correct horse battery" }));
        let res = req.send().await.expect("sign in");
        assert_eq!(res.status(), 200);
        forger.bearer = Some(res.headers()["set-auth-token"].to_str().expect("t").to_owned());
        let (_, session, _) = forger.get("/api/auth/get-session").await;
        assert_eq!(session["session"]["ipAddress"], "127.0.0.5", "via {base}");
    }

    // nginx's request id is the one the replica logs and echoes (32 hex digits).
    let res = reader.request(reqwest::Method::GET, "/api/auth/ok").send().await.expect("ok");
    let id = res.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");

    // A streamed answer passes through nginx unbuffered: its first token arrives while the
    // model still holds the rest back.
    let answers = json!({ "softwareExperience": "beginner", "operatingSystem": "linux",
        "gpu": "none", "roboticsHardware": ["none"] });
    let (status, _, _) = reader
        .send(
            reader
                .request(reqwest::Method::PUT, "/api/user/profile")
                .json(&json!({ "answers": answers })),
        )
        .await;
    assert!(status == 200 || status == 201, "profile: {status}");
    let (status, chat, _) = reader.post("/api/chats", json!({})).await;
    assert_eq!(status, 201);
    let chat = chat["id"].as_str().expect("chat id");
    let mut res = reader
        .request(reqwest::Method::POST, &format!("/api/chats/{chat}/messages"))
        .json(&json!({ "content": "What is URDF?" }))
        .send()
        .await
        .expect("ask");
    assert_eq!(res.status(), 200);
    let mut body = String::new();
    let first_token = async {
        while !body.contains("A URDF file") {
            let chunk = res.chunk().await.expect("stream").expect("the stream ended early");
            body.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(Duration::from_secs(10), first_token)
        .await
        .expect("the first token was held back by the proxy");
    release.notify_one();
    while let Some(chunk) = res.chunk().await.expect("stream") {
        body.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(body.contains("describes a robot.") && body.contains("event: done"), "{body}");
}

/// Four wrong passwords in a row from `ip` through nginx: their statuses, and which replicas
/// answered.
async fn four_wrong_sign_ins(nginx: &Nginx, ip: &str) -> (Vec<u16>, Vec<String>) {
    let client = Client::at(ip, &nginx.url);
    let wrong = json!({ "email": "nobody@example.com", "password": "not the password" });
    let mut statuses = Vec::new();
    let mut replicas = Vec::new();
    for _ in 0..4 {
        let (status, _, upstream) = client.post("/api/auth/sign-in/email", wrong.clone()).await;
        statuses.push(status);
        replicas.push(upstream);
    }
    (statuses, replicas)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_redis_dies_and_comes_back_the_replicas_keep_answering_then_share_again() {
    let db = TestDb::new(Backend::Postgres).await;
    let llm = FakeLlm::start(Reply::chunks(["unused"])).await;
    let port = free_addr().port();
    let redis = lectern_testkit::redis::PrivateRedis::start(port).await;
    let (_a, _b, nginx) = deployment(&db, &llm, &redis.url()).await;
    let (statuses, replicas) = four_wrong_sign_ins(&nginx, "127.0.0.6").await;
    assert_eq!(statuses, [401, 401, 401, 429], "shared: the fourth is refused ({replicas:?})");

    // Without Redis every request still gets its answer, and each replica limits alone: two
    // attempts each are not enough to be refused, eight are.
    redis.stop();
    let (statuses, _) = four_wrong_sign_ins(&nginx, "127.0.0.7").await;
    assert_eq!(statuses, [401; 4], "each replica counts only its own two");
    let (statuses, _) = four_wrong_sign_ins(&nginx, "127.0.0.7").await;
    assert!(statuses.iter().all(|s| [401, 429].contains(s)), "{statuses:?}");
    assert_eq!(statuses[2..], [429, 429], "each replica has now seen three or more");

    // Redis is back: within a bounded wait, a fresh client is counted across both again.
    let _redis = lectern_testkit::redis::PrivateRedis::start(port).await;
    let mut shared_again = false;
    for round in 0..40 {
        let (statuses, _) = four_wrong_sign_ins(&nginx, &format!("127.0.1.{}", round + 1)).await;
        if statuses == [401, 401, 401, 429] {
            shared_again = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(shared_again, "the replicas did not share their counts again within 10 s");
}
