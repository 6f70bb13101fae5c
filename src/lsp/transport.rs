//! The Language Server Protocol's base protocol, read and written here rather than by a crate:
//! `Content-Length` framing and JSON-RPC 2.0 messages, checked as the specification says, with
//! a reader that recovers from whatever a broken client sends instead of giving up the stream.
//!
//! A frame is header lines (`Name: value`, each ended by CRLF), an empty line, and exactly
//! `Content-Length` bytes of body. A header line ended by a bare LF is accepted: where the
//! header ends is just as clear, and refusing it would lose a message for nothing. Bytes that
//! are not a frame are skipped up to the next `Content-Length:` (any case), which is where
//! the next frame starts; a header block without a usable `Content-Length` (missing, negative,
//! not a number, contradicting itself) is skipped the same way, and so is one over
//! [`MAX_CONTENT_LENGTH`], which is refused before anything is allocated for its body. A body
//! that is not JSON is answered with -32700, JSON that is not a JSON-RPC message with -32600
//! (id null when it cannot be known). Only the end of the input inside a frame is fatal.

use serde_json::{json, Value};
use std::io::{self, Read, Write};

/// The largest body accepted, 64 MiB (a workspace's largest manifest is a few MiB; a document
/// is sent whole on every change).
pub const MAX_CONTENT_LENGTH: u64 = 64 << 20;

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INTERNAL_ERROR: i64 = -32603;
pub const SERVER_NOT_INITIALIZED: i64 = -32002;

/// Where a frame starts, compared without case; searched for to find the next frame after
/// bytes that are not one.
const HEADER: &[u8] = b"content-length:";

/// A header line longer than this is not a header; only its end is kept, which is where the
/// next frame's `Content-Length:` would be.
const MAX_LINE: usize = 64 << 10;

/// How much is read from the input at once.
const CHUNK: usize = 64 << 10;

/// A message from the client, checked as JSON-RPC 2.0 says.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// `id` is a string or an integer (what LSP allows).
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    Notification {
        method: String,
        params: Value,
    },
    /// An answer to a request of the server's (result or error): nothing waits for it.
    Response,
    /// Not a message the server can act on: answered with this error (id null when unknown).
    Invalid {
        id: Value,
        code: i64,
        message: String,
    },
}

/// What the reader got from the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// A message, valid or not (`Message::Invalid` is answered).
    Message(Message),
    /// Bytes that are not a message, skipped: why, for the log.
    Skipped(String),
}

/// Why the reader stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The input ended between frames.
    Closed,
    /// The input ended inside a frame, or could not be read.
    Broken(String),
}

/// Frames from a byte stream, with its own buffer so that bytes can be read again: a body
/// longer than its message (a `Content-Length` too large) holds the start of the next frame.
pub struct Reader<R> {
    inner: R,
    /// Unread input is `buf[pos..]`.
    buf: Vec<u8>,
    pos: usize,
    /// The last header block was unusable: skip to the next `Content-Length:` first.
    resync: bool,
}

impl<R: Read> Reader<R> {
    pub fn new(inner: R) -> Reader<R> {
        Reader { inner, buf: Vec::new(), pos: 0, resync: false }
    }

    /// Reads more input; false at its end.
    fn fill(&mut self) -> Result<bool, End> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos >= CHUNK {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let start = self.buf.len();
        self.buf.resize(start + CHUNK, 0);
        loop {
            match self.inner.read(&mut self.buf[start..]) {
                Ok(n) => {
                    self.buf.truncate(start + n);
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(start);
                    return Err(End::Broken(format!("cannot read the input: {e}")));
                }
            }
        }
    }

    /// Puts bytes back in front of the unread input.
    fn unread(&mut self, bytes: &[u8]) {
        self.buf.splice(self.pos..self.pos, bytes.iter().copied());
    }

    /// The next line with its `\n` (at the end of the input, what is left, if anything), and
    /// how many bytes of its start were dropped because it was too long.
    fn line(&mut self) -> Result<Option<(Vec<u8>, usize)>, End> {
        let mut line = Vec::new();
        let mut dropped = 0;
        loop {
            let unread = &self.buf[self.pos..];
            if let Some(i) = unread.iter().position(|b| *b == b'\n') {
                line.extend_from_slice(&unread[..=i]);
                self.pos += i + 1;
                break;
            }
            line.extend_from_slice(unread);
            self.pos = self.buf.len();
            if line.len() > 2 * MAX_LINE {
                let cut = line.len() - MAX_LINE;
                line.drain(..cut);
                dropped += cut;
            }
            if !self.fill()? {
                break;
            }
        }
        Ok((!line.is_empty() || dropped > 0).then_some((line, dropped)))
    }

    /// Skips to the next `Content-Length:` (kept unread); returns how many bytes were skipped.
    fn skip_to_header(&mut self) -> Result<usize, End> {
        let mut skipped = 0;
        loop {
            let unread = &self.buf[self.pos..];
            if let Some(i) = find_header(unread) {
                self.pos += i;
                return Ok(skipped + i);
            }
            // Keep what could be the start of a `Content-Length:` cut by the buffer's end.
            let keep = partial_header_suffix(unread);
            let skip = unread.len() - keep;
            skipped += skip;
            self.pos += skip;
            let kept = self.buf[self.pos..].to_vec();
            if !self.fill_keeping(&kept)? {
                return Err(End::Broken(format!("the input ended inside a message that could not be read ({skipped} bytes skipped)")));
            }
        }
    }

    /// `fill`, for a caller that has looked at the unread bytes and wants more after them.
    fn fill_keeping(&mut self, kept: &[u8]) -> Result<bool, End> {
        self.buf.clear();
        self.buf.extend_from_slice(kept);
        self.pos = 0;
        let before = self.buf.len();
        self.buf.resize(before + CHUNK, 0);
        loop {
            match self.inner.read(&mut self.buf[before..]) {
                Ok(n) => {
                    self.buf.truncate(before + n);
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(before);
                    return Err(End::Broken(format!("cannot read the input: {e}")));
                }
            }
        }
    }

    /// Exactly `n` bytes.
    fn body(&mut self, n: usize) -> Result<Vec<u8>, End> {
        // Grown as the bytes arrive: a header that lies about its length costs nothing.
        let mut body = Vec::with_capacity(n.min(CHUNK));
        while body.len() < n {
            if self.pos == self.buf.len() && !self.fill()? {
                return Err(End::Broken(format!("the input ended inside a message ({} of {n} bytes)", body.len())));
            }
            let take = (n - body.len()).min(self.buf.len() - self.pos);
            body.extend_from_slice(&self.buf[self.pos..self.pos + take]);
            self.pos += take;
        }
        Ok(body)
    }

    /// The next frame's body, or why bytes were skipped, or a refusal to answer.
    fn frame(&mut self) -> Result<Result<Vec<u8>, Frame>, End> {
        if self.resync {
            self.resync = false;
            let skipped = self.skip_to_header()?;
            if skipped > 0 {
                return Ok(Err(Frame::Skipped(format!("skipped {skipped} bytes of a message without a usable Content-Length"))));
            }
        }
        let mut length: Option<Result<u64, String>> = None;
        let mut headers = 0;
        let mut garbage = 0;
        loop {
            let Some((line, dropped)) = self.line()? else {
                return Err(if headers == 0 && garbage == 0 {
                    End::Closed
                } else {
                    End::Broken("the input ended inside a message's header".into())
                });
            };
            if !line.ends_with(b"\n") {
                // The input's last bytes, with no line end.
                return Err(if headers == 0 && garbage == 0 && dropped == 0 && line.iter().all(u8::is_ascii_whitespace) {
                    End::Closed
                } else {
                    End::Broken("the input ended inside a message's header".into())
                });
            }
            let text = line.strip_suffix(b"\n").unwrap_or(&line);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if text.is_empty() {
                if headers > 0 {
                    break;
                }
                if garbage > 0 {
                    return Ok(Err(Frame::Skipped(format!("skipped {garbage} bytes that are not a message"))));
                }
                continue; // a stray line end between frames
            }
            // When a `Content-Length:` starts inside the line (the message before was shorter
            // than its header said, or no line end came before the next frame), the next frame
            // starts there, whatever is before it.
            if let Some(i) = line.get(1..).and_then(find_header).map(|i| i + 1) {
                self.unread(&line[i..]);
                let skipped = garbage + dropped + i;
                return Ok(Err(Frame::Skipped(format!("skipped {skipped} bytes that are not a message"))));
            }
            if let Some((name, value)) = header(text) {
                if garbage > 0 {
                    // A frame starts here; report what came before it first.
                    self.unread(&line);
                    return Ok(Err(Frame::Skipped(format!("skipped {garbage} bytes that are not a message"))));
                }
                headers += 1;
                if name.eq_ignore_ascii_case(b"content-length") {
                    let n = content_length(value);
                    length = Some(match length {
                        Some(Ok(m)) if n != Ok(m) => Err("two different Content-Length headers".into()),
                        Some(Err(e)) => Err(e),
                        _ => n,
                    });
                }
                continue;
            }
            if headers == 0 {
                garbage += dropped + line.len();
            }
            // Inside a header block, a line that is not a header is ignored.
        }
        match length {
            Some(Ok(n)) if n <= MAX_CONTENT_LENGTH => {
                // At most 64 MiB: fits a usize wherever kshape builds.
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                Ok(Ok(self.body(n)?))
            }
            Some(Ok(n)) => {
                self.resync = true;
                let message = format!("a message of {n} bytes is over the limit of {MAX_CONTENT_LENGTH} bytes (64 MiB); not read");
                Ok(Err(Frame::Message(Message::Invalid { id: Value::Null, code: INVALID_REQUEST, message })))
            }
            Some(Err(why)) => {
                self.resync = true;
                Ok(Err(Frame::Skipped(format!("a message's header has {why}; skipping to the next message"))))
            }
            None => {
                self.resync = true;
                Ok(Err(Frame::Skipped("a message's header has no Content-Length; skipping to the next message".into())))
            }
        }
    }

    /// The next message, or what was skipped; `End` when the input is over.
    pub fn next_frame(&mut self) -> Result<Frame, End> {
        let body = match self.frame()? {
            Ok(body) => body,
            Err(frame) => return Ok(frame),
        };
        let error = match serde_json::from_slice::<Value>(&body) {
            Ok(v) => return Ok(Frame::Message(classify(v))),
            Err(e) => e,
        };
        // A body that runs into the next frame (its Content-Length was too large): that frame
        // is read again from its header, and the message itself may be whole before it.
        if let Some(i) = find_header(&body).or_else(|| Some(body.len() - partial_header_suffix(&body)).filter(|i| *i < body.len())) {
            self.unread(&body[i..]);
            if let Ok(v) = serde_json::from_slice::<Value>(&body[..i]) {
                return Ok(Frame::Message(classify(v)));
            }
        }
        let message = format!("the message is not JSON: {error}");
        Ok(Frame::Message(Message::Invalid { id: Value::Null, code: PARSE_ERROR, message }))
    }
}

/// `Name: value`, where the name is an HTTP token.
fn header(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = line.iter().position(|b| *b == b':')?;
    let name = &line[..colon];
    let token = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
    (!name.is_empty() && name.iter().all(token)).then(|| (name, &line[colon + 1..]))
}

/// A Content-Length's value: decimal digits (a number past u64 is just too large).
fn content_length(value: &[u8]) -> Result<u64, String> {
    let v = value.trim_ascii();
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return Err(format!("an invalid Content-Length `{}`", String::from_utf8_lossy(v).chars().take(40).collect::<String>()));
    }
    Ok(v.iter().try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add(u64::from(d - b'0'))).unwrap_or(u64::MAX))
}

/// Where the first `Content-Length:` (any case) starts.
fn find_header(bytes: &[u8]) -> Option<usize> {
    bytes.windows(HEADER.len()).position(|w| w.eq_ignore_ascii_case(HEADER))
}

/// The length of the longest end of `bytes` that is a proper start of `Content-Length:`.
fn partial_header_suffix(bytes: &[u8]) -> usize {
    (1..HEADER.len().min(bytes.len() + 1)).rev().find(|&k| bytes[bytes.len() - k..].eq_ignore_ascii_case(&HEADER[..k])).unwrap_or(0)
}

/// A JSON value as a JSON-RPC message. The `jsonrpc` member is not checked: a client that
/// leaves it out is still understood.
pub fn classify(v: Value) -> Message {
    let invalid = |id: Value, message: &str| Message::Invalid { id, code: INVALID_REQUEST, message: message.into() };
    let mut o = match v {
        Value::Object(o) => o,
        Value::Array(_) => return invalid(Value::Null, "a batch: the Language Server Protocol does not use JSON-RPC batches"),
        _ => return invalid(Value::Null, "not a JSON-RPC message (an object)"),
    };
    let id = o.remove("id");
    // An id to answer with: what JSON-RPC allows (a string or a number; LSP wants integers);
    // null when it is another type.
    let answer_id = |id: &Option<Value>| match id {
        Some(v @ (Value::String(_) | Value::Number(_))) => v.clone(),
        _ => Value::Null,
    };
    let params = o.remove("params").unwrap_or(Value::Null);
    match (o.remove("method"), &id) {
        (Some(Value::String(method)), None) => Message::Notification { method, params },
        (Some(Value::String(method)), Some(v)) => {
            let integer = v.as_i64().is_some() || v.as_u64().is_some();
            if v.is_string() || integer {
                Message::Request { id: v.clone(), method, params }
            } else {
                invalid(answer_id(&id), "a request's id must be an integer or a string")
            }
        }
        (Some(_), _) => invalid(answer_id(&id), "the method is not a string"),
        (None, Some(_)) if o.contains_key("result") || o.contains_key("error") => Message::Response,
        (None, _) => invalid(answer_id(&id), "neither a request, a notification nor a response (no method)"),
    }
}

/// Writes one message, framed.
pub fn write(out: &mut impl Write, message: &Value) -> io::Result<()> {
    let body = serde_json::to_vec(message)?;
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(&body)
}

/// A response to a request.
pub fn response(id: Value, result: Result<Value, (i64, String)>) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("jsonrpc".into(), json!("2.0"));
    m.insert("id".into(), id);
    match result {
        Ok(result) => m.insert("result".into(), result),
        Err((code, message)) => m.insert("error".into(), json!({"code": code, "message": message})),
    };
    Value::Object(m)
}

/// A notification or a request of the server's.
pub fn notification(method: &str, params: Value) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("jsonrpc".into(), json!("2.0"));
    m.insert("method".into(), json!(method));
    m.insert("params".into(), params);
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> (Vec<Frame>, End) {
        let mut r = Reader::new(input);
        let mut out = Vec::new();
        loop {
            match r.next_frame() {
                Ok(f) => out.push(f),
                Err(e) => return (out, e),
            }
        }
    }

    #[test]
    fn reads_frames_and_recovers_from_garbage() {
        let ok = br#"{"jsonrpc":"2.0","id":1,"method":"a"}"#;
        let mut input = Vec::new();
        input.extend_from_slice(format!("Content-Length: {}\r\nContent-Type: x\r\n\r\n", ok.len()).as_bytes());
        input.extend_from_slice(ok);
        input.extend_from_slice(b"junk\r\n\r\n");
        input.extend_from_slice(format!("content-length: {}\n\n", ok.len()).as_bytes());
        input.extend_from_slice(ok);
        let (f, end) = frames(&input);
        let req = Frame::Message(Message::Request { id: json!(1), method: "a".into(), params: Value::Null });
        assert_eq!(f, vec![req.clone(), Frame::Skipped("skipped 6 bytes that are not a message".into()), req]);
        assert_eq!(end, End::Closed);
    }

    #[test]
    fn helpers() {
        assert_eq!(content_length(b" 12 "), Ok(12));
        assert_eq!(content_length(b"99999999999999999999999"), Ok(u64::MAX));
        assert!(content_length(b"-1").is_err());
        assert_eq!(partial_header_suffix(b"abc\r\nConte"), 5);
        assert_eq!(partial_header_suffix(b"abc"), 1);
        assert_eq!(partial_header_suffix(b"abx"), 0);
        assert_eq!(partial_header_suffix(b""), 0);
        assert_eq!(find_header(b"xxCONTENT-LENGTH: 1"), Some(2));
    }
}
