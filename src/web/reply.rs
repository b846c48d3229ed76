//! Replies that are not JSON: redirects, files and PDFs (with their ETag), streamed bodies.

use bytes::Bytes;
use sha2::{Digest, Sha256};
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::{Reply, Response};

/// A redirect after a form post or to a page elsewhere (303: the browser follows with GET).
pub fn see_other(location: &str) -> Response {
    let mut response = Response::new(bytes::Bytes::new().into());
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A rendered PDF with its strong ETag (the same document always renders the same bytes).
#[derive(Clone)]
pub struct Pdf {
    bytes: Bytes,
    tag: String,
}

impl Pdf {
    pub fn new(bytes: Vec<u8>) -> Pdf {
        let tag = format!("\"{}\"", hex(&Sha256::digest(&bytes)[..16]));
        Pdf {
            bytes: bytes.into(),
            tag,
        }
    }
}

/// A PDF by its ETag: 304 when the client has it.
pub fn pdf_reply(
    pdf: &Pdf,
    name: &str,
    ascii: &str,
    download: bool,
    if_none_match: Option<&str>,
) -> Response {
    let tag = &pdf.tag;
    if if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == tag)) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        insert(&mut response, header::ETAG, tag);
        return response;
    }
    file_response(
        pdf.bytes.clone(),
        "application/pdf",
        name,
        ascii,
        download,
        Some(tag),
    )
}

/// A file download: `inline` or `attachment`, with the UTF-8 name (RFC 6266 / 5987) and an ASCII one for clients
/// that know no better.
pub fn file_response(
    bytes: impl Into<Bytes>,
    content_type: &'static str,
    name: &str,
    ascii: &str,
    download: bool,
    etag: Option<&str>,
) -> Response {
    let encoded = percent_encoding::utf8_percent_encode(name, ATTR_CHAR);
    let disposition = format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
        if download { "attachment" } else { "inline" }
    );
    let bytes: Bytes = bytes.into();
    let mut response = Response::new(bytes.into());
    insert(&mut response, header::CONTENT_TYPE, content_type);
    insert(&mut response, header::CONTENT_DISPOSITION, &disposition);
    insert(&mut response, header::CACHE_CONTROL, "private, no-cache");
    if let Some(tag) = etag {
        insert(&mut response, header::ETAG, tag);
    }
    response
}

fn insert(response: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, v);
    }
}

/// What RFC 5987 leaves unencoded in a file name besides letters and digits.
const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A response body produced by `produce`, which sends chunks into the channel it is given (and stops
/// when a send fails: the client went away). Runs as its own task, a few chunks ahead of the client.
pub fn stream_chunks<F, Fut>(
    produce: F,
) -> tokio_stream::wrappers::ReceiverStream<Result<bytes::Bytes, std::io::Error>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<bytes::Bytes, std::io::Error>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(produce(tx));
    tokio_stream::wrappers::ReceiverStream::new(rx)
}
