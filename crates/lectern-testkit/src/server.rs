//! `lectern serve` as a real process, for what only a process shows: signals, exit codes,
//! the log it writes, several replicas.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server process, killed when dropped; its standard error goes to a file [`Server::log`]
/// reads.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub url: String,
    log: PathBuf,
}

impl Server {
    /// Runs `command` (the `lectern` binary with its environment) as `serve --addr <free
    /// port>` plus `args`, and waits (bounded, 10 s) until `/healthz` answers 200.
    pub async fn start(mut command: Command, args: &[&str]) -> Self {
        let addr = free_addr();
        let log = std::env::temp_dir().join(format!(
            "lectern-server-{}-{}.log",
            std::process::id(),
            addr.port()
        ));
        let stderr = std::fs::File::create(&log).expect("server log file");
        let child = command
            .args(["serve", "--addr", &addr.to_string()])
            .args(args)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start lectern");
        let mut server = Self { child, addr, url: format!("http://{addr}"), log };
        for _ in 0..500 {
            if get_status(addr, "/healthz").await == Some(200) {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("lectern exited with {status} on start:\n{}", server.log());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{args:?} did not start within 10 s:\n{}", server.log());
    }

    /// Everything the process wrote to standard error so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`TERM`, `KILL`, …) the way an orchestrator does.
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("kill(1)");
        assert!(sent.success(), "kill -{signal} failed");
    }

    /// The exit status, waiting at most `limit` (polled: a child has no async wait here).
    pub async fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let polls = limit.as_millis() / 20;
        for _ in 0..polls {
            if let Some(status) = self.child.try_wait().expect("wait for lectern") {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("lectern still running {limit:?} after it was asked to stop:\n{}", self.log());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A program a test drives as the real thing (nginx, pgbouncer), from the system's package;
/// without it the test fails, naming the package to install, and is never skipped.
pub fn system_binary(name: &str) -> PathBuf {
    ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
        .into_iter()
        .map(|dir| PathBuf::from(dir).join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("{name} is not installed (apt-get install {name}); this test needs it")
        })
}

pub fn free_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr")
}

/// The status of a plain `GET`, or `None` when nothing answers.
pub async fn get_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: lectern\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await.ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}
