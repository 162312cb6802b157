//! CPU per item without I/O: each dialect's whole handler (parse, resolve, validate, write to
//! the in-memory store, render) on a 1,000-item request. `tools/bench` reads the medians from
//! target/criterion and divides by the items per request.

#[global_allocator]
static ALLOCATOR: inventory_core::Allocator = inventory_core::Allocator;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use inventory_admin::seed::SeedFile;
use inventory_core::http::{App, Endpoint, serve};
use inventory_core::store::memory::MemoryStore;
use inventory_core::testing::{request, with_deadline};
use serde_json::{Value, json};

const ITEMS: usize = 1000;
const KEY: &str = "bench-key-0123456789";

fn check_digit(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

fn upc(i: usize) -> String {
    let body = format!("{:011}", 40_000_000_000u64 + i as u64);
    format!("{body}{}", check_digit(&body))
}

fn seed() -> SeedFile {
    let variants: Vec<Value> = (0..ITEMS)
        .map(|i| json!({"variantId": format!("BV{i}"), "productId": format!("BP{i}"), "sku": format!("BSKU{i}"), "gtin": upc(i)}))
        .collect();
    let text = json!({"tenants": [{"id": "bench",
        "apiKeys": [{"key": KEY, "scopes": ["inventory:write", "inventory:read"]}],
        "locations": [{"id": "W1", "default": true}],
        "variants": variants}]});
    SeedFile::parse(&text.to_string()).expect("a valid seed")
}

fn app(seed: &SeedFile) -> App<MemoryStore> {
    App::new(inventory_admin::memory_store(seed))
}

/// A request as the Lambda runtime hands it over: with a request id and a deadline.
fn lambda_request(path: &str, auth: &str, body: &str) -> inventory_core::lambda_http::Request {
    let req = request("POST", path, &[("authorization", auth)], body);
    with_deadline(req, std::time::Duration::from_secs(30))
}

/// One request through the endpoint. Never inlined, so that an instruction counter
/// (`valgrind --tool=callgrind --toggle-collect='*one_request*'`) can count exactly this.
#[inline(never)]
fn one_request<E: Endpoint>(
    runtime: &tokio::runtime::Runtime,
    app: &App<MemoryStore>,
    req: inventory_core::lambda_http::Request,
) -> inventory_core::lambda_http::Response<inventory_core::lambda_http::Body> {
    let response = runtime.block_on(serve::<E, _>(app, req));
    assert_eq!(response.status(), 200);
    response
}

/// Which store a dialect's iterations run against.
#[derive(Clone, Copy)]
enum Store {
    Fresh,
    Warm,
}

fn bench_dialect<E: Endpoint>(
    c: &mut Criterion,
    name: &str,
    path: &str,
    auth: &str,
    body: String,
    items: usize,
    store: Store,
) {
    let seed = seed();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("cpu_per_item");
    group.throughput(Throughput::Elements(items as u64));
    group.bench_function(name, |b| match store {
        // A new store per iteration, built outside the timing: creates must find nothing.
        Store::Fresh => b.iter_batched(
            || (app(&seed), lambda_request(path, auth, &body)),
            |(app, req)| {
                let response = one_request::<E>(&runtime, &app, req);
                // Returned, not dropped here: criterion drops outputs outside the timing.
                (app, response)
            },
            BatchSize::PerIteration,
        ),
        // One store for every iteration, as a warm function instance sees its tables (a
        // record stays one item per field set however often it is written).
        Store::Warm => {
            let app = app(&seed);
            b.iter_batched(
                || lambda_request(path, auth, &body),
                |req| one_request::<E>(&runtime, &app, req),
                BatchSize::PerIteration,
            )
        }
    });
    group.finish();
}

fn dialects(c: &mut Criterion) {
    let bearer = format!("Bearer {KEY}");
    let batch: Vec<Value> = (0..ITEMS)
        .map(|i| json!({"variant_id": format!("BV{i}"), "inStock": i}))
        .collect();
    bench_dialect::<batch_stock::BatchStock>(
        c,
        "batch-stock",
        "/api/batchStock?warehouse_id=W1",
        &bearer,
        json!({"batchStock": {"item": batch}}).to_string(),
        ITEMS,
        Store::Fresh,
    );

    // Half by sku_id, half by UPC-A: the GTIN path is the costlier one.
    let crux: Vec<Value> = (0..ITEMS)
        .map(|i| {
            if i % 2 == 0 {
                json!({"sku_id": format!("BSKU{i}"), "quantity_in_stock": i})
            } else {
                json!({"upca": upc(i), "quantity_on_backorder": i})
            }
        })
        .collect();
    bench_dialect::<crux_bulk_inventory::CruxBulkInventory>(
        c,
        "crux-bulk-inventory",
        "/timp/products/skus/inventory/bulk/",
        &format!("Token {KEY}"),
        Value::from(crux).to_string(),
        ITEMS,
        Store::Fresh,
    );

    let rows: Vec<Value> = (0..ITEMS).map(|i| json!({"sku": format!("BSKU{i}"), "totalQuantity": i, "locationId": "W1", "type": "Stock"})).collect();
    bench_dialect::<bulk_insert::BulkInsert>(
        c,
        "bulk-insert",
        "/inventory/bulk-insert",
        &bearer,
        Value::from(rows).to_string(),
        ITEMS,
        Store::Fresh,
    );

    let creates: Vec<Value> = (0..ITEMS).map(|i| json!({"variantId": format!("BV{i}"), "productId": format!("BP{i}"), "quantity": i})).collect();
    bench_dialect::<wix_inventory_create::BulkCreateInventoryItems>(
        c,
        "wix-inventory-create",
        "/stores/v3/bulk/inventory-items/create",
        KEY,
        json!({"inventoryItems": creates, "returnEntity": true}).to_string(),
        ITEMS,
        Store::Fresh,
    );

    bench_dialect::<product_inventory::ProductInventory>(
        c,
        "product-inventory",
        "/api/product/inventory",
        &bearer,
        json!({"upc": upc(7), "store": "W1", "quantity": 3}).to_string(),
        1,
        Store::Warm,
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_secs(1)).measurement_time(std::time::Duration::from_secs(4));
    targets = dialects
}
criterion_main!(benches);
