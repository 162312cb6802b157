//! Authenticated keys remembered across the warm invocations of one function instance, as
//! API Gateway's authorizers cache their answers: a request whose key was looked up in the
//! last minute needs no `GetItem` before its real work, which takes one DynamoDB round trip
//! off every warm request's critical path.
//!
//! What a revoked key can still do: until its entry expires ([`KeyCache::ttl`], 60 seconds by
//! default, `KEY_CACHE_SECONDS` to change, 0 to turn the cache off), on each warm instance
//! that served it in that minute, whatever its scopes allowed. A key that was not found is
//! never remembered, so a new key works at once.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::auth::{KeyHash, StoredKey};

/// Entries kept at most; past it, the cache starts again (a warm instance sees a handful of
/// keys, so this only bounds a flood of distinct valid keys).
const MAX_ENTRIES: usize = 10_000;

/// Environment variable with the cache's lifetime in seconds.
pub const TTL_VAR: &str = "KEY_CACHE_SECONDS";

pub struct KeyCache {
    ttl: Duration,
    entries: Mutex<foldhash::HashMap<KeyHash, (StoredKey, Instant)>>,
}

impl KeyCache {
    pub fn new(ttl: Duration) -> KeyCache {
        KeyCache {
            ttl,
            entries: Mutex::default(),
        }
    }

    /// From `KEY_CACHE_SECONDS`, 60 by default.
    pub fn from_env() -> KeyCache {
        let seconds = std::env::var(TTL_VAR)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60);
        KeyCache::new(Duration::from_secs(seconds))
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn entries(
        &self,
    ) -> std::sync::MutexGuard<'_, foldhash::HashMap<KeyHash, (StoredKey, Instant)>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The key, if it was looked up less than the cache's lifetime ago.
    pub fn get(&self, hash: &KeyHash) -> Option<StoredKey> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries();
        let (key, at) = entries.get(hash)?;
        (at.elapsed() < self.ttl).then(|| key.clone())
    }

    /// Remembers a key just read from the store.
    pub fn put(&self, key: &StoredKey) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key.hash, (key.clone(), Instant::now()));
    }
}

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache::from_env()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Scope;
    use crate::model::TenantId;

    fn key(name: &str) -> StoredKey {
        StoredKey {
            hash: KeyHash::of(name),
            tenant: TenantId::parse("t").unwrap(),
            scopes: vec![Scope::InventoryWrite],
            name: None,
        }
    }

    #[test]
    fn keys_are_remembered_for_the_cache_lifetime_only() {
        let cache = KeyCache::new(Duration::from_millis(50));
        let k = key("a-long-enough-key");
        assert_eq!(cache.get(&k.hash), None);
        cache.put(&k);
        assert_eq!(cache.get(&k.hash), Some(k.clone()));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&k.hash), None, "expired");
        let off = KeyCache::new(Duration::ZERO);
        off.put(&k);
        assert_eq!(off.get(&k.hash), None, "turned off");
    }
}
