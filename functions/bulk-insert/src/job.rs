//! The job record a bulk insert answers with, and `GET /inventory/bulk-insert/jobs/{id}`.

use inventory_core::auth::Scope;
use inventory_core::http::{App, Ctx, Endpoint, Rejection, Reply};
use inventory_core::identifiers::Identifier;
use inventory_core::jobs::{Job, new_job_id};
use inventory_core::lambda_http::{Request, RequestExt};
use inventory_core::layout::now_micros;
use inventory_core::model::{Micros, rfc3339};
use inventory_core::resolve::ResolveError;
use inventory_core::service::{ItemFailure, Stored, Target};
use inventory_core::store::Backend;
use inventory_core::validate;
use serde_json::json;

use crate::FabricErrors;

/// What one bulk insert did.
#[derive(Debug, Clone)]
pub struct JobReport {
    pub started: Micros,
    pub finished: Micros,
    pub rows: usize,
    pub items_found: usize,
    pub items_saved: usize,
    /// `Row N: ...` for every row that was not saved.
    pub row_errors: Vec<String>,
}

impl JobReport {
    /// What the rows of a request (their `identifiers`) came to: `found` distinct records,
    /// and the commit's `outcomes`.
    pub fn new(
        started: Micros,
        identifiers: &[Identifier],
        found: usize,
        outcomes: &[Result<Stored, ItemFailure>],
    ) -> Self {
        let saved = outcomes.iter().filter_map(|o| o.as_ref().ok());
        let row_errors = outcomes
            .iter()
            .zip(identifiers)
            .enumerate()
            .filter_map(|(i, (outcome, identifier))| {
                let failure = outcome.as_ref().err()?;
                Some(format!("Row {}: {}", i + 1, row_error(identifier, failure)))
            })
            .collect();
        JobReport {
            started,
            finished: now_micros(),
            rows: outcomes.len(),
            items_found: found,
            items_saved: distinct(
                saved.map(|s| (s.variant.variant_id.as_str(), s.location_id.as_str())),
            ),
            row_errors,
        }
    }

    /// How many distinct records (variant, location) `targets` name: the job's items.
    pub fn records<'a>(targets: impl Iterator<Item = &'a Target>) -> usize {
        distinct(targets.map(|t| (t.variant.variant_id.as_str(), t.location_id.as_str())))
    }
}

fn distinct<'a>(records: impl Iterator<Item = (&'a str, &'a str)>) -> usize {
    let mut seen = foldhash::HashSet::with_capacity_and_hasher(
        records.size_hint().1.unwrap_or_default(),
        Default::default(),
    );
    seen.extend(records);
    seen.len()
}

fn row_error(identifier: &Identifier, failure: &ItemFailure) -> String {
    let named = match identifier {
        Identifier::ItemId(v) => format!("\"Item Id\" {v}"),
        other => format!("\"SKU\" {}", other.value()),
    };
    match failure {
        ItemFailure::Resolve(ResolveError::NotFound | ResolveError::Invalid(_)) => {
            format!("Cannot find {named}.")
        }
        ItemFailure::Resolve(ResolveError::Ambiguous(ids)) => {
            format!("{named} matches several items ({}).", ids.join(", "))
        }
        _ => "Failed to save the item, please retry.".to_owned(),
    }
}

/// The job record, field for field as the document shows it.
pub fn job_document(report: &JobReport) -> Job {
    let id = new_job_id((report.started / 1_000_000) as u32);
    let mut messages = vec![
        format!("Import Inventory job started: {}", js_date(report.started)),
        format!("{} row(s) found", report.rows),
        format!("{} Inventory Item(s) found", report.items_found),
    ];
    messages.extend(report.row_errors.iter().cloned());
    // The trailing space is the document's.
    messages.push(format!("Successfully saved {} items ", report.items_saved));
    messages.push(format!(
        "Successfully finished API Inventory Bulk Upload: {}",
        js_date(report.finished)
    ));
    let document = json!({
        "_id": id,
        "messages": messages,
        "keyId": format!("api-{}", report.started / 1000),
        "type": "api",
        "status": "FINISHED",
        "totalItems": report.items_found,
        "totalItemsUploaded": report.items_saved,
        "totalRows": report.rows,
        "totalRowsErrors": report.row_errors.len(),
        "createdAt": rfc3339(report.started),
        "updatedAt": rfc3339(report.finished),
        "__v": 0,
    });
    Job { id, document }
}

/// JavaScript's `Date.prototype.toString()` in UTC, as the document's messages show it:
/// `Mon Nov 02 2020 22:26:10 GMT+0000 (Coordinated Universal Time)`.
pub fn js_date(at: Micros) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day] [year] [hour]:[minute]:[second] GMT+0000 (Coordinated Universal Time)"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

pub struct BulkInsertJob;

impl Endpoint for BulkInsertJob {
    const NAME: &'static str = "bulk-insert-job";
    const SCOPE: Scope = Scope::InventoryRead;
    type Dialect = FabricErrors;

    async fn handle<B: Backend>(app: &App<B>, cx: &Ctx, req: Request) -> Result<Reply, Rejection> {
        let id = req
            .path_parameters_ref()
            .and_then(|p| p.first("id"))
            .unwrap_or_default()
            .to_owned();
        if validate::identifier("id", &id).is_err() {
            return Err(Rejection::not_found(format!("Job not found: {id}")));
        }
        match app
            .store
            .job(&cx.principal.tenant, &id, cx.deadline)
            .await?
        {
            Some(job) => Reply::ok(&job.document),
            None => Err(Rejection::not_found(format!("Job not found: {id}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_like_javascript() {
        assert_eq!(
            js_date(1_604_355_970_175_000),
            "Mon Nov 02 2020 22:26:10 GMT+0000 (Coordinated Universal Time)"
        );
    }

    #[test]
    fn the_document_has_every_documented_field() {
        let job = job_document(&JobReport {
            started: 1_604_355_970_096_000,
            finished: 1_604_355_970_448_000,
            rows: 2,
            items_found: 1,
            items_saved: 1,
            row_errors: vec![],
        });
        let d = &job.document;
        assert_eq!(d["_id"], job.id);
        assert_eq!(d["keyId"], "api-1604355970096");
        assert_eq!(
            d["messages"],
            json!([
                "Import Inventory job started: Mon Nov 02 2020 22:26:10 GMT+0000 (Coordinated Universal Time)",
                "2 row(s) found",
                "1 Inventory Item(s) found",
                "Successfully saved 1 items ",
                "Successfully finished API Inventory Bulk Upload: Mon Nov 02 2020 22:26:10 GMT+0000 (Coordinated Universal Time)"
            ])
        );
        assert_eq!(d["createdAt"], "2020-11-02T22:26:10.096Z");
        assert_eq!(d["updatedAt"], "2020-11-02T22:26:10.448Z");
        for (field, value) in [
            ("type", json!("api")),
            ("status", json!("FINISHED")),
            ("totalItems", json!(1)),
            ("totalItemsUploaded", json!(1)),
            ("totalRows", json!(2)),
            ("totalRowsErrors", json!(0)),
            ("__v", json!(0)),
        ] {
            assert_eq!(d[field], value, "{field}");
        }
        assert!(job.id.starts_with("5fa08782"));
    }
}
