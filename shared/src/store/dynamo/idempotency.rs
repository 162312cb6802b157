//! Idempotency records in DynamoDB: one item per scoped key, in the idempotency table.
//!
//! | attribute   | holds                                                               |
//! |-------------|---------------------------------------------------------------------|
//! | `pk`        | `{tenant}#{endpoint}#{key}`                                         |
//! | `st`        | `running` while the first request runs, then `done`                 |
//! | `fp`        | the request's fingerprint (SHA-256 of method, path, query, body)    |
//! | `tok`       | the claim's token: only its own request may finish or release it   |
//! | `ru`        | until when (epoch milliseconds) a running request holds the key     |
//! | `expiresAt` | the table's TTL attribute (epoch seconds): 24 hours after the claim |
//! | `rs` `rb`   | the kept response: status and deflated body                         |
//!
//! DynamoDB deletes expired items only eventually, so every read and every condition treats
//! a record past `expiresAt` (or a running one past `ru`) as absent.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};

use super::batch::{consumed, store_error};
use super::calls::conditional;
use super::items::{Item, PK, key_item_of};
use super::{DynamoStore, Table};
use crate::idempotency::{Claim, Held, SavedResponse, ScopedKey};
use crate::store::{Deadline, IdempotencyStore, StoreError};

const RUNNING: &str = "running";
const DONE: &str = "done";

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn corrupt(why: &str) -> StoreError {
    StoreError::Corrupt(format!("idempotency record: {why}"))
}

/// What a stored record holds, or `None` if it no longer counts at `now_ms`.
fn held(item: &Item, now_ms: i64) -> Result<Option<Held>, StoreError> {
    let expires = number(item, "expiresAt").ok_or_else(|| corrupt("no expiry"))?;
    if expires * 1000 <= now_ms {
        return Ok(None);
    }
    let fingerprint: [u8; 32] = item
        .get("fp")
        .and_then(|v| v.as_b().ok())
        .and_then(|b| b.as_ref().try_into().ok())
        .ok_or_else(|| corrupt("no fingerprint"))?;
    match item
        .get("st")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
    {
        Some(RUNNING) => {
            let until = number(item, "ru").ok_or_else(|| corrupt("no in-flight mark"))?;
            Ok((until >= now_ms).then_some(Held::Running { fingerprint }))
        }
        Some(DONE) => {
            let status = number(item, "rs").ok_or_else(|| corrupt("no status"))?;
            let body = item
                .get("rb")
                .and_then(|v| v.as_b().ok())
                .ok_or_else(|| corrupt("no body"))?;
            let response = SavedResponse::from_compressed(status as u16, body.as_ref())
                .ok_or_else(|| corrupt("the body does not inflate"))?;
            Ok(Some(Held::Done {
                fingerprint,
                response,
            }))
        }
        _ => Err(corrupt("unknown state")),
    }
}

impl IdempotencyStore for DynamoStore {
    async fn claim(
        &self,
        key: &ScopedKey,
        claim: &Claim,
        deadline: Deadline,
    ) -> Result<Option<Held>, StoreError> {
        // Twice at most: a record that stopped counting between the put and the read.
        for _ in 0..2 {
            let item = HashMap::from([
                (PK.to_owned(), AttributeValue::S(key.as_str().to_owned())),
                ("st".to_owned(), AttributeValue::S(RUNNING.to_owned())),
                (
                    "fp".to_owned(),
                    AttributeValue::B(Blob::new(claim.fingerprint.to_vec())),
                ),
                ("tok".to_owned(), n(claim.token as i64)),
                ("ru".to_owned(), n(claim.running_until_ms)),
                ("expiresAt".to_owned(), n(claim.expires_at_secs())),
            ]);
            let call = self
                .client
                .put_item()
                .table_name(self.table(Table::Idempotency))
                .set_item(Some(item))
                .condition_expression(
                    "attribute_not_exists(pk) OR expiresAt <= :now_s \
                     OR (st = :running AND ru < :now_ms)",
                )
                .expression_attribute_values(":now_s", n(claim.now_ms / 1000))
                .expression_attribute_values(":now_ms", n(claim.now_ms))
                .expression_attribute_values(":running", AttributeValue::S(RUNNING.to_owned()))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send();
            if let Some(out) = conditional(deadline, call).await? {
                consumed(true, out.consumed_capacity());
                return Ok(None);
            }
            let record = self
                .get_item(
                    Table::Idempotency,
                    key_item_of(key.as_str().to_owned()),
                    true,
                    deadline,
                )
                .await?;
            if let Some(item) = record
                && let Some(held) = held(&item, claim.now_ms)?
            {
                return Ok(Some(held));
            }
        }
        Err(StoreError::Unavailable(
            "the idempotency key changed hands while it was claimed".into(),
        ))
    }

    async fn keep(
        &self,
        key: &ScopedKey,
        claim: &Claim,
        response: &SavedResponse,
        deadline: Deadline,
    ) -> Result<(), StoreError> {
        let body = response.compressed_body().ok_or_else(|| {
            StoreError::Rejected("the response is too large to keep for replay".into())
        })?;
        let item = HashMap::from([
            (PK.to_owned(), AttributeValue::S(key.as_str().to_owned())),
            ("st".to_owned(), AttributeValue::S(DONE.to_owned())),
            (
                "fp".to_owned(),
                AttributeValue::B(Blob::new(claim.fingerprint.to_vec())),
            ),
            ("tok".to_owned(), n(claim.token as i64)),
            ("expiresAt".to_owned(), n(claim.expires_at_secs())),
            ("rs".to_owned(), n(i64::from(response.status))),
            ("rb".to_owned(), AttributeValue::B(Blob::new(body))),
        ]);
        let call = self
            .client
            .put_item()
            .table_name(self.table(Table::Idempotency))
            .set_item(Some(item))
            .condition_expression("tok = :tok")
            .expression_attribute_values(":tok", n(claim.token as i64))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send();
        let out = deadline
            .run(async { call.await.map_err(store_error) })
            .await?;
        consumed(true, out.consumed_capacity());
        Ok(())
    }

    async fn release(
        &self,
        key: &ScopedKey,
        claim: &Claim,
        deadline: Deadline,
    ) -> Result<(), StoreError> {
        let call = self
            .client
            .delete_item()
            .table_name(self.table(Table::Idempotency))
            .key(PK, AttributeValue::S(key.as_str().to_owned()))
            .condition_expression("tok = :tok")
            .expression_attribute_values(":tok", n(claim.token as i64))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send();
        // `None`: someone else holds it now, nothing of ours to give up.
        if let Some(out) = conditional(deadline, call).await? {
            consumed(true, out.consumed_capacity());
        }
        Ok(())
    }
}
