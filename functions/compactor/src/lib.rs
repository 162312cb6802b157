//! Keeps reads cheap: for every record partition a batch of stream records touched, folds
//! the settled update commands into the record's snapshot (see `inventory_core::ledger`).
//! Correctness never depends on it; a failed batch is retried by Lambda, and compaction is
//! idempotent.

use std::collections::BTreeSet;

use aws_lambda_events::event::dynamodb::Event;
use inventory_core::ledger::{SETTLE_WINDOW, now_micros};
use inventory_core::model::TenantId;
use inventory_core::store::StoreError;
use inventory_core::store::dynamo::DynamoStore;
use serde::Serialize;

/// What one invocation did.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub partitions: usize,
    pub folded: usize,
}

/// The (tenant, variant) partitions that received new commands in this batch.
pub fn touched_partitions(event: &Event) -> BTreeSet<(TenantId, String)> {
    event
        .records
        .iter()
        .filter(|r| r.event_name == "INSERT")
        .filter_map(|r| {
            let text = |name: &str| match r.change.keys.get(name) {
                Some(serde_dynamo::AttributeValue::S(s)) => Some(s.as_str()),
                _ => None,
            };
            // Only commands need folding; snapshot writes (`{location}#s`) do not.
            if !text("sk")?.contains("#c#") {
                return None;
            }
            let (tenant, variant) = text("pk")?.split_once('#')?;
            Some((TenantId::parse(tenant)?, variant.to_owned()))
        })
        .collect()
}

pub async fn handle(store: &DynamoStore, event: Event) -> Result<Report, StoreError> {
    let settled_before = now_micros() - SETTLE_WINDOW.as_micros() as i64;
    let mut report = Report::default();
    for (tenant, variant) in touched_partitions(&event) {
        report.partitions += 1;
        report.folded += store
            .compact_variant(&tenant, &variant, settled_before)
            .await?;
    }
    tracing::info!(
        partitions = report.partitions,
        folded = report.folded,
        "compaction pass"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inserted_commands_name_a_partition() {
        let event: Event = serde_json::from_value(serde_json::json!({"Records": [
            {"eventID": "1", "eventName": "INSERT", "awsRegion": "us-east-1", "eventSource": "aws:dynamodb",
             "dynamodb": {"Keys": {"pk": {"S": "demo#V#1"}, "sk": {"S": "3#c#0000018b2f3c4d5e0000000000000001"}}, "SequenceNumber": "1", "SizeBytes": 1, "StreamViewType": "KEYS_ONLY"}},
            {"eventID": "2", "eventName": "INSERT", "awsRegion": "us-east-1", "eventSource": "aws:dynamodb",
             "dynamodb": {"Keys": {"pk": {"S": "demo#V#1"}, "sk": {"S": "104#c#0000018b2f3c4d5e0000000000000002"}}, "SequenceNumber": "2", "SizeBytes": 1, "StreamViewType": "KEYS_ONLY"}},
            {"eventID": "3", "eventName": "MODIFY", "awsRegion": "us-east-1", "eventSource": "aws:dynamodb",
             "dynamodb": {"Keys": {"pk": {"S": "acme#V2"}, "sk": {"S": "3#s"}}, "SequenceNumber": "3", "SizeBytes": 1, "StreamViewType": "KEYS_ONLY"}},
            {"eventID": "4", "eventName": "REMOVE", "awsRegion": "us-east-1", "eventSource": "aws:dynamodb",
             "dynamodb": {"Keys": {"pk": {"S": "acme#V3"}, "sk": {"S": "3#c#0000018b2f3c4d5e0000000000000003"}}, "SequenceNumber": "4", "SizeBytes": 1, "StreamViewType": "KEYS_ONLY"}}
        ]}))
        .unwrap();
        let touched: Vec<(String, String)> = touched_partitions(&event)
            .into_iter()
            .map(|(t, v)| (t.to_string(), v))
            .collect();
        assert_eq!(touched, [("demo".to_owned(), "V#1".to_owned())]);
    }
}
