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

    /// The report the job will have if every resolved row is saved: written beside the
    /// stock, so the job record costs no round trip of its own (see `insert.rs`).
    pub fn planned(
        started: Micros,
        identifiers: &[Identifier],
        found: usize,
        items: &[Result<Target, ItemFailure>],
    ) -> Self {
        let row_errors = items
            .iter()
            .zip(identifiers)
            .enumerate()
            .filter_map(|(i, (item, identifier))| {
                let failure = item.as_ref().err()?;
                Some(format!("Row {}: {}", i + 1, row_error(identifier, failure)))
            })
            .collect();
        JobReport {
            started,
            finished: now_micros(),
            rows: items.len(),
            items_found: found,
            items_saved: found,
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

/// Row errors listed in a job's `messages` at most, and the most text they take: a DynamoDB
/// item holds 400 KB, and a job record that cannot be stored cannot be read back. Past
/// either, one line says how many more there were; `totalRowsErrors` counts them all.
pub const LISTED_ROW_ERRORS: usize = 1000;
pub const LISTED_ROW_ERROR_BYTES: usize = 256 * 1024;

/// A new job id for a bulk insert started at `started`.
pub fn job_id(started: Micros) -> String {
    new_job_id((started / 1_000_000) as u32)
}

/// The job record, field for field as the document shows it.
pub fn job_document(id: &str, report: &JobReport) -> Job {
    let id = id.to_owned();
    let mut messages = vec![
        format!("Import Inventory job started: {}", js_date(report.started)),
        format!("{} row(s) found", report.rows),
        format!("{} Inventory Item(s) found", report.items_found),
    ];
    let mut bytes = 0;
    let listed = report
        .row_errors
        .iter()
        .take(LISTED_ROW_ERRORS)
        .take_while(|e| {
            bytes += e.len();
            bytes <= LISTED_ROW_ERROR_BYTES
        })
        .count();
    messages.extend(report.row_errors[..listed].iter().cloned());
    if listed < report.row_errors.len() {
        messages.push(format!(
            "{} more row error(s) not listed",
            report.row_errors.len() - listed
        ));
    }
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
        let job = job_document(
            &job_id(1_604_355_970_096_000),
            &JobReport {
                started: 1_604_355_970_096_000,
                finished: 1_604_355_970_448_000,
                rows: 2,
                items_found: 1,
                items_saved: 1,
                row_errors: vec![],
            },
        );
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

    #[test]
    fn row_errors_are_listed_up_to_a_bound_and_counted_in_full() {
        let report = |n: usize, len: usize| JobReport {
            started: 0,
            finished: 0,
            rows: n + 1,
            items_found: 1,
            items_saved: 1,
            row_errors: (0..n)
                .map(|i| format!("Row {}: Cannot find \"SKU\" {}.", i + 2, "x".repeat(len)))
                .collect(),
        };
        let listed = |job: &Job| job.document["messages"].as_array().unwrap().len() - 5;
        let few = job_document("id", &report(10, 10));
        assert_eq!(listed(&few), 10);
        let many = job_document("id", &report(1600, 254));
        assert_eq!(many.document["totalRowsErrors"], 1600);
        let messages = many.document["messages"].as_array().unwrap();
        let kept = messages.len() - 6;
        assert!(
            kept * 280 <= LISTED_ROW_ERROR_BYTES && kept < 1600,
            "{kept}"
        );
        assert_eq!(
            messages[messages.len() - 3],
            format!("{} more row error(s) not listed", 1600 - kept)
        );
        assert!(serde_json::to_vec(&many.document).unwrap().len() < 300 * 1024);
        let counted = job_document("id", &report(1200, 1));
        assert_eq!(listed(&counted), LISTED_ROW_ERRORS + 1);
    }
}
