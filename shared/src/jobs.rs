//! Job records: what a bulk request did, kept so it can be read back by id. The core stores
//! the document as given; its fields belong to the dialect that wrote it.

/// A stored job: an id unique within the tenant, and the dialect's document.
#[derive(Clone, PartialEq, Debug)]
pub struct Job {
    pub id: String,
    pub document: serde_json::Value,
}

/// A new job id: 24 hex digits, seconds first, like the MongoDB ObjectIds clients expect.
pub fn new_job_id(at_secs: u32) -> String {
    let tail: [u8; 8] = rand::random();
    format!("{at_secs:08x}{}", hex::encode(tail))
}

#[cfg(test)]
mod tests {
    #[test]
    fn job_ids_look_like_object_ids() {
        let id = super::new_job_id(0x5fa08782);
        assert_eq!(id.len(), 24);
        assert!(id.starts_with("5fa08782"));
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
