//! An HTTP client for an in-process [`Router`] that behaves like a browser tab: it keeps
//! the cookies the server sets and sends them back, and sends an `Origin` header.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

#[derive(Debug)]
pub struct TestClient {
    app: Router,
    origin: Option<String>,
    peer: SocketAddr,
    jar: Mutex<BTreeMap<String, String>>,
}

impl TestClient {
    /// A client that sends `Origin: origin` on every request, as a browser on that page.
    pub fn new(app: Router, origin: Option<&str>) -> Self {
        Self {
            app,
            origin: origin.map(str::to_owned),
            peer: SocketAddr::from(([127, 0, 0, 1], 50000)),
            jar: Mutex::default(),
        }
    }

    /// Another "browser" on the same server: no cookies, its own client address.
    pub fn fork(&self, peer: SocketAddr) -> Self {
        Self { app: self.app.clone(), origin: self.origin.clone(), peer, jar: Mutex::default() }
    }

    pub fn get(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> TestRequest<'_> {
        self.request(Method::POST, path)
    }

    pub fn request(&self, method: Method, path: &str) -> TestRequest<'_> {
        let mut headers = HeaderMap::new();
        if let Some(origin) = &self.origin {
            headers.insert(header::ORIGIN, HeaderValue::try_from(origin.as_str()).expect("origin"));
        }
        TestRequest {
            client: self,
            method,
            path: path.to_owned(),
            headers,
            body: Vec::new(),
            cookies: true,
        }
    }

    /// The cookie jar's value for `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().expect("jar").get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar.lock().expect("jar").insert(name.to_owned(), value.to_owned());
    }

    pub fn clear_cookies(&self) {
        self.jar.lock().expect("jar").clear();
    }

    fn cookie_header(&self) -> Option<HeaderValue> {
        let jar = self.jar.lock().expect("jar");
        if jar.is_empty() {
            return None;
        }
        let line = jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        HeaderValue::try_from(line).ok()
    }

    fn store_cookies(&self, headers: &HeaderMap) {
        let mut jar = self.jar.lock().expect("jar");
        for set in headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let mut parts = set.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let expired = parts.any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
            if expired || value.is_empty() {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_owned(), value.to_owned());
            }
        }
    }
}

#[derive(Debug)]
pub struct TestRequest<'a> {
    client: &'a TestClient,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
    cookies: bool,
}

impl TestRequest<'_> {
    pub fn json(mut self, body: &Value) -> Self {
        self.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.body = serde_json::to_vec(body).expect("serialisable JSON");
        self
    }

    /// A raw body with the given content type.
    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::try_from(content_type).expect("content type"),
        );
        self.body = body.into();
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::try_from(name).expect("header name");
        self.headers.insert(name, HeaderValue::try_from(value).expect("header value"));
        self
    }

    pub fn without_header(mut self, name: &str) -> Self {
        self.headers.remove(name);
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// Send no cookies with this request (the jar still records what comes back).
    pub fn without_cookies(mut self) -> Self {
        self.cookies = false;
        self
    }

    fn into_request(self) -> Request<Body> {
        let mut request = Request::builder().method(self.method).uri(&self.path);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if self.cookies {
            if let Some(cookie) = self.client.cookie_header() {
                request = request.header(header::COOKIE, cookie);
            }
        }
        let mut request = request.body(Body::from(self.body)).expect("a valid request");
        request.extensions_mut().insert(ConnectInfo(self.client.peer));
        request
    }

    pub async fn send(self) -> TestResponse {
        let client = self.client;
        let request = self.into_request();
        let response = client.app.clone().oneshot(request).await.expect("infallible router");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("response body").to_bytes().to_vec();
        client.store_cookies(&parts.headers);
        TestResponse { status: parts.status, headers: parts.headers, body: bytes }
    }

    /// Reads the response's first body frame, then drops the response, as a browser tab
    /// closed in the middle of a stream does. Returns the status.
    pub async fn send_and_leave(self) -> StatusCode {
        let client = self.client;
        let response =
            client.app.clone().oneshot(self.into_request()).await.expect("infallible router");
        let status = response.status();
        let mut body = response.into_body();
        body.frame().await.expect("a first frame").expect("readable");
        status
    }

    /// Sends the request and hands back the response with its body unread, to be read as it
    /// arrives (a Server-Sent Events answer, say) with [`TestStream::next_event`].
    pub async fn stream(self) -> TestStream {
        let client = self.client;
        let response =
            client.app.clone().oneshot(self.into_request()).await.expect("infallible router");
        let (parts, body) = response.into_parts();
        client.store_cookies(&parts.headers);
        TestStream { status: parts.status, headers: parts.headers, body, pending: String::new() }
    }
}

/// A response whose body is read while it streams.
#[derive(Debug)]
pub struct TestStream {
    pub status: StatusCode,
    pub headers: HeaderMap,
    body: Body,
    /// Text received but not yet returned as an event.
    pending: String,
}

impl TestStream {
    /// The next Server-Sent Event as (event name, data), waiting for it as long as the server
    /// takes; `None` once the body ends. Comment-only blocks (keep-alives) are skipped.
    pub async fn next_event(&mut self) -> Option<(String, String)> {
        loop {
            while let Some(end) = self.pending.find("\n\n") {
                let block: String = self.pending.drain(..end + 2).collect();
                let field = |name: &str| {
                    block.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned())
                };
                if let Some(data) = field("data:") {
                    return Some((field("event:").unwrap_or_else(|| "message".into()), data));
                }
            }
            let frame = self.body.frame().await?.expect("a readable body");
            if let Ok(data) = frame.into_data() {
                self.pending.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!("not JSON ({err}): {:?}", String::from_utf8_lossy(&self.body))
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).collect()
    }

    /// Asserts the status and Better Auth's error code, with the body in the failure message.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", String::from_utf8_lossy(&self.body));
        assert_eq!(self.json()["code"], code, "body: {}", String::from_utf8_lossy(&self.body));
    }

    #[track_caller]
    pub fn assert_ok(&self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", String::from_utf8_lossy(&self.body));
        self.json()
    }
}
