//! The demo site: each page of the book in one HTML template, with a sidebar of every page
//! and the widget's script tag, so `lectern serve` shows the whole product in a browser and
//! the citations in answers (`/docs/<page>#<heading>` by default) land on a real heading.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use lectern_tutor::Page;
use lectern_tutor::render::escape;

use super::assets::{Asset, Caching};
use super::{Site, Widget};

const TEMPLATE: &str = include_str!("../../../../web/demo.html");
const CSS: &str = include_str!("../../../../web/demo.css");

/// Only Lectern's own files run or style the page; the widget talks to Lectern itself.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn stylesheet() -> &'static Asset {
    static CSS_ASSET: LazyLock<Asset> =
        LazyLock::new(|| Asset::new("text/css; charset=utf-8", CSS.as_bytes().to_vec()));
    &CSS_ASSET
}

#[derive(Debug)]
pub struct Pages {
    /// By route below `/docs`: `/ros2/nodes-and-topics`, or empty for the book's root.
    by_path: HashMap<String, Asset>,
    /// The route of the first page in reading order, which `/` shows.
    first: String,
}

impl Pages {
    pub fn render(pages: &[Page], examples: &[&str], widget: &Widget) -> Self {
        let examples = escape(&examples.join("|"));
        let nav = nav(pages);
        let by_path = pages
            .iter()
            .enumerate()
            .map(|(i, page)| {
                let around = (i.checked_sub(1).map(|p| &pages[p]), pages.get(i + 1));
                let html = document(page, &nav, around, &examples, widget);
                (page.path.clone(), Asset::new("text/html; charset=utf-8", html.into_bytes()))
            })
            .collect();
        let first = pages.first().map(|p| p.path.clone()).unwrap_or_default();
        Self { by_path, first }
    }

    fn respond(&self, path: &str, headers: &HeaderMap) -> Response {
        let Some(page) = self.by_path.get(path.trim_end_matches('/')) else {
            return not_found();
        };
        let mut res = page.respond(headers, Caching::Short);
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        res
    }
}

pub async fn home(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    site.pages.respond(&site.pages.first, &headers)
}

pub async fn home_under_docs(State(site): State<Arc<Site>>, headers: HeaderMap) -> Response {
    site.pages.respond("", &headers)
}

pub async fn page(
    State(site): State<Arc<Site>>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    site.pages.respond(&format!("/{path}"), &headers)
}

fn not_found() -> Response {
    let mut res = axum::response::IntoResponse::into_response((
        axum::http::StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><title>Not found</title><p>No such page. <a href=\"/\">Back to the book</a>.",
    ));
    res.headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    res
}

fn href(page: &Page) -> String {
    format!("/docs{}", page.path)
}

/// The sidebar: every page in reading order, as `(href, escaped title)`.
fn nav(pages: &[Page]) -> Vec<(String, String)> {
    pages.iter().map(|p| (href(p), escape(&p.title))).collect()
}

fn document(
    page: &Page,
    nav: &[(String, String)],
    (previous, next): (Option<&Page>, Option<&Page>),
    examples: &str,
    widget: &Widget,
) -> String {
    let here = href(page);
    let mut links = String::new();
    for (url, title) in nav {
        let current = if *url == here { r#" aria-current="page""# } else { "" };
        links.push_str(&format!("<li><a href=\"{url}\"{current}>{title}</a></li>\n"));
    }
    let step = |page: Option<&Page>, rel: &str, label: &str| {
        page.map_or_else(String::new, |p| {
            format!(
                "<a class=\"step {rel}\" rel=\"{rel}\" href=\"{}\"><span>{label}</span>{}</a>",
                href(p),
                escape(&p.title)
            )
        })
    };
    let heading = if page.html.trim_start().starts_with("<h1") {
        String::new()
    } else {
        format!("<h1>{}</h1>\n", escape(&page.title))
    };
    // The page's own text goes in last, so nothing in it is mistaken for a placeholder.
    TEMPLATE
        .replace("{{title}}", &escape(&page.title))
        .replace("{{css}}", &format!("/assets/demo.{}.css", stylesheet().hash()))
        .replace("{{widget}}", &widget.script_url())
        .replace("{{examples}}", examples)
        .replace("{{nav}}", &links)
        .replace("{{previous}}", &step(previous, "prev", "Previous"))
        .replace("{{next}}", &step(next, "next", "Next"))
        .replace("{{content}}", &format!("{heading}{}", page.html))
}
