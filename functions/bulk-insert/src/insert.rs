//! `POST /inventory/bulk-insert`.
//!
//! Every row is checked first: a malformed row or an unknown location fails the whole
//! request with `Inventory insert failed: Row N: ...` and nothing is written, as the document
//! shows for locations. Rows whose item is not in the catalog are row errors of the job: the
//! other rows are still saved and the job record counts and names the failed rows.

use inventory_core::auth::Scope;
use inventory_core::http::{self, App, BodyError, Ctx, Endpoint, Kind, Rejection, Reply};
use inventory_core::identifiers::Identifier;
use inventory_core::lambda_http::Request;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::layout::now_micros;
use inventory_core::resolve::{LocationError, ResolveError};
use inventory_core::service::{self, ItemFailure, UpdateItem};
use inventory_core::store::Backend;
use inventory_core::telemetry;
use serde_json::Value;

use crate::job::{JobReport, job_document};
use crate::{FabricErrors, rows, site_context};

/// Most rows accepted in one call.
pub const MAX_ROWS: usize = 10_000;

pub struct BulkInsert;

fn failed(why: impl std::fmt::Display) -> Rejection {
    Rejection::invalid(format!("Inventory insert failed: {why}."))
}

impl Endpoint for BulkInsert {
    const NAME: &'static str = "bulk-insert";
    const SCOPE: Scope = Scope::InventoryWrite;
    type Dialect = FabricErrors;

    async fn handle<B: Backend>(app: &App<B>, cx: &Ctx, req: Request) -> Result<Reply, Rejection> {
        let started = now_micros();
        let context = site_context::read(req.headers())?;
        // Well-formed Stock rows are read straight into typed items; any other request goes
        // the general way, as JSON read field by field, which words every error.
        let items = match rows::quick::items(&req, context.channel.as_deref()) {
            Some(items) => items,
            None => general_items(&req, context.channel.as_deref())?,
        };
        let rows = items.len();
        telemetry::received(items.len());
        let identifiers: Vec<Identifier> = items.iter().map(|i| i.identifier.clone()).collect();

        let tenant = &cx.principal.tenant;
        let plan = service::plan(
            &app.store,
            tenant,
            items,
            |keys| {
                if let Some(account) = &context.account {
                    keys.account(account);
                }
            },
            cx.deadline,
        )
        .await?;
        if let Some(account) = &context.account
            && !plan.lookup.has_account(account)
        {
            // Documented as a 500: the account of x-site-context is not this tenant's.
            return Err(Rejection::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Kind::NotFound,
                format!("Account not found: {account}"),
            ));
        }
        for (i, item) in plan.items.iter().enumerate() {
            if let Err(ItemFailure::Location(LocationError::Unknown(location))) = item {
                return Err(failed(format!(
                    "Row {}: Cannot find \"Location Id\" {location}",
                    i + 1
                )));
            }
        }

        // Items: the distinct records the rows resolve to.
        let items_found = distinct(
            plan.items.len(),
            plan.items
                .iter()
                .filter_map(|t| t.as_ref().ok())
                .map(|t| (t.variant.variant_id.as_str(), t.location_id.as_str())),
        );
        let outcomes = service::commit(&app.store, tenant, plan.items, cx.deadline).await;
        if service::store_failed_all(&outcomes) {
            return Err(Rejection::unavailable());
        }
        let items_saved = distinct(
            outcomes.len(),
            outcomes
                .iter()
                .filter_map(|o| o.as_ref().ok())
                .map(|stored| {
                    (
                        stored.variant.variant_id.as_str(),
                        stored.location_id.as_str(),
                    )
                }),
        );
        let row_errors: Vec<String> = outcomes
            .iter()
            .zip(&identifiers)
            .enumerate()
            .filter_map(|(i, (outcome, identifier))| {
                let failure = outcome.as_ref().err()?;
                Some(format!("Row {}: {}", i + 1, row_error(identifier, failure)))
            })
            .collect();
        let report = JobReport {
            started,
            finished: now_micros(),
            rows,
            items_found,
            items_saved,
            row_errors,
        };
        let job = job_document(&report);
        if let Err(e) = app.store.put_job(tenant, &job, cx.deadline).await {
            // The stock is saved; only the record of the job is missing. Say so in the log.
            tracing::error!(error = %e, job = %job.id, "the job record could not be stored");
        }
        Reply::ok(&job.document)
    }
}

/// Every row, read from the body as JSON: one malformed row fails them all.
pub(crate) fn general_items(
    req: &Request,
    default_channel: Option<&str>,
) -> Result<Vec<UpdateItem>, Rejection> {
    let body = http::parse_json(req).map_err(|e| match e {
        BodyError::Empty => failed("no rows found"),
        BodyError::Malformed(e) => failed(format!("request body is not valid JSON ({e})")),
    })?;
    let Value::Array(rows) = &body else {
        return Err(failed("the request body must be a JSON array of rows"));
    };
    if rows.is_empty() {
        return Err(failed("no rows found"));
    }
    if rows.len() > MAX_ROWS {
        return Err(failed(format!("more than {MAX_ROWS} rows")));
    }
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            rows::parse(row, default_channel).map_err(|e| failed(format!("Row {}: {e}", i + 1)))
        })
        .collect()
}

/// How many distinct (variant, location) records `records` names.
fn distinct<'a>(at_most: usize, records: impl Iterator<Item = (&'a str, &'a str)>) -> usize {
    let mut seen = foldhash::HashSet::with_capacity_and_hasher(at_most, Default::default());
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
