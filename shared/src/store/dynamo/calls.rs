//! Single-item calls, each sent within the request's deadline with its capacity counted.

use std::future::Future;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::ReturnConsumedCapacity;

use super::batch::{consumed, describe, store_error};
use super::items::Item;
use super::{DynamoStore, Table};
use crate::store::{Deadline, StoreError};

impl DynamoStore {
    /// The item at `key` in `table`, or `None`; strongly consistent if `consistent`.
    pub(super) async fn get_item(
        &self,
        table: Table,
        key: Item,
        consistent: bool,
        deadline: Deadline,
    ) -> Result<Option<Item>, StoreError> {
        let call = self
            .client
            .get_item()
            .table_name(self.table(table))
            .set_key(Some(key))
            .consistent_read(consistent)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send();
        let out = deadline
            .run(async { call.await.map_err(store_error) })
            .await?;
        consumed(false, out.consumed_capacity());
        Ok(out.item)
    }
}

/// A conditional write's answer: `Some` of its output, `None` when its condition failed.
pub(super) async fn conditional<O, E>(
    deadline: Deadline,
    call: impl Future<Output = Result<O, SdkError<E>>>,
) -> Result<Option<O>, StoreError>
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    match deadline.run(async { Ok(call.await) }).await? {
        Ok(out) => Ok(Some(out)),
        Err(err)
            if err.as_service_error().and_then(|e| e.code())
                == Some("ConditionalCheckFailedException") =>
        {
            Ok(None)
        }
        Err(err) => {
            tracing::warn!(error = %describe(&err), "conditional write failed");
            Err(store_error(err))
        }
    }
}
