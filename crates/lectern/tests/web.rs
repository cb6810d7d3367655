//! What a browser loads from Lectern itself: the widget's script and stylesheet (compressed,
//! named by their hash, revalidated by it) and the demo site's pages, whose headings carry
//! the anchors every citation links to.

mod common;

use std::io::Read;
use std::sync::Arc;

use common::TestApp;
use lectern::web::Site;
use lectern_api::merge::ReaderMerge;
use lectern_testkit::{Backend, TestResponse};
use lectern_tutor::Book;

async fn app() -> TestApp {
    let book = Book::bundled("/docs").expect("the bundled book");
    let reading = lectern::Reading {
        site: Some(Arc::new(Site::new(&book.pages(), &["What is a topic?", "Why & how?"]))),
        ..Default::default()
    };
    TestApp::build_with(Backend::Sqlite, |_| {}, Arc::new(ReaderMerge), reading).await
}

fn gunzip(res: &TestResponse) -> String {
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(res.body.as_slice()).read_to_string(&mut text).expect("gzip");
    text
}

fn text(res: &TestResponse) -> String {
    String::from_utf8(res.body.clone()).expect("UTF-8")
}

/// The stylesheet URL the served script loads.
fn css_url(script: &str) -> String {
    let start = script.find("/assets/widget.").expect("the stylesheet URL is written in");
    let end = start + script[start..].find(".css").expect("a .css URL") + 4;
    script[start..end].to_owned()
}

#[tokio::test]
async fn the_widget_is_served_compressed_and_revalidated_by_its_hash() {
    let app = app().await;
    let plain = app.client.get("/widget.js").send().await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(plain.header("cache-control"), Some("public, max-age=300"));
    assert_eq!(plain.header("x-content-type-options"), Some("nosniff"));
    let script = text(&plain);
    assert!(!script.contains("__LECTERN_CSS_URL__"), "the placeholder is replaced");

    let zipped = app.client.get("/widget.js").header("accept-encoding", "gzip, br").send().await;
    assert_eq!(gunzip(&zipped), script);
    assert_eq!(zipped.header("vary"), Some("Accept-Encoding"));

    let etag = plain.header("etag").expect("an ETag");
    let again = app.client.get("/widget.js").header("if-none-match", etag).send().await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    let css = app.client.get(&css_url(&script)).header("accept-encoding", "gzip").send().await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert!(gunzip(&css).contains(":host"), "the shadow root's stylesheet");

    // What an author's page downloads, together: the budget is 40 KB.
    let wire = zipped.body.len() + css.body.len();
    assert!(wire < 40 * 1024, "widget.js + widget.css are {wire} bytes compressed");
}

#[tokio::test]
async fn hashed_urls_name_only_the_current_contents() {
    let app = app().await;
    let script = text(&app.client.get("/widget.js").send().await);
    let etag = app.client.get("/widget.js").send().await.header("etag").map(str::to_owned);
    let hash = etag.expect("an ETag").trim_matches('"').to_owned();
    let pinned = app.client.get(&format!("/assets/widget.{hash}.js")).send().await;
    assert_eq!(pinned.status, 200);
    assert_eq!(text(&pinned), script);
    for stale in ["/assets/widget.0000000000000000.js", "/assets/widget.css", "/assets/x"] {
        app.client.get(stale).send().await.assert_error(404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn the_demo_page_shows_the_first_chapter_with_the_widget() {
    let app = app().await;
    let home = app.client.get("/").send().await;
    assert_eq!(home.status, 200);
    assert_eq!(home.header("content-type"), Some("text/html; charset=utf-8"));
    let csp = home.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    let html = text(&home);
    assert!(html.contains("<title>Introduction to Physical AI · Lectern demo</title>"), "{html}");
    assert!(html.contains(r#"<script src="/assets/widget."#) && html.contains("data-lectern"));
    assert!(html.contains(r#"<a href="/docs/ros2/nodes-and-topics">Nodes and Topics</a>"#));
    assert!(html.contains(r#"data-examples="What is a topic?|Why &amp; how?""#), "escaped");

    // The stylesheet and script it names are served.
    for prefix in [r#"<link rel="stylesheet" href=""#, r#"<script src=""#] {
        let start = html.find(prefix).expect("linked") + prefix.len();
        let url = &html[start..start + html[start..].find('"').expect("quoted")];
        assert_eq!(app.client.get(url).send().await.status, 200, "{url}");
    }
}

#[tokio::test]
async fn every_citation_lands_on_a_heading_of_a_served_page() {
    let app = app().await;
    let book = Book::bundled("/docs").expect("the bundled book");
    let mut pages = std::collections::HashMap::new();
    for section in book.sections() {
        let (page, anchor) = section.url.split_once('#').unwrap_or((&section.url, ""));
        if !pages.contains_key(page) {
            let res = app.client.get(page).send().await;
            assert_eq!(res.status, 200, "{page}");
            pages.insert(page.to_owned(), text(&res));
        }
        let html = &pages[page];
        let current = format!(r#"<a href="{page}" aria-current="page">"#);
        assert!(html.contains(&current), "{page} marks itself in the sidebar");
        if !anchor.is_empty() {
            assert!(html.contains(&format!(" id=\"{anchor}\"")), "{} has no #{anchor}", page);
        }
    }
    assert!(pages.len() > 20, "all the book's pages: {}", pages.len());
}

#[tokio::test]
async fn unknown_pages_are_a_404_page() {
    let app = app().await;
    for path in ["/docs/no-such-page", "/docs/ros2/nodes-and-topics/extra"] {
        let res = app.client.get(path).send().await;
        assert_eq!(res.status, 404, "{path}");
        assert!(text(&res).contains("No such page"));
    }
    // A trailing slash is the same page, as static hosts serve it.
    assert_eq!(app.client.get("/docs/ros2/nodes-and-topics/").send().await.status, 200);
}

#[tokio::test]
async fn without_a_book_only_the_widget_is_served() {
    let app = TestApp::new(Backend::Sqlite).await;
    assert_eq!(app.client.get("/widget.js").send().await.status, 200);
    app.client.get("/").send().await.assert_error(404, "NOT_FOUND");
}
