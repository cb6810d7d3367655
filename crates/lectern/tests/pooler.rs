//! Lectern behind a transaction-mode pooler (a real PgBouncer, as Neon's `-pooler` hosts and
//! many platforms put in front of PostgreSQL): `LISTEN` is accepted there but notifications
//! never arrive. Lectern must notice, keep its session cache out of use, and so never serve
//! a session revoked elsewhere. Needs `pgbouncer` (`.ci/run` installs it); never skipped.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{ORIGIN, SECRET, session, sign_up};
use lectern_auth::{Auth, AuthConfig, Secret};
use lectern_store::{Store, StoreOptions};
use lectern_testkit::server::{free_addr, system_binary};
use lectern_testkit::{Backend, TestClient, TestDb};

/// PgBouncer in transaction mode in front of the test's database, stopped when dropped.
struct PgBouncer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl PgBouncer {
    async fn start(db: &TestDb) -> Self {
        let binary = system_binary("pgbouncer");
        let name = db.url.rsplit('/').next().expect("a database name").to_owned();
        let port = free_addr().port();
        let dir = std::env::temp_dir()
            .join(format!("lectern-pgbouncer-{}", lectern_auth::ids::random_alphanumeric(8)));
        std::fs::create_dir_all(&dir).expect("pgbouncer dir");
        std::fs::write(dir.join("users.txt"), "\"root\" \"\"\n").expect("users");
        let ini = format!(
            "[databases]\n{name} = host=127.0.0.1 port=5432 dbname={name}\n\n[pgbouncer]\n\
             listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
             auth_type = trust\nauth_file = {users}\npool_mode = transaction\n\
             default_pool_size = 10\nmax_client_conn = 100\n\
             ignore_startup_parameters = extra_float_digits\nlogfile = {log}\n",
            users = dir.join("users.txt").display(),
            log = dir.join("pgbouncer.log").display(),
        );
        std::fs::write(dir.join("pgbouncer.ini"), ini).expect("ini");
        make_readable(&dir);
        let mut command = Command::new(binary);
        // PgBouncer refuses to run as root; CI machines run tests as root.
        if is_root() {
            command.args(["-u", "nobody"]);
        }
        let child = command
            .arg(dir.join("pgbouncer.ini"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pgbouncer");
        let mut bouncer = Self { child, port, dir };
        for _ in 0..250 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return bouncer;
            }
            if let Ok(Some(status)) = bouncer.child.try_wait() {
                let log = std::fs::read_to_string(bouncer.dir.join("pgbouncer.log"));
                panic!("pgbouncer exited with {status}: {log:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("pgbouncer did not listen within 5 s");
    }

    /// The URL an application is given for the pooled endpoint; sqlx must not keep named
    /// prepared statements through it (as Neon's guide says for its pooler).
    fn url(&self, db: &TestDb) -> String {
        let name = db.url.rsplit('/').next().expect("a database name");
        format!("postgres://root@127.0.0.1:{}/{name}?statement-cache-capacity=0", self.port)
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn make_readable(dir: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).expect("chmod dir");
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let mode = std::fs::Permissions::from_mode(0o644);
        std::fs::set_permissions(entry.path(), mode).expect("chmod file");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_transaction_pooler_no_revoked_session_is_served_from_the_cache() {
    let db = TestDb::new(Backend::Postgres).await;
    let direct = Store::connect(&db.url, &StoreOptions::default()).await.expect("direct");
    direct.migrate().await.expect("migrate");
    assert!(direct.revocations_live(), "a direct connection hears its own notification");
    let bouncer = PgBouncer::start(&db).await;

    // One client connection: PgBouncer 1.18 (Debian 12's) keeps no prepared statements in
    // transaction mode, and sqlx names its statements per connection, so two connections'
    // would collide on one server connection. (Neon's pooler, PgBouncer 1.22, keeps them.)
    let options = StoreOptions { max_connections: 1, ..StoreOptions::default() };
    let pooled = Store::connect(&bouncer.url(&db), &options).await.expect("pooled store");
    assert!(!pooled.revocations_live(), "through the pooler nothing arrives: the cache is off");
    let mut config = AuthConfig::development(ORIGIN, Secret::new(SECRET));
    config.rate_limit = false;
    let app = lectern::app(Auth::new(pooled, config));
    let client = TestClient::new(app.clone(), Some(ORIGIN));
    let readiness = TestClient::new(app, Some(ORIGIN)).get("/readyz").send().await;
    assert_eq!(readiness.status.as_u16(), 200, "serving, without the cache");
    assert_eq!(readiness.json()["sessionCache"], "reading the database");

    sign_up(&client).await;
    assert!(session(&client).await.is_object());
    assert!(session(&client).await.is_object(), "a second check, which a live cache would keep");
    // Another server (a replica, or Better Auth itself) ends every session.
    sqlx::query(r#"DELETE FROM "session""#)
        .execute(&sqlx::PgPool::connect(&db.url).await.expect("pool"))
        .await
        .expect("revoke");
    assert!(session(&client).await.is_null(), "the revoked session is refused at once");
}
