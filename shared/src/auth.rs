//! API keys: how they travel, how they are stored (hashed), and what they allow.

use std::fmt;

use lambda_http::http::header::{AUTHORIZATION, HeaderName};
use lambda_http::http::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::model::TenantId;

/// Shortest key an operator may register.
pub const MIN_KEY_LEN: usize = 12;
/// Longest key accepted in a header; anything longer is not one of ours.
pub const MAX_KEY_LEN: usize = 512;

/// What a key may do.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "inventory:write")]
    InventoryWrite,
    #[serde(rename = "inventory:read")]
    InventoryRead,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::InventoryWrite => "inventory:write",
            Scope::InventoryRead => "inventory:read",
        }
    }

    pub fn parse(raw: &str) -> Option<Scope> {
        match raw {
            "inventory:write" => Some(Scope::InventoryWrite),
            "inventory:read" => Some(Scope::InventoryRead),
            _ => None,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SHA-256 of a key. Keys are long random tokens, not passwords, so a fast hash is the
/// right tool: the plain key is never stored, and a leaked table does not reveal it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyHash([u8; 32]);

impl KeyHash {
    pub fn of(plain: &str) -> KeyHash {
        KeyHash(Sha256::digest(plain.as_bytes()).into())
    }

    pub fn from_hex(hex_str: &str) -> Option<KeyHash> {
        let bytes = hex::decode(hex_str).ok()?;
        Some(KeyHash(bytes.try_into().ok()?))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A short, non-secret name for logs: the first hash bytes, never the key itself.
    pub fn key_id(&self) -> String {
        hex::encode(&self.0[..6])
    }

    /// Compares without an early exit, so timing does not tell how much of a hash matched.
    pub fn matches(&self, other: &KeyHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyHash({}…)", self.key_id())
    }
}

/// A key as stored: its hash, owner and scopes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StoredKey {
    pub hash: KeyHash,
    pub tenant: TenantId,
    pub scopes: Vec<Scope>,
    pub name: Option<String>,
}

/// Who is calling, once the key checked out.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Principal {
    pub tenant: TenantId,
    pub scopes: Vec<Scope>,
    pub key_id: String,
}

impl Principal {
    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// How a dialect's clients send their key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KeyScheme {
    /// `Authorization: Bearer KEY`; with `x_api_key`, an `x-api-key: KEY` header also works.
    Bearer { x_api_key: bool },
    /// `Authorization: Token KEY` (Django REST framework style).
    Token,
    /// `Authorization: KEY`, the bare key (as Wix clients send it).
    Bare,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing credentials")]
    Missing,
    #[error("malformed Authorization header")]
    Malformed,
    #[error("invalid API key")]
    Invalid,
    #[error("the API key lacks the {0} scope")]
    MissingScope(Scope),
}

/// Header names as constants: looking one up by `&str` parses and checks the name each time.
const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");

/// The one value of a header; a header sent twice is refused as malformed, since which key
/// was meant cannot be told.
fn single(headers: &HeaderMap, name: HeaderName) -> Result<Option<&HeaderValue>, AuthError> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (value, None) => Ok(value),
        _ => Err(AuthError::Malformed),
    }
}

/// Takes the key out of the request headers, as `scheme` says it travels.
pub fn presented_key(headers: &HeaderMap, scheme: KeyScheme) -> Result<&str, AuthError> {
    let authorization = single(headers, AUTHORIZATION)?;
    let from_header = match authorization {
        None => None,
        Some(value) => {
            let value = value.to_str().map_err(|_| AuthError::Malformed)?.trim();
            Some(match scheme {
                KeyScheme::Bearer { .. } => scheme_value(value, "bearer")?,
                KeyScheme::Token => scheme_value(value, "token")?,
                KeyScheme::Bare => value,
            })
        }
    };
    let key = match (from_header, scheme) {
        (Some(key), _) => key,
        (None, KeyScheme::Bearer { x_api_key: true }) => single(headers, X_API_KEY)?
            .ok_or(AuthError::Missing)?
            .to_str()
            .map_err(|_| AuthError::Malformed)?
            .trim(),
        (None, _) => return Err(AuthError::Missing),
    };
    if key.is_empty() {
        return Err(AuthError::Missing);
    }
    if key.len() > MAX_KEY_LEN || key.contains(char::is_whitespace) {
        return Err(AuthError::Malformed);
    }
    Ok(key)
}

/// `Scheme value`, with the scheme name matched case-insensitively as RFC 9110 asks.
fn scheme_value<'a>(header: &'a str, scheme: &str) -> Result<&'a str, AuthError> {
    let (name, rest) = header.split_once(' ').ok_or(AuthError::Malformed)?;
    if !name.eq_ignore_ascii_case(scheme) {
        return Err(AuthError::Malformed);
    }
    Ok(rest.trim())
}

/// Checks a stored key found by hash against the presented one and the needed scope.
pub fn admit(
    presented: &KeyHash,
    stored: Option<StoredKey>,
    needed: Scope,
) -> Result<Principal, AuthError> {
    let stored = stored
        .filter(|s| s.hash.matches(presented))
        .ok_or(AuthError::Invalid)?;
    if !stored.scopes.contains(&needed) {
        return Err(AuthError::MissingScope(needed));
    }
    Ok(Principal {
        tenant: stored.tenant,
        scopes: stored.scopes,
        key_id: presented.key_id(),
    })
}

/// A new random key for `inventory-admin create-key`: 32 bytes, hex.
pub fn generate_key() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const BEARER: KeyScheme = KeyScheme::Bearer { x_api_key: false };
    const BEARER_OR_X: KeyScheme = KeyScheme::Bearer { x_api_key: true };

    #[test]
    fn keys_travel_the_way_each_vendor_sends_them() {
        let h = headers(&[("authorization", "Bearer abc123")]);
        assert_eq!(presented_key(&h, BEARER), Ok("abc123"));
        let h = headers(&[("authorization", "bearer   abc123 ")]);
        assert_eq!(presented_key(&h, BEARER), Ok("abc123"));
        let h = headers(&[("authorization", "Token 1083e3ec")]);
        assert_eq!(presented_key(&h, KeyScheme::Token), Ok("1083e3ec"));
        let h = headers(&[("authorization", "IST.abc")]);
        assert_eq!(presented_key(&h, KeyScheme::Bare), Ok("IST.abc"));
        let h = headers(&[("x-api-key", "k1")]);
        assert_eq!(presented_key(&h, BEARER_OR_X), Ok("k1"));
        assert_eq!(presented_key(&h, BEARER), Err(AuthError::Missing));
    }

    #[test]
    fn odd_authorization_headers_are_refused() {
        let h = headers(&[("authorization", "Token abc")]);
        assert_eq!(presented_key(&h, BEARER), Err(AuthError::Malformed));
        let h = headers(&[("authorization", "Bearer")]);
        assert_eq!(presented_key(&h, BEARER), Err(AuthError::Malformed));
        let h = headers(&[("authorization", "Bearer ")]);
        assert_eq!(presented_key(&h, BEARER), Err(AuthError::Malformed));
        let h = headers(&[("authorization", "Bearer a b")]);
        assert_eq!(presented_key(&h, BEARER), Err(AuthError::Malformed));
        let h = headers(&[("authorization", "")]);
        assert_eq!(presented_key(&h, KeyScheme::Bare), Err(AuthError::Missing));
        let long = format!("Bearer {}", "k".repeat(MAX_KEY_LEN + 1));
        let h = headers(&[("authorization", &long)]);
        assert_eq!(presented_key(&h, BEARER), Err(AuthError::Malformed));
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            HeaderValue::from_bytes(b"Bearer \xff").unwrap(),
        );
        assert_eq!(presented_key(&h, BEARER), Err(AuthError::Malformed));
        assert_eq!(
            presented_key(&HeaderMap::new(), BEARER),
            Err(AuthError::Missing)
        );
    }

    #[test]
    fn a_key_header_sent_twice_is_refused() {
        let mut h = HeaderMap::new();
        h.append(
            "authorization",
            HeaderValue::from_static("Bearer first-key-1"),
        );
        h.append(
            "authorization",
            HeaderValue::from_static("Bearer second-key"),
        );
        assert_eq!(presented_key(&h, BEARER), Err(AuthError::Malformed));
        let mut h = HeaderMap::new();
        h.append("x-api-key", HeaderValue::from_static("first-key-1"));
        h.append("x-api-key", HeaderValue::from_static("first-key-1"));
        assert_eq!(presented_key(&h, BEARER_OR_X), Err(AuthError::Malformed));
    }

    #[test]
    fn admission_needs_the_right_hash_and_scope() {
        let hash = KeyHash::of("secret-key-1");
        let stored = StoredKey {
            hash,
            tenant: TenantId::parse("demo").unwrap(),
            scopes: vec![Scope::InventoryRead],
            name: None,
        };
        let ok = admit(&hash, Some(stored.clone()), Scope::InventoryRead).unwrap();
        assert_eq!(ok.tenant.as_str(), "demo");
        assert_eq!(ok.key_id, hash.key_id());
        assert_eq!(
            admit(&hash, Some(stored.clone()), Scope::InventoryWrite),
            Err(AuthError::MissingScope(Scope::InventoryWrite))
        );
        assert_eq!(
            admit(&KeyHash::of("other"), Some(stored), Scope::InventoryRead),
            Err(AuthError::Invalid)
        );
        assert_eq!(
            admit(&hash, None, Scope::InventoryRead),
            Err(AuthError::Invalid)
        );
    }

    #[test]
    fn hashes_round_trip_and_never_show_the_key() {
        let hash = KeyHash::of("1083e3ec5c40b36fd663ba925bc8d864061463e2");
        assert_eq!(KeyHash::from_hex(&hash.to_hex()), Some(hash));
        assert_eq!(hash.to_hex().len(), 64);
        assert!(!format!("{hash:?}").contains("1083e3ec"));
        assert_eq!(generate_key().len(), 64);
    }
}
