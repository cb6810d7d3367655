//! Indexing and search on a synthetic book of 2,000 sections (100 docs of 20 sections of
//! robotics-flavoured text, generated deterministically). Targets: indexing under 10 s,
//! search p50 under 2 ms.
//!
//! `cargo bench -p lectern-tutor --bench retrieval` prints the one-off indexing time and a
//! p50/p99 over repeated searches; criterion's own estimates land in
//! `target/criterion/search/new/estimates.json`.

#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use lectern_tutor::{Book, Index};

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
    let mut times: Vec<Duration> = (0..2_000)
        .map(|i| {
            let started = Instant::now();
            black_box(index.search(QUERIES[i % QUERIES.len()], 3, &boosts).expect("search"));
            started.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "search over {} queries: p50 {:.2?}, p99 {:.2?}",
        times.len(),
        times[times.len() / 2],
        times[times.len() * 99 / 100]
    );

    let mut i = 0;
    c.bench_function("search", |b| {
        b.iter(|| {
            i += 1;
            black_box(index.search(QUERIES[i % QUERIES.len()], 3, &boosts).expect("search"))
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
