#[global_allocator]
static ALLOCATOR: inventory_core::Allocator = inventory_core::Allocator;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), inventory_core::lambda_http::Error> {
    inventory_core::http::run::<product_inventory::ProductInventory>().await
}
