//! A raw HTTP/1.1 client: the test controls every header byte, and sees every one.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// An HTTP response, headers lowercased.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Every header, names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: String,
}

impl Response {
    /// The first header called `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A raw HTTP/1.1 request (the test controls every header byte).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // A server may answer (413) and close before reading a large body.
    let _ = stream.write_all(body.as_bytes());
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_response(&raw)
}

/// Parses a raw HTTP/1.1 response (read to the end of the connection). Panics, showing the
/// bytes, when they are not one: a test must not read a half-sent answer as a short one.
pub fn parse_response(raw: &[u8]) -> Response {
    let shown = || String::from_utf8_lossy(raw);
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut head = httparse::Response::new(&mut headers);
    let body_at = match head.parse(raw) {
        Ok(httparse::Status::Complete(at)) => at,
        Ok(httparse::Status::Partial) => panic!("the response ends inside its head: {:?}", shown()),
        Err(e) => panic!("not an HTTP/1.1 response ({e}): {:?}", shown()),
    };
    let status = head.code.expect("a complete head has a status");
    let headers: Vec<(String, String)> = head
        .headers
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value).trim().to_owned();
            (h.name.to_ascii_lowercase(), value)
        })
        .collect();
    let body = &raw[body_at..];
    let body = if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        dechunk(body).unwrap_or_else(|why| panic!("{why}: {:?}", shown()))
    } else {
        body.to_vec()
    };
    Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// The data of a chunked body, up to its last (empty) chunk.
fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::new();
    loop {
        let (data_at, size) = match httparse::parse_chunk_size(body) {
            Ok(httparse::Status::Complete(chunk)) => chunk,
            Ok(httparse::Status::Partial) => return Err("the body ends before its last chunk"),
            Err(httparse::InvalidChunkSize) => return Err("a chunk size is not hex"),
        };
        if size == 0 {
            return Ok(out);
        }
        let data = usize::try_from(size)
            .ok()
            .and_then(|size| body.get(data_at..data_at.checked_add(size)?))
            .ok_or("the body ends inside a chunk")?;
        out.extend_from_slice(data);
        body = body[data_at + data.len()..]
            .strip_prefix(b"\r\n")
            .ok_or("a chunk does not end with CRLF")?;
    }
}

/// Form-encodes one field (`application/x-www-form-urlencoded`, as a browser sends it).
pub fn form(name: &str, value: &str) -> String {
    form_body(&[(name, value)])
}

/// The headers of an htmx request from a page whose manifest is `mounted`.
pub fn htmx_headers<'a>(mounted: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut headers = vec![("HX-Request", "true"), ("X-PJX-Mounted", mounted)];
    headers.extend_from_slice(extra);
    headers
}

/// A client that keeps cookies between requests, as a browser does (names and values only:
/// every cookie goes back to the one test server).
#[derive(Debug, Clone)]
pub struct Client {
    addr: SocketAddr,
    cookies: Vec<(String, String)>,
}

impl Client {
    /// A client of the server at `addr`, with no cookies.
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            cookies: Vec::new(),
        }
    }

    /// One request, with the cookies; keeps the cookies the answer sets.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response {
        let cookie = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if !cookie.is_empty() {
            all.push(("Cookie", &cookie));
        }
        let response = request(self.addr, method, path, &all, body);
        for (name, value) in &response.headers {
            if name != "set-cookie" {
                continue;
            }
            let pair = value.split(';').next().unwrap_or_default();
            if let Some((n, v)) = pair.split_once('=') {
                self.cookies.retain(|(have, _)| have != n.trim());
                if !v.is_empty() {
                    self.cookies
                        .push((n.trim().to_owned(), v.trim().to_owned()));
                }
            }
        }
        response
    }

    /// The same cookies, sent to another server.
    pub fn to(&self, addr: SocketAddr) -> Client {
        Client {
            addr,
            cookies: self.cookies.clone(),
        }
    }

    /// A GET.
    pub fn get(&mut self, path: &str) -> Response {
        self.request("GET", path, &[], "")
    }
}

/// Form-encodes fields: `form_body(&[("a", "1"), ("b", "x y")])` → `a=1&b=x+y`.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_encoded_as_browsers_encode_them() {
        assert_eq!(form_body(&[("a", "1"), ("b", "x y")]), "a=1&b=x+y");
        assert_eq!(
            form("text", "  Buy <oat> & tea ✓"),
            "text=++Buy+%3Coat%3E+%26+tea+%E2%9C%93"
        );
        assert_eq!(form("a b=", "%"), "a+b%3D=%25");
    }

    #[test]
    fn responses_are_read_with_their_chunked_bodies() {
        let res = parse_response(
            b"HTTP/1.1 201 Created\r\nX-One: a \r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\na;ext=1\r\n0123456789\r\n0\r\n\r\n",
        );
        assert_eq!(res.status, 201);
        assert_eq!(res.header("x-one"), Some("a"));
        assert_eq!(res.body, "abc0123456789");
        let res = parse_response(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
        assert_eq!((res.status, res.body.as_str()), (204, ""));
    }

    #[test]
    fn a_cut_chunked_body_is_an_error_not_a_short_body() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n"),
            Err("the body ends before its last chunk")
        );
        assert_eq!(dechunk(b"5\r\nabc"), Err("the body ends inside a chunk"));
        assert_eq!(dechunk(b"3\r\nabcX"), Err("a chunk does not end with CRLF"));
        assert_eq!(dechunk(b"zz\r\n"), Err("a chunk size is not hex"));
    }

    #[test]
    #[should_panic(expected = "the response ends inside its head")]
    fn a_cut_head_panics() {
        parse_response(b"HTTP/1.1 200 OK\r\nContent-Le");
    }
}
