//! A slow OpenAI-compatible model for load tests (bench/streams.sh): every chat completion
//! streams TOKENS pieces, one every DELAY_MS milliseconds. Prints its base URL, then serves
//! until killed.
//!
//!   cargo run --release -p lectern-testkit --example fake_llm -- 40 50

use std::io::Write;
use std::time::Duration;

use lectern_testkit::llm::{FakeLlm, Reply};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") || args.len() > 2 {
        let _ = writeln!(std::io::stdout(), "usage: fake_llm [TOKENS (40)] [DELAY_MS (50)]");
        return;
    }
    let number = |i: usize, default: u64| {
        args.get(i).map_or(default, |a| a.parse().expect("a whole number"))
    };
    let (tokens, delay) = (number(0, 40) as usize, Duration::from_millis(number(1, 50)));
    let chunks = (0..tokens).map(|i| format!("word{i} ")).collect();
    let llm = FakeLlm::start(Reply::Slow { chunks, delay }).await;
    writeln!(std::io::stdout(), "{}", llm.base_url()).expect("stdout");
    std::future::pending::<()>().await;
}
