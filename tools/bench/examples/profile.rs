//! Runs one 1,000-item batchStock request and one Crux request through their handlers with
//! an in-memory store, for a profiler: `valgrind --tool=callgrind target/release/examples/profile`
//! (build with symbols: `CARGO_PROFILE_RELEASE_DEBUG=1 CARGO_PROFILE_RELEASE_STRIP=none`).

#[global_allocator]
static ALLOCATOR: inventory_core::Allocator = inventory_core::Allocator;

use inventory_admin::seed::SeedFile;
use inventory_core::http::serve;
use inventory_core::testing::request;
use serde_json::{Value, json};

fn main() {
    let variants: Vec<Value> = (0..1000)
        .map(|i| json!({"variantId": format!("BV{i}"), "productId": format!("BP{i}"), "sku": format!("BSKU{i}")}))
        .collect();
    let seed = SeedFile::parse(
        &json!({"tenants": [{"id": "bench", "apiKeys": [{"key": "bench-key-0123456789", "scopes": ["inventory:write"]}],
            "locations": [{"id": "W1", "default": true}], "variants": variants}]})
        .to_string(),
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let batch: Vec<Value> = (0..1000)
        .map(|i| json!({"variant_id": format!("BV{i}"), "inStock": i}))
        .collect();
    let body = json!({"batchStock": {"item": batch}}).to_string();
    for _ in 0..3 {
        let app = inventory_core::http::App::new(inventory_admin::memory_store(&seed));
        let req = request(
            "POST",
            "/api/batchStock?warehouse_id=W1",
            &[("authorization", "Bearer bench-key-0123456789")],
            &body,
        );
        let response = runtime.block_on(serve::<batch_stock::BatchStock, _>(&app, req));
        assert_eq!(response.status(), 200);
        std::mem::forget(app);
    }
}
