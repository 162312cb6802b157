//! The storage contract against DynamoDB on the local endpoint (dynalite or DynamoDB Local).

use inventory_tests::{contract, dynamo};

#[tokio::test]
async fn partial_updates_never_erase_other_fields() {
    contract::partial_updates_never_erase_other_fields(&dynamo().await).await;
}

#[tokio::test]
async fn concurrent_updates_of_different_fields_both_survive() {
    contract::concurrent_updates_of_different_fields_both_survive(&dynamo().await).await;
}

#[tokio::test]
async fn duplicates_in_a_request_are_merged_into_one_write() {
    contract::duplicates_in_a_request_are_merged_into_one_write(&dynamo().await).await;
}

#[tokio::test]
async fn every_identifier_scheme_resolves_in_one_pass() {
    contract::every_identifier_scheme_resolves_in_one_pass(&dynamo().await).await;
}

#[tokio::test]
async fn lookups_beyond_a_hundred_keys_are_batched() {
    contract::lookups_beyond_a_hundred_keys_are_batched(&dynamo().await).await;
}

#[tokio::test]
async fn a_thousand_record_updates_are_a_thousand_single_unit_puts() {
    contract::a_thousand_record_updates_are_a_thousand_single_unit_puts(&dynamo().await).await;
}

#[tokio::test]
async fn a_record_reads_the_same_whatever_its_history() {
    contract::a_record_reads_the_same_whatever_its_history(&dynamo().await).await;
}

#[tokio::test]
async fn reads_fetch_only_the_locations_asked_for() {
    contract::reads_fetch_only_the_locations_asked_for(&dynamo().await).await;
}

#[tokio::test]
async fn create_is_create_only_even_when_racing() {
    contract::create_is_create_only_even_when_racing(&dynamo().await).await;
}

#[tokio::test]
async fn jobs_and_keys_belong_to_their_tenant() {
    contract::jobs_and_keys_belong_to_their_tenant(&dynamo().await).await;
}

#[tokio::test]
async fn warm_lookups_read_only_what_was_not_found() {
    contract::warm_lookups_read_only_what_was_not_found(dynamo().await).await;
}
