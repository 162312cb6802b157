//! Safe retries: the `Idempotency-Key` header on every write endpoint, with the semantics of
//! the IETF httpapi draft "The Idempotency-Key HTTP Header Field".
//!
//! The first request with a key claims it (a conditional put, so two concurrent requests
//! with one key cannot both run) and runs. Once it has written anything, its final response
//! is kept for [`RETENTION`], scoped to the tenant and the endpoint; a repeat with the same
//! key and the same request (method, path, query and body) gets that response replayed byte
//! for byte, with `Idempotent-Replayed: true`, and writes nothing. The same key with another
//! request is a 422; while the first is still running, a 409. A request that wrote nothing
//! (refused, or a 503 that stored nothing) releases its key, so a corrected request may use
//! it; a request whose function died holds it only until its in-flight mark expires (the
//! invocation's deadline). Without the header nothing of this runs and nothing is stored.

use std::io::{Read, Write};
use std::time::Duration;

use lambda_http::http::{HeaderMap, HeaderName};
use sha2::{Digest, Sha256};

use crate::model::TenantId;

/// The request header that carries the key.
pub const HEADER: HeaderName = HeaderName::from_static("idempotency-key");
/// The response header that marks a replayed response.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// How long a stored response is replayed.
pub const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// Longest key accepted. Keys are 1 to 255 printable ASCII characters other than a comma.
pub const MAX_KEY_LEN: usize = 255;
/// Largest stored response, compressed: a DynamoDB item holds 400 KB. Larger responses are
/// not kept (the README says so) and their key is released.
pub const MAX_STORED_BODY: usize = 350 * 1024;

/// Why an `Idempotency-Key` header is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum KeyError {
    #[error("Invalid Idempotency-Key header: send 1 to 255 printable ASCII characters (no comma)")]
    Malformed,
    #[error("Invalid Idempotency-Key header: send it once")]
    Repeated,
}

/// The key a request carries, if any.
pub fn key_of(headers: &HeaderMap) -> Result<Option<&str>, KeyError> {
    let mut values = headers.get_all(HEADER).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    // API Gateway hands a header sent twice over as one, its values joined by commas: a
    // comma cannot be told from a repeat, so keys have none.
    if values.next().is_some() || bytes.contains(&b',') {
        return Err(KeyError::Repeated);
    }
    let printable = bytes.iter().all(|b| (0x20..=0x7e).contains(b));
    if bytes.is_empty() || bytes.len() > MAX_KEY_LEN || !printable {
        return Err(KeyError::Malformed);
    }
    // Printable ASCII is UTF-8.
    Ok(std::str::from_utf8(bytes).ok())
}

/// One key of one tenant at one endpoint: the same string from two tenants, or sent to two
/// endpoints, is two keys.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ScopedKey(String);

impl ScopedKey {
    pub fn new(tenant: &TenantId, endpoint: &str, key: &str) -> ScopedKey {
        // Tenant ids and endpoint names never contain `#`; the key comes last.
        ScopedKey(format!("{tenant}#{endpoint}#{key}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What identifies "the same request": SHA-256 of the method, path, query and body, each
/// length-prefixed so that no two requests share their bytes.
pub fn fingerprint(method: &str, path: &str, query: &str, body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in [method.as_bytes(), path.as_bytes(), query.as_bytes(), body] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.finalize().into()
}

/// A response kept for replay.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SavedResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl SavedResponse {
    /// The body deflated, as stored; `None` if even that is too large to keep.
    pub fn compressed_body(&self) -> Option<Vec<u8>> {
        let mut encoder = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(self.body.len() / 4),
            flate2::Compression::fast(),
        );
        encoder.write_all(&self.body).ok()?;
        let compressed = encoder.finish().ok()?;
        (compressed.len() <= MAX_STORED_BODY).then_some(compressed)
    }

    pub fn from_compressed(status: u16, compressed: &[u8]) -> Option<SavedResponse> {
        let mut body = Vec::with_capacity(compressed.len() * 4);
        flate2::read::DeflateDecoder::new(compressed)
            .read_to_end(&mut body)
            .ok()?;
        Some(SavedResponse { status, body })
    }
}

/// A claim a request holds on its key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Claim {
    /// Tells this request's claim from a later one's (after the in-flight mark expired).
    pub token: u64,
    pub fingerprint: [u8; 32],
    /// Now, in milliseconds since the epoch.
    pub now_ms: i64,
    /// Until when the request may run: past this, its key may be claimed again.
    pub running_until_ms: i64,
}

impl Claim {
    pub fn new(fingerprint: [u8; 32], now_ms: i64, running_until_ms: i64) -> Claim {
        Claim {
            token: rand::random::<u64>() >> 1,
            fingerprint,
            now_ms,
            running_until_ms,
        }
    }

    /// When a record written now stops counting (the DynamoDB TTL attribute, in seconds).
    pub fn expires_at_secs(&self) -> i64 {
        (self.now_ms + RETENTION.as_millis() as i64) / 1000
    }
}

/// What a key holds when another request has claimed it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Held {
    Running {
        fingerprint: [u8; 32],
    },
    Done {
        fingerprint: [u8; 32],
        response: SavedResponse,
    },
}

/// What a request with a key does, given what the key holds.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Decision {
    /// The same request finished before: send its response again.
    Replay(SavedResponse),
    /// The same request is still running: 409.
    InFlight,
    /// The key was used for another request: 422.
    Mismatch,
}

pub fn decide(held: Held, fingerprint: &[u8; 32]) -> Decision {
    match held {
        Held::Running { fingerprint: f } | Held::Done { fingerprint: f, .. }
            if f != *fingerprint =>
        {
            Decision::Mismatch
        }
        Held::Running { .. } => Decision::InFlight,
        Held::Done { response, .. } => Decision::Replay(response),
    }
}

/// The 409 and 422 texts.
pub const IN_FLIGHT: &str =
    "A request with this Idempotency-Key is still being processed; retry it later";
pub const MISMATCH: &str = "This Idempotency-Key was already used for a different request \
     (method, path, query or body); send a new key with a new request";

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::HeaderValue;

    #[test]
    fn keys_are_1_to_255_printable_ascii_characters_sent_once() {
        let with = |values: &[&[u8]]| {
            let mut headers = HeaderMap::new();
            for v in values {
                headers.append(HEADER, HeaderValue::from_bytes(v).unwrap());
            }
            key_of(&headers).map(|k| k.map(str::to_owned))
        };
        assert_eq!(with(&[]), Ok(None));
        assert_eq!(with(&[b"order-42 #1"]), Ok(Some("order-42 #1".into())));
        assert_eq!(with(&[&[b'k'; 255]]), Ok(Some("k".repeat(255))));
        assert_eq!(with(&[&[b'k'; 256]]), Err(KeyError::Malformed));
        assert_eq!(with(&[b""]), Err(KeyError::Malformed));
        assert_eq!(with(&[b"tab\there"]), Err(KeyError::Malformed));
        assert_eq!(with(&["é".as_bytes()]), Err(KeyError::Malformed));
        assert_eq!(with(&[b"a", b"a"]), Err(KeyError::Repeated));
        assert_eq!(
            with(&[b"a,a"]),
            Err(KeyError::Repeated),
            "as API Gateway joins them"
        );
    }

    #[test]
    fn fingerprints_tell_every_part_apart() {
        let base = fingerprint("POST", "/a", "x=1", b"{}");
        assert_eq!(base, fingerprint("POST", "/a", "x=1", b"{}"));
        for other in [
            fingerprint("PUT", "/a", "x=1", b"{}"),
            fingerprint("POST", "/b", "x=1", b"{}"),
            fingerprint("POST", "/a", "x=2", b"{}"),
            fingerprint("POST", "/a", "x=1", b"{ }"),
            fingerprint("POST", "/ax", "=1", b"{}"),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn responses_round_trip_compressed_and_oversized_ones_are_not_kept() {
        let response = SavedResponse {
            status: 200,
            body: br#"{"results":[1,2,3]}"#.repeat(1000),
        };
        let compressed = response.compressed_body().unwrap();
        assert!(compressed.len() < response.body.len() / 10);
        assert_eq!(
            SavedResponse::from_compressed(200, &compressed),
            Some(response)
        );
        // Incompressible bytes beyond the limit.
        let noise: Vec<u8> = (0..MAX_STORED_BODY + 1024)
            .map(|_| rand::random::<u8>())
            .collect();
        let big = SavedResponse {
            status: 200,
            body: noise,
        };
        assert_eq!(big.compressed_body(), None);
    }

    #[test]
    fn the_same_request_is_replayed_and_another_refused() {
        let (mine, other) = ([1; 32], [2; 32]);
        let response = SavedResponse {
            status: 200,
            body: b"{}".to_vec(),
        };
        let done = Held::Done {
            fingerprint: mine,
            response: response.clone(),
        };
        assert_eq!(decide(done.clone(), &mine), Decision::Replay(response));
        assert_eq!(decide(done, &other), Decision::Mismatch);
        let running = Held::Running { fingerprint: mine };
        assert_eq!(decide(running.clone(), &mine), Decision::InFlight);
        assert_eq!(decide(running, &other), Decision::Mismatch);
        assert_eq!(
            ScopedKey::new(&TenantId::parse("t").unwrap(), "batch-stock", "k#1").as_str(),
            "t#batch-stock#k#1"
        );
    }
}
