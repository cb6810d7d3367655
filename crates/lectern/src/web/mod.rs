//! What a browser loads from Lectern itself: the widget (`/widget.js` and its stylesheet)
//! and the demo site, the book's pages with the widget on them (`/` and `/docs/*`).
//!
//! Everything is built in memory at start: the files in `web/` are embedded in the binary,
//! so there is no build step and nothing to deploy beside it.

mod assets;
mod demo;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use lectern_tutor::Page;

pub use assets::Asset;
use assets::Caching;

/// The widget's files. Its stylesheet's URL is only known once hashed, so the script gets
/// it written in where it says `__LECTERN_CSS_URL__`.
#[derive(Debug)]
pub struct Widget {
    pub script: Asset,
    pub style: Asset,
}

impl Widget {
    fn build() -> Self {
        let style = Asset::new("text/css; charset=utf-8", CSS.as_bytes().to_vec());
        let script = format!("(() => {{\n\"use strict\";\n{}}})();\n", JS.concat())
            .replace(CSS_PLACEHOLDER, &format!("/assets/widget.{}.css", style.hash()));
        Self { script: Asset::new(JS_TYPE, script.into_bytes()), style }
    }

    /// The embedded widget, built once per process.
    pub fn get() -> &'static Self {
        static WIDGET: LazyLock<Widget> = LazyLock::new(Widget::build);
        &WIDGET
    }

    /// The URL that names this version of the script.
    pub fn script_url(&self) -> String {
        format!("/assets/widget.{}.js", self.script.hash())
    }
}

/// The script's parts in the order they run, joined inside one function: one scope, as if
/// they were one file, and no build step.
const JS: [&str; 10] = [
    include_str!("../../../../web/widget/base.js"),
    include_str!("../../../../web/widget/api.js"),
    include_str!("../../../../web/widget/shell.js"),
    include_str!("../../../../web/widget/auth.js"),
    include_str!("../../../../web/widget/reset.js"),
    include_str!("../../../../web/widget/profile.js"),
    include_str!("../../../../web/widget/chat.js"),
    include_str!("../../../../web/widget/messages.js"),
    include_str!("../../../../web/widget/ask.js"),
    include_str!("../../../../web/widget/mount.js"),
];
const CSS: &str = include_str!("../../../../web/widget/widget.css");
const CSS_PLACEHOLDER: &str = "__LECTERN_CSS_URL__";
const JS_TYPE: &str = "text/javascript; charset=utf-8";

/// The demo site: the book's pages, rendered once.
#[derive(Debug)]
pub struct Site {
    pages: demo::Pages,
}

impl Site {
    /// `examples`: questions the widget offers on an empty conversation.
    pub fn new(pages: &[Page], examples: &[&str]) -> Self {
        Self { pages: demo::Pages::render(pages, examples, Widget::get()) }
    }
}

/// The widget's routes, and the demo site's when there is one.
pub fn routes(site: Option<Arc<Site>>) -> Router {
    let widget = Router::new()
        .route(
            "/widget.js",
            get(|headers: HeaderMap| async move {
                Widget::get().script.respond(&headers, Caching::Short)
            }),
        )
        .route("/assets/{file}", get(asset));
    match site {
        Some(site) => widget.merge(
            Router::new()
                .route("/", get(demo::home))
                .route("/docs", get(demo::home_under_docs))
                .route("/docs/{*path}", get(demo::page))
                .with_state(site),
        ),
        None => widget,
    }
}

/// `/assets/<name>.<hash>.<ext>`: a hash that is not the current one is a 404, not stale
/// contents under a name that promises they never change.
async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    static BY_NAME: LazyLock<HashMap<String, &'static Asset>> = LazyLock::new(|| {
        let widget = Widget::get();
        [
            ("widget", &widget.script, "js"),
            ("widget", &widget.style, "css"),
            ("demo", demo::stylesheet(), "css"),
        ]
        .into_iter()
        .map(|(name, asset, ext)| (format!("{name}.{}.{ext}", asset.hash()), asset))
        .collect()
    });
    match BY_NAME.get(&file) {
        Some(asset) => asset.respond(&headers, Caching::Immutable),
        None => crate::middleware::not_found().await,
    }
}
