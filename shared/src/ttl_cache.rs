//! What a warm function instance remembers across its invocations, each entry for a fixed
//! lifetime: authenticated keys ([`KeyCache`]) and catalog entries (the DynamoDB store's
//! lookups). Both save a DynamoDB round trip on a warm request's critical path, as API
//! Gateway's own authorizer cache does; both are bounded in time and size.
//!
//! Only what was found is remembered, so a new key or a new catalog identifier works at once.
//! What a change to a remembered one means until its entry expires is said where each cache
//! is made (the README's Security and Configuration sections say it for operators).

use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::auth::{KeyHash, StoredKey};

/// API keys looked up in the last minute. What a revoked key can still do: until its entry
/// expires (60 seconds by default, `KEY_CACHE_SECONDS` to change, 0 to turn the cache off),
/// on each warm instance that served it in that minute, whatever its scopes allowed.
pub type KeyCache = TtlCache<KeyHash, StoredKey>;

/// Environment variable with the key cache's lifetime in seconds.
pub const KEY_TTL_VAR: &str = "KEY_CACHE_SECONDS";

/// Keys kept at most: a warm instance sees a handful, so this only bounds a flood of
/// distinct valid keys.
const MAX_KEYS: usize = 10_000;

/// What an entry counts against its cache's bound: roughly the memory it holds, in units of
/// the cache's choosing (one per key; one per variant for catalog entries).
pub trait Weight {
    fn weight(&self) -> usize;
}

impl Weight for StoredKey {
    fn weight(&self) -> usize {
        1
    }
}

impl KeyCache {
    /// From `KEY_CACHE_SECONDS`, 60 by default.
    pub fn from_env() -> KeyCache {
        TtlCache::new(ttl_from_env(KEY_TTL_VAR), MAX_KEYS)
    }

    /// A cache that remembers nothing (for tests that change keys or fault their lookup).
    pub fn off() -> KeyCache {
        TtlCache::new(Duration::ZERO, MAX_KEYS)
    }
}

/// A lifetime in whole seconds from `var`, 60 when it is unset or not a number.
pub fn ttl_from_env(var: &str) -> Duration {
    let seconds = std::env::var(var)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(60);
    Duration::from_secs(seconds)
}

/// A map whose entries expire `ttl` after they were put. A zero `ttl` turns it off. The
/// entries' [`Weight`]s add up to at most `capacity`: an entry that would pass it starts the
/// map again empty (simpler than evicting; only a flood of distinct entries within one lifetime
/// reaches it), and an entry heavier than the whole capacity is not kept.
pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<Held<K, V>>,
}

struct Held<K, V> {
    map: foldhash::HashMap<K, (V, Instant)>,
    weight: usize,
}

impl<K, V> Default for Held<K, V> {
    fn default() -> Self {
        Held {
            map: foldhash::HashMap::default(),
            weight: 0,
        }
    }
}

impl<K: Hash + Eq, V: Clone + Weight> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache {
            ttl,
            capacity,
            entries: Mutex::default(),
        }
    }

    /// The entries, locked once for a whole batch of gets or puts. A panic while they were
    /// held cannot leave an entry half-written, so a poisoned lock is taken as it is.
    pub fn lock(&self) -> Entries<'_, K, V> {
        Entries {
            ttl: self.ttl,
            capacity: self.capacity,
            held: self.entries.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }

    /// The value put under `key` less than `ttl` ago.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().get(key)
    }

    /// Remembers `value` under `key`, from now (nothing, when the cache is off).
    pub fn put(&self, key: K, value: V) {
        self.lock().put(key, value);
    }
}

impl<K, V> std::fmt::Debug for TtlCache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TtlCache")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// A locked [`TtlCache`].
pub struct Entries<'a, K, V> {
    ttl: Duration,
    capacity: usize,
    held: MutexGuard<'a, Held<K, V>>,
}

impl<K: Hash + Eq, V: Clone + Weight> Entries<'_, K, V> {
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (value, at) = self.held.map.get(key)?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }

    pub fn put(&mut self, key: K, value: V) {
        let weight = value.weight();
        if self.ttl.is_zero() || weight > self.capacity {
            return;
        }
        let held = &mut *self.held;
        if let Some((replaced, _)) = held.map.remove(&key) {
            held.weight -= replaced.weight();
        }
        if held.weight + weight > self.capacity {
            held.map.clear();
            held.weight = 0;
        }
        held.weight += weight;
        held.map.insert(key, (value, Instant::now()));
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
    fn entries_are_remembered_for_the_cache_lifetime_only() {
        let cache = KeyCache::new(Duration::from_millis(50), 10);
        let k = key("a-long-enough-key");
        assert_eq!(cache.get(&k.hash), None);
        cache.put(k.hash, k.clone());
        assert_eq!(cache.get(&k.hash), Some(k.clone()));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&k.hash), None, "expired");
        let off = KeyCache::off();
        off.put(k.hash, k.clone());
        assert_eq!(off.get(&k.hash), None, "turned off");
    }

    impl Weight for u32 {
        fn weight(&self) -> usize {
            *self as usize
        }
    }

    #[test]
    fn a_full_cache_starts_again() {
        let cache: TtlCache<String, u32> = TtlCache::new(Duration::from_secs(60), 2);
        cache.put("a".into(), 1);
        cache.put("b".into(), 1);
        assert_eq!((cache.get("a"), cache.get("b")), (Some(1), Some(1)));
        cache.put("c".into(), 1);
        assert_eq!(
            (cache.get("a"), cache.get("b"), cache.get("c")),
            (None, None, Some(1))
        );
    }

    /// The bound is on what the entries hold, not on how many there are: one catalog entry can
    /// hold a product's hundreds of variants.
    #[test]
    fn the_bound_counts_each_entry_by_its_weight() {
        let cache: TtlCache<String, u32> = TtlCache::new(Duration::from_secs(60), 10);
        cache.put("light".into(), 1);
        cache.put("heavy".into(), 8);
        assert_eq!((cache.get("light"), cache.get("heavy")), (Some(1), Some(8)));
        cache.put("heavy".into(), 9); // replacing an entry counts only the new one
        assert_eq!((cache.get("light"), cache.get("heavy")), (Some(1), Some(9)));
        cache.put("more".into(), 2); // 1 + 9 + 2 passes 10: start again
        assert_eq!(
            (cache.get("light"), cache.get("heavy"), cache.get("more")),
            (None, None, Some(2))
        );
        cache.put("too heavy".into(), 11); // heavier than the whole cache: not kept
        assert_eq!((cache.get("too heavy"), cache.get("more")), (None, Some(2)));
    }
}
