//! The integration and end-to-end tests, one test binary (the SDK and the functions link
//! once): each module is a suite of its own. Most need the local stack (`tools/test` starts
//! it); run without it, they fail saying what to start.

mod bad_input;
mod concurrency;
mod contract_dynamodb;
mod contract_memory;
mod deployment;
mod e2e_dialects;
mod e2e_product_inventory;
mod faults;
mod idempotency;
mod migrate;
mod openapi_contract;
mod properties;
mod security;
