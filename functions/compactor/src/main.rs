#[global_allocator]
static ALLOCATOR: inventory_core::Allocator = inventory_core::Allocator;

use inventory_core::store::dynamo::DynamoStore;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    inventory_core::telemetry::init();
    let store = DynamoStore::from_env().await?;
    let store = &store;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
        // A failed batch is retried by Lambda (and bisected); compaction is idempotent.
        compactor::handle(store, event.payload)
            .await
            .map_err(lambda_runtime::Error::from)
    }))
    .await
}
