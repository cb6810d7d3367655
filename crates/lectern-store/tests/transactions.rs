//! The audit behind the transaction owner (`src/tx.rs`): read the workspace's sources and
//! fail if any code opens or ends a transaction itself, if a store function writes with
//! more than one statement outside `transaction!`, or if a function elsewhere makes more
//! than one write through the store (two writes that must succeed together belong in one
//! store function, in one transaction).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What only `src/tx.rs` and `src/guard.rs` may write.
const TRANSACTION_CONTROL: &[&str] = &[
    ".begin().await",
    "begin_with(",
    "Transaction<",
    ".commit().await",
    ".rollback().await",
    "\"BEGIN",
    "\"COMMIT",
    "\"ROLLBACK",
    "SAVEPOINT",
];
/// Files whose functions make several writes on purpose: the demo data generator plays a
/// reader's separate requests in a row (sign up, answer the questionnaire, ask, rate), and
/// each write stands alone as the requests' do.
const SEVERAL_REQUESTS: &[&str] = &["lectern/src/demo_data.rs"];
/// A write of one statement in the store.
const SINGLE_WRITES: &[&str] = &["execute!(", "modify!("];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every non-test source file of every crate, with its text.
fn sources() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for krate in std::fs::read_dir(workspace().join("crates")).expect("crates").flatten() {
        rust_files(&krate.path().join("src"), &mut files);
    }
    assert!(files.len() > 50, "found the sources ({} files)", files.len());
    files
        .into_iter()
        .filter(|f| !f.to_string_lossy().ends_with("_tests.rs"))
        .map(|f| {
            let text = std::fs::read_to_string(&f).expect("read source");
            (f, text)
        })
        .collect()
}

fn is_store_file(path: &Path, name: &str) -> bool {
    path.ends_with(Path::new("lectern-store/src").join(name))
}

/// The functions of a file: (name, body) split at each `fn` line. Rough, and enough for
/// rustfmt-formatted code.
fn functions(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let decl = ["pub async fn ", "async fn ", "pub fn ", "fn ", "pub(crate) async fn "]
            .iter()
            .find_map(|p| trimmed.strip_prefix(p));
        if let Some(rest) = decl {
            let name = rest.split(['(', '<']).next().unwrap_or_default().to_owned();
            out.push((name, String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

#[test]
fn only_the_owner_controls_transactions() {
    let mut offenders = Vec::new();
    for (path, text) in sources() {
        if is_store_file(&path, "tx.rs") || is_store_file(&path, "guard.rs") {
            continue;
        }
        for pattern in TRANSACTION_CONTROL {
            if text.contains(pattern) {
                offenders.push(format!("{}: {pattern}", path.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "transactions outside lectern-store/src/tx.rs: {offenders:#?}");
}

#[test]
fn a_store_function_writes_once_or_in_a_transaction() {
    let mut offenders = Vec::new();
    for (path, text) in sources() {
        if !path.to_string_lossy().contains("lectern-store/src") {
            continue;
        }
        for (name, body) in functions(&text) {
            let writes: usize = SINGLE_WRITES.iter().map(|w| body.matches(w).count()).sum();
            if writes > 1 {
                offenders.push(format!("{}: {name} makes {writes} writes", path.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "use transaction! for these: {offenders:#?}");
}

#[test]
fn callers_make_one_write_per_function() {
    let files = sources();
    // The store's writing functions: those whose body writes.
    let mut writers = BTreeSet::new();
    for (path, text) in &files {
        if path.to_string_lossy().contains("lectern-store/src") {
            for (name, body) in functions(text) {
                if ["execute!(", "modify!(", "transaction!("].iter().any(|w| body.contains(w)) {
                    writers.insert(name);
                }
            }
        }
    }
    for known in ["create_user_with_password", "merge_guest", "finish_message", "delete_user"] {
        assert!(writers.contains(known), "the audit sees {known} as a write: {writers:?}");
    }
    let mut offenders = Vec::new();
    for (path, text) in &files {
        let path_text = path.to_string_lossy();
        if path_text.contains("lectern-store/src")
            || SEVERAL_REQUESTS.iter().any(|f| path_text.ends_with(f))
        {
            continue;
        }
        for (name, body) in functions(text) {
            let calls: Vec<&String> =
                writers.iter().filter(|w| body.contains(&format!("store.{w}("))).collect();
            let count: usize =
                calls.iter().map(|w| body.matches(&format!("store.{w}(")).count()).sum();
            if count > 1 {
                offenders.push(format!("{}: {name} calls {calls:?}", path.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "several writes that should be one transaction: {offenders:#?}");
}
