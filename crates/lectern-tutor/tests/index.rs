//! The persistent index: built once, reopened while the book is unchanged, rebuilt when it
//! changes; and searching with any text, however hostile, never fails.

use lectern_tutor::{Book, Index};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/book");

fn fixture() -> Book {
    Book::from_dir(FIXTURE, Book::DEFAULT_BASE).expect("the fixture book loads")
}

fn build(book: &Book, dir: &std::path::Path) -> (Index, bool, Vec<(usize, usize)>) {
    let mut calls = Vec::new();
    let (index, rebuilt) =
        Index::open_or_build(book, dir, |done, total| calls.push((done, total))).expect("index");
    (index, rebuilt, calls)
}

#[test]
fn builds_once_then_reopens_until_the_book_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let book = fixture();
    let total = book.sections().len();

    let (_, rebuilt, calls) = build(&book, dir.path());
    assert!(rebuilt, "a fresh directory is built");
    assert_eq!(calls, (1..=total).map(|done| (done, total)).collect::<Vec<_>>());

    let (index, rebuilt, calls) = build(&book, dir.path());
    assert!(!rebuilt && calls.is_empty(), "an unchanged book reopens the index");
    let hits = index.search("torque motor", 1, &[]).expect("search");
    assert_eq!(hits[0].url, "/docs/basics/actuators#torque");

    // Copy the book, change one file: the hash changes and the index is rebuilt with it.
    let copy = tempfile::tempdir().expect("temp dir");
    copy_dir(FIXTURE.as_ref(), copy.path());
    std::fs::write(
        copy.path().join("01-basics/03-motors.md"),
        "## Gearboxes\n\nA gearbox trades speed for torque.\n",
    )
    .expect("edit");
    let changed = Book::from_dir(copy.path(), Book::DEFAULT_BASE).expect("changed book");
    let (index, rebuilt, _) = build(&changed, dir.path());
    assert!(rebuilt, "a changed book is rebuilt");
    let hits = index.search("torque", 3, &[]).expect("search");
    assert_eq!(hits[0].url, "/docs/basics/motors#gearboxes");
    assert!(hits.iter().all(|h| !h.url.ends_with("#torque")), "the old section is gone");
}

#[test]
fn a_damaged_index_is_rebuilt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let book = fixture();
    build(&book, dir.path());
    let folder = std::fs::read_dir(dir.path()).expect("list").flatten().next().expect("one index");
    std::fs::remove_file(folder.path().join("meta.json")).expect("damage the index");
    let (index, rebuilt, _) = build(&book, dir.path());
    assert!(rebuilt);
    assert!(!index.search("camera", 3, &[]).expect("search").is_empty());
}

#[test]
fn processes_starting_together_share_one_index() {
    let dir = tempfile::tempdir().expect("temp dir");
    let book = fixture();
    let builds: Vec<_> = (0..4)
        .map(|_| {
            let (book, dir) = (book.clone(), dir.path().to_owned());
            std::thread::spawn(move || Index::open_or_build(&book, &dir, |_, _| {}).map(|(i, _)| i))
        })
        .collect();
    for build in builds {
        let index = build.join().expect("no panic").expect("every start gets the index");
        assert!(!index.search("camera", 3, &[]).expect("search").is_empty());
    }
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 1, "one published index, no builds left behind: {left:?}");
}

#[test]
fn results_carry_title_url_snippet_and_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (index, _, _) = build(&fixture(), dir.path());
    let hits = index.search("How should I calibrate the cameras?", 3, &[]).expect("search");
    let top = &hits[0];
    assert_eq!(top.url, "/docs/basics/sensors#choosing-a-camera");
    assert_eq!(top.title, "Sensors › Choosing a camera");
    assert_eq!(top.snippet, "Calibrate every camera before use. Never look into a laser.");
    assert!(top.text.contains("CSI camera port"));
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score), "best first");
    assert!(index.search("camera", 1, &[]).expect("search").len() == 1, "k limits the results");
}

#[test]
fn boost_terms_reorder_without_matching_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (index, _, _) = build(&fixture(), dir.path());
    let boosted = index.search("shiny things", 5, &["Jetson".to_owned()]).expect("search");
    assert!(
        boosted.iter().all(|p| !p.text.contains("Jetson")),
        "a boost term alone matches nothing"
    );
    let plain = index.search("camera", 5, &[]).expect("search");
    let jetson = index.search("camera", 5, &["Jetson".to_owned()]).expect("search");
    assert_eq!(plain.len(), jetson.len());
    let score = |hits: &[lectern_tutor::Passage]| {
        hits.iter().find(|p| p.url.ends_with("#choosing-a-camera")).map(|p| p.score).expect("found")
    };
    assert!(score(&jetson) > score(&plain), "the Jetson section scores higher for a Jetson reader");
}

/// A book about one platform, "ROS 2", which nearly every section names. One section defines
/// a topic; another, whose heading names ROS 2, uses the word more often.
fn platform_book() -> Book {
    let mut docs = vec![
        (
            "01-basics.md".to_owned(),
            "---\ntitle: Basics\n---\n\n## Topics and messages\n\nA **topic** is a named channel \
             that carries messages.\n\n## IMUs\n\nAn **inertial measurement unit** measures \
             rotation.\n"
                .to_owned(),
        ),
        (
            "02-sim.md".to_owned(),
            "---\ntitle: Simulation\n---\n\n## Bridging the simulator and ROS 2\n\nThe bridge \
             forwards each topic to ROS 2, topic by topic, with ROS 2 types. An IMU is \
             simulated too.\n"
                .to_owned(),
        ),
    ];
    let boards = ["Jetson", "Raspberry Pi", "laptop", "desktop", "cloud", "Arduino"];
    docs.extend(boards.iter().enumerate().map(|(i, board)| {
        let doc = format!(
            "---\ntitle: {board}\n---\n\n## Setting up the {board}\n\nInstall ROS 2 on the \
             {board} and start your nodes.\n"
        );
        (format!("{:02}-board.md", i + 3), doc)
    }));
    Book::from_files(docs, Book::DEFAULT_BASE).expect("book")
}

#[test]
fn short_questions_find_the_section_that_defines_the_term() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (index, _, _) = build(&platform_book(), dir.path());
    let top = |q: &str| index.search(q, 1, &[]).expect("search")[0].url.clone();
    // "ROS 2" in a heading says little when the whole book is about ROS 2, and the bold
    // "topic" marks where the term is defined.
    assert_eq!(top("What is a topic in ROS 2?"), "/docs/basics#topics-and-messages");
    // "IMUs" is the plural of "IMU", though the stemmer keeps "imus" whole.
    assert_eq!(top("what is an IMU"), "/docs/basics#imus");
}

#[test]
fn hostile_queries_never_fail() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (index, _, _) = build(&fixture(), dir.path());
    let alphabet = b"\"():*^~[]{}!+-&|\\/ aZ9";
    let junk: String = (0..10_240).map(|i| char::from(alphabet[i % alphabet.len()])).collect();
    let queries = [
        "\"",
        "\"unterminated phrase",
        "AND OR NOT",
        "title:",
        "heading:camera",
        "(((",
        ")))",
        "",
        "   ",
        "*",
        "camera~2",
        "camera^100",
        "[a TO z]",
        "🤖🦾 robots?",
        "ロボット",
        "\0\u{1}",
        &junk,
    ];
    for query in queries {
        let hits = index.search(query, 3, &["Jetson".to_owned(), "(".to_owned()]);
        assert!(hits.is_ok(), "{query:?}: {:?}", hits.err());
    }
    let hits = index.search("heading:camera AND (calibrate", 3, &[]).expect("search");
    assert_eq!(hits[0].url, "/docs/basics/sensors#choosing-a-camera", "syntax is read as words");
    assert!(index.search("", 3, &[]).expect("search").is_empty());
    assert!(index.search("camera", 0, &[]).expect("k = 0 is no results, not an error").is_empty());
}

#[test]
fn the_index_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Index>();
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}
