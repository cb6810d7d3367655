//! Indexing and search on a synthetic book of 2,000 sections (100 docs of 20 sections of
//! robotics-flavoured text, generated deterministically). Targets: indexing under 10 s,
//! search p50 under 2 ms. Then the same with embeddings (issue 11: embedding 2,000 sections
//! in 30 s, retrieval with the question's embedding p50 under 10 ms, the model's memory), on
//! the synthetic book and on the sample book. Needs `scripts/fetch-model`.
//!
//! `cargo bench -p lectern-tutor --bench retrieval` prints the one-off indexing and embedding
//! times and p50/p99 over repeated searches; criterion's own estimates land in
//! `target/criterion/search/new/estimates.json`.

#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use lectern_tutor::{Book, Embedder, Index};

const DOCS: usize = 100;
const SECTIONS_PER_DOC: usize = 20;
const WORDS: &[&str] = &[
    "robot",
    "joint",
    "actuator",
    "servo",
    "torque",
    "encoder",
    "lidar",
    "camera",
    "depth",
    "imu",
    "odometry",
    "kalman",
    "filter",
    "trajectory",
    "planner",
    "controller",
    "gait",
    "balance",
    "humanoid",
    "gripper",
    "kinematics",
    "inverse",
    "jacobian",
    "frame",
    "transform",
    "urdf",
    "xacro",
    "gazebo",
    "simulation",
    "physics",
    "friction",
    "collision",
    "mesh",
    "node",
    "topic",
    "service",
    "action",
    "parameter",
    "launch",
    "workspace",
    "package",
    "jetson",
    "raspberry",
    "microcontroller",
    "firmware",
    "battery",
    "voltage",
    "thermal",
    "latency",
    "bandwidth",
    "policy",
    "reinforcement",
    "learning",
    "reward",
    "dataset",
    "vision",
    "language",
    "model",
    "segmentation",
    "detection",
    "point",
    "cloud",
    "map",
    "localization",
    "slam",
    "costmap",
    "navigation",
    "goal",
    "obstacle",
    "sensor",
    "fusion",
    "calibration",
    "intrinsics",
    "stereo",
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "for",
    "with",
    "on",
    "that",
    "each",
    "when",
];
const QUERIES: &[&str] = &[
    "How do I calibrate a stereo camera?",
    "Why does my humanoid lose balance when the gait changes?",
    "inverse kinematics jacobian for a gripper",
    "What is a costmap in navigation?",
    "battery voltage and thermal limits on a Jetson",
    "launch a node with parameters from a workspace package",
];

/// A small LCG: the same book on every run and machine.
struct Words(u64);

impl Words {
    fn next(&mut self) -> &'static str {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        WORDS[(self.0 >> 33) as usize % WORDS.len()]
    }

    fn sentence(&mut self, len: usize) -> String {
        let words: Vec<&str> = (0..len).map(|_| self.next()).collect();
        format!("{}.", words.join(" "))
    }
}

fn synthetic_book() -> Vec<(String, String)> {
    let mut words = Words(42);
    (0..DOCS)
        .map(|d| {
            let mut doc = format!("---\ntitle: {}\n---\n\n", words.sentence(3));
            for s in 0..SECTIONS_PER_DOC {
                let level = if s % 4 == 0 { "##" } else { "###" };
                doc.push_str(&format!("{level} {} {s}\n\n", words.sentence(4)));
                for _ in 0..6 {
                    doc.push_str(&words.sentence(14));
                    doc.push(' ');
                }
                doc.push_str("\n\n");
            }
            (format!("{:02}-chapter/{:03}-doc.md", d / 10, d), doc)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let book = Book::from_files(synthetic_book(), Book::DEFAULT_BASE).expect("synthetic book");
    assert!(book.sections().len() >= DOCS * SECTIONS_PER_DOC, "{} sections", book.sections().len());
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let (index, rebuilt) = Index::open_or_build(&book, dir.path(), |_, _| {}).expect("index");
    assert!(rebuilt);
    println!("indexing {} sections: {:.2?}", book.sections().len(), started.elapsed());
    let started = Instant::now();
    let (index_again, rebuilt) =
        Index::open_or_build(&book, dir.path(), |_, _| {}).expect("reopen");
    assert!(!rebuilt);
    println!("reopening the unchanged index: {:.2?}", started.elapsed());
    drop(index_again);

    let boosts = vec!["Jetson".to_owned()];
    percentiles("search (words)", &index, 2_000, &boosts);
    embedded(&index, &book, &boosts);

    let mut i = 0;
    c.bench_function("search", |b| {
        b.iter(|| {
            i += 1;
            black_box(index.search(QUERIES[i % QUERIES.len()], 3, &boosts).expect("search"))
        });
    });
}

/// Searches `n` of the queries in turn and prints the p50 and p99.
fn percentiles(what: &str, index: &Index, n: usize, boosts: &[String]) {
    let mut times: Vec<Duration> = (0..n)
        .map(|i| {
            let started = Instant::now();
            black_box(index.search(QUERIES[i % QUERIES.len()], 3, boosts).expect("search"));
            started.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "{what} over {} queries: p50 {:.2?}, p99 {:.2?}",
        times.len(),
        times[times.len() / 2],
        times[times.len() * 99 / 100]
    );
}

/// The model's load time and memory, embedding the synthetic and the sample book, and
/// retrieval by words and meaning on each.
fn embedded(synthetic: &Index, book: &Book, boosts: &[String]) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let before = rss_kib();
    let started = Instant::now();
    let model = Embedder::load(format!("{root}/{}", Embedder::DEFAULT_DIR))
        .unwrap_or_else(|e| panic!("{e}: run scripts/fetch-model"));
    let model = Arc::new(model);
    println!(
        "loading the embedding model: {:.2?}, resident memory +{} MiB",
        started.elapsed(),
        (rss_kib() - before) / 1024
    );
    let started = Instant::now();
    assert!(synthetic.embed(model.clone(), |_, _| {}).expect("embed"));
    println!("embedding {} sections: {:.2?}", book.sections().len(), started.elapsed());
    percentiles("search (words and meaning)", synthetic, 300, boosts);

    let sample = Book::from_dir(format!("{root}/examples/book"), Book::DEFAULT_BASE).expect("book");
    let dir = tempfile::tempdir().expect("temp dir");
    let (index, _) = Index::open_or_build(&sample, dir.path(), |_, _| {}).expect("index");
    let started = Instant::now();
    assert!(index.embed(model, |_, _| {}).expect("embed"));
    println!(
        "embedding the sample book's {} sections: {:.2?}",
        sample.sections().len(),
        started.elapsed()
    );
    percentiles("search of the sample book (words and meaning)", &index, 300, boosts);
    println!("resident memory now: {} MiB", rss_kib() / 1024);
}

fn rss_kib() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

criterion_group!(benches, bench);
criterion_main!(benches);
