//! Ingestion of a Docusaurus book: the URLs and anchors the site publishes, the titles, and
//! the text each section keeps once MDX noise is gone.

use lectern_tutor::{Book, Section, TutorError};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/book");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/book");

fn fixture() -> Book {
    Book::from_dir(FIXTURE, Book::DEFAULT_BASE).expect("the fixture book loads")
}

fn section<'a>(book: &'a Book, url: &str) -> &'a Section {
    book.sections().iter().find(|s| s.url == url).unwrap_or_else(|| panic!("no section {url}"))
}

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(p, c)| ((*p).to_owned(), (*c).to_owned())).collect()
}

#[test]
fn urls_anchors_and_titles_follow_docusaurus() {
    let book = fixture();
    let got: Vec<(&str, String)> =
        book.sections().iter().map(|s| (s.url.as_str(), s.title())).collect();
    let welcome = "Welcome to the Fixture Book";
    let expected = [
        ("/docs/intro", welcome.to_owned()),
        ("/docs/intro#getting-started", format!("{welcome} › Getting Started")),
        ("/docs/intro#getting-started-1", format!("{welcome} › Getting Started")),
        ("/docs/intro#whats-new-v20", format!("{welcome} › What's new? (v2.0)")),
        ("/docs/intro#my-anchor", format!("{welcome} › Custom anchor")),
        ("/docs/intro#running-ros2-with-colcon", format!("{welcome} › Running ros2 with colcon")),
        ("/docs/basics/sensors", "Sensors".to_owned()),
        ("/docs/basics/sensors#choosing-a-camera", "Sensors › Choosing a camera".to_owned()),
        ("/docs/basics/actuators#torque", "actuators › Torque".to_owned()),
        ("/docs/basics", "Basics".to_owned()),
        ("/docs/basics#overview", "Basics › Overview".to_owned()),
        ("/docs/advanced/renamed", "Relative: slug".to_owned()),
        ("/docs/custom/path", "Slugged".to_owned()),
    ];
    assert_eq!(got, expected.iter().map(|(u, t)| (*u, t.clone())).collect::<Vec<_>>());
}

#[test]
fn the_opening_text_drops_the_h1_and_markup() {
    let book = fixture();
    let intro = section(&book, "/docs/intro");
    assert_eq!(
        intro.text,
        "This book teaches robots. A robot is a machine that senses, thinks and acts."
    );
    assert_eq!(section(&book, "/docs/intro#whats-new-v20").text, "Shiny new things.");
}

#[test]
fn bold_spans_are_a_sections_key_terms() {
    let book = fixture();
    assert_eq!(section(&book, "/docs/intro#whats-new-v20").key_terms, ["new"]);
    assert!(section(&book, "/docs/intro").key_terms.is_empty());
    let sample = Book::from_dir(SAMPLE, Book::DEFAULT_BASE).expect("the sample book loads");
    let topics = section(&sample, "/docs/ros2/nodes-and-topics#topics-and-messages");
    assert_eq!(topics.key_terms, ["topic"]);
}

#[test]
fn mdx_imports_exports_and_components_are_stripped_but_their_text_kept() {
    let book = fixture();
    assert_eq!(
        section(&book, "/docs/basics/sensors").text,
        "Sensors tell the robot about the world.\n\nA lidar > a camera?"
    );
    assert_eq!(
        section(&book, "/docs/basics/sensors#choosing-a-camera").text,
        "Jetson. On a Jetson, use the CSI camera port.\n\nSimulation. In simulation, add a camera plugin.\n\n\
         Calibrate first\n\nCalibrate every camera before use.\n\nNever look into a laser."
    );
}

#[test]
fn code_blocks_are_kept_and_their_hashes_do_not_split() {
    let book = fixture();
    assert_eq!(
        section(&book, "/docs/intro#running-ros2-with-colcon").text,
        "```bash\n# build everything\n## this is not a heading\ncolcon build\n```\n\nAfter the build, source the workspace."
    );
}

#[test]
fn only_published_docs_are_read() {
    let book = Book::from_files(
        files(&[
            ("_category_.json", "{}"),
            ("node_modules/pkg/readme.md", "# Pkg\n\nnot a doc"),
            (".docusaurus/cache.md", "# Cache\n\nnot a doc"),
            ("a/_partial.mdx", "not a doc"),
            ("a/page.md", "# Page\n\nA doc."),
        ]),
        "/docs",
    )
    .expect("loads");
    assert_eq!(book.sections().len(), 1);
    assert_eq!(book.sections()[0].url, "/docs/a/page");
    let fixture = fixture();
    assert!(
        fixture
            .sections()
            .iter()
            .all(|s| !s.text.contains("Partial") && !s.text.contains("underscored"))
    );
}

#[test]
fn a_book_without_docs_is_an_error() {
    let err = Book::from_files(files(&[("_category_.json", "{}")]), "/docs").expect_err("no docs");
    assert!(matches!(err, TutorError::Book(_)), "{err}");
    assert!(matches!(Book::from_dir("/nonexistent/book", "/docs"), Err(TutorError::Io { .. })));
}

#[test]
fn a_full_base_url_prefixes_every_url() {
    let book = Book::from_files(
        files(&[("01-a/b.md", "## Hi there\n\nx")]),
        "https://book.example.com/docs/",
    )
    .expect("loads");
    assert_eq!(book.sections()[0].url, "https://book.example.com/docs/a/b#hi-there");
}

#[test]
fn the_content_hash_follows_paths_contents_and_base() {
    let hash = |list: &[(&str, &str)], base: &str| {
        Book::from_files(files(list), base).expect("loads").content_hash().to_owned()
    };
    let original = hash(&[("a.md", "text")], "/docs");
    assert_eq!(original, hash(&[("a.md", "text"), ("_category_.json", "{}")], "/docs"));
    assert_ne!(original, hash(&[("a.md", "text!")], "/docs"));
    assert_ne!(original, hash(&[("b.md", "text")], "/docs"));
    assert_ne!(original, hash(&[("a.md", "text")], "/book"));
}

#[test]
fn the_bundled_book_is_the_sample_book() {
    let bundled = Book::bundled(Book::DEFAULT_BASE).expect("the bundled book loads");
    let on_disk = Book::from_dir(SAMPLE, Book::DEFAULT_BASE).expect("examples/book loads");
    assert_eq!(bundled.content_hash(), on_disk.content_hash());
    assert_eq!(bundled.sections(), on_disk.sections());
}

/// The pages Lectern serves carry every anchor the citations link to, on the right page.
#[test]
fn pages_carry_every_cited_anchor() {
    for book in [fixture(), Book::from_dir(SAMPLE, Book::DEFAULT_BASE).expect("the sample book")] {
        let pages = book.pages();
        assert!(!pages.is_empty());
        for section in book.sections() {
            let (doc, anchor) = section.url.split_once('#').unwrap_or((&section.url, ""));
            let path = doc.strip_prefix(Book::DEFAULT_BASE).expect("under the base");
            let page = pages
                .iter()
                .find(|p| p.path == path)
                .unwrap_or_else(|| panic!("no page for {}", section.url));
            assert_eq!(page.title, section.doc_title);
            if !anchor.is_empty() {
                assert!(
                    page.html.contains(&format!(" id=\"{anchor}\"")),
                    "{} has no heading with id {anchor}",
                    page.path
                );
            }
        }
    }
}
