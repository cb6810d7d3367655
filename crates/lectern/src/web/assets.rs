//! Static files served from memory: compressed once at start, named by a hash of their
//! contents so they can be cached for a year, and revalidated by that hash where the URL
//! has to stay fixed (`/widget.js` in an author's `<script>` tag).

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

#[derive(Debug)]
pub struct Asset {
    content_type: &'static str,
    body: Bytes,
    gzip: Bytes,
    /// The first 16 hex digits of the SHA-256 of `body`.
    hash: String,
    etag: HeaderValue,
}

/// How long a browser may reuse a response without asking again.
#[derive(Debug, Clone, Copy)]
pub enum Caching {
    /// The URL names the contents: never changes.
    Immutable,
    /// A fixed URL whose contents change with a release: reused for five minutes, then
    /// revalidated with `If-None-Match` (a 304 without a body when nothing changed).
    Short,
}

impl Asset {
    pub fn new(content_type: &'static str, body: Vec<u8>) -> Self {
        let hash = hex::encode(&Sha256::digest(&body)[..8]);
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&body).expect("writing to memory cannot fail");
        let gzip = encoder.finish().expect("writing to memory cannot fail");
        let etag = HeaderValue::try_from(format!("\"{hash}\"")).expect("hex is a valid header");
        Self { content_type, body: body.into(), gzip: gzip.into(), hash, etag }
    }

    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// Bytes on the wire for a client that accepts gzip.
    pub fn compressed_len(&self) -> usize {
        self.gzip.len()
    }

    pub fn respond(&self, request: &HeaderMap, caching: Caching) -> Response {
        let cache_control = match caching {
            Caching::Immutable => "public, max-age=31536000, immutable",
            Caching::Short => "public, max-age=300",
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
        headers.insert(header::ETAG, self.etag.clone());
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        if request.get(header::IF_NONE_MATCH).is_some_and(|tags| self.matches(tags)) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        let body = if accepts_gzip(request) {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            self.gzip.clone()
        } else {
            self.body.clone()
        };
        (headers, Body::from(body)).into_response()
    }

    fn matches(&self, tags: &HeaderValue) -> bool {
        let tags = tags.to_str().unwrap_or_default();
        tags.trim() == "*"
            || tags.split(',').any(|tag| tag.trim().trim_start_matches("W/") == self.etag)
    }
}

/// `Accept-Encoding` lists gzip (or `*`) without `q=0`.
fn accepts_gzip(request: &HeaderMap) -> bool {
    request.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse() == Ok(0.0)));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.clone(), HeaderValue::from_str(v).expect("valid"))).collect()
    }

    #[test]
    fn gzip_is_chosen_only_when_accepted() {
        assert!(accepts_gzip(&headers(&[(header::ACCEPT_ENCODING, "gzip, deflate, br")])));
        assert!(accepts_gzip(&headers(&[(header::ACCEPT_ENCODING, "br;q=1, GZIP;q=0.5")])));
        assert!(!accepts_gzip(&headers(&[(header::ACCEPT_ENCODING, "gzip;q=0, br")])));
        assert!(!accepts_gzip(&headers(&[(header::ACCEPT_ENCODING, "identity")])));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn revalidation_matches_the_hash_only() {
        let asset = Asset::new("text/plain", b"hello".to_vec());
        let tag = format!("\"{}\"", asset.hash());
        let res = asset.respond(&headers(&[(header::IF_NONE_MATCH, &tag)]), Caching::Short);
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        let weak = format!("\"x\", W/{tag}");
        let res = asset.respond(&headers(&[(header::IF_NONE_MATCH, &weak)]), Caching::Short);
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        let res = asset.respond(&headers(&[(header::IF_NONE_MATCH, "\"x\"")]), Caching::Short);
        assert_eq!(res.status(), StatusCode::OK);
    }
}
