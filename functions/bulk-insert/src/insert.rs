//! `POST /inventory/bulk-insert`.
//!
//! Every row is checked first: a malformed row or an unknown location fails the whole
//! request with `Inventory insert failed: Row N: ...` and nothing is written, as the document
//! shows for locations. Rows whose item is not in the catalog are row errors of the job: the
//! other rows are still saved and the job record counts and names the failed rows.

use inventory_core::auth::Scope;
use inventory_core::http::{App, Ctx, Endpoint, Kind, Rejection, Reply};
use inventory_core::identifiers::Identifier;
use inventory_core::jobs::Job;
use inventory_core::lambda_http::Request;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::layout::now_micros;
use inventory_core::model::Micros;
use inventory_core::resolve::LocationError;
use inventory_core::service::{self, ItemFailure, Target};
use inventory_core::store::Backend;

use crate::job::{JobReport, job_document, job_id};
use crate::{FabricErrors, rows, site_context};

pub struct BulkInsert;

/// Time past the deadline a job record may take to be corrected.
const JOB_GRACE: std::time::Duration = std::time::Duration::from_millis(400);

/// The request's failure, in the document's words.
pub fn failed(why: impl std::fmt::Display) -> Rejection {
    Rejection::invalid(format!("Inventory insert failed: {why}."))
}

impl Endpoint for BulkInsert {
    const NAME: &'static str = "bulk-insert";
    const SCOPE: Scope = Scope::InventoryWrite;
    type Dialect = FabricErrors;

    async fn handle<B: Backend>(app: &App<B>, cx: &Ctx, req: Request) -> Result<Reply, Rejection> {
        let started = now_micros();
        let context = site_context::read(req.headers())?;
        let rows = rows::read(&req)?;
        let (items, slots) = service::split(rows::updates(rows, context.channel.as_deref()));
        if let Some((_, refused)) = slots.errors().next() {
            return Err(refused.clone());
        }
        let identifiers: Vec<Identifier> = items.iter().map(|i| i.identifier.clone()).collect();
        let tenant = &cx.principal.tenant;
        let account = context.account.as_deref();
        let plan = service::plan(
            &app.store,
            tenant,
            items,
            |also| account.into_iter().for_each(|a| also.account(a)),
            cx.deadline,
        )
        .await?;
        if let Some(account) = account.filter(|a| !plan.knows_account(a)) {
            // Documented as a 500: the account of x-site-context is not this tenant's.
            let text = format!("Account not found: {account}");
            return Err(Rejection::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Kind::NotFound,
                text,
            ));
        }
        unknown_location(&plan.items)?;
        let job = save_with_job(app, cx, started, &identifiers, plan.items).await?;
        Reply::ok(&job.document)
    }
}

/// Saves the rows and the job record that reports them, side by side: the job as it will read
/// if every resolved row is saved goes out with the stock writes, not after them, and is
/// corrected if any row was not saved. A job that cannot be stored fails the request (no
/// `_id` that would read back as "not found"), though its stock is saved.
async fn save_with_job<B: Backend>(
    app: &App<B>,
    cx: &Ctx,
    started: Micros,
    identifiers: &[Identifier],
    items: Vec<Result<Target, ItemFailure>>,
) -> Result<Job, Rejection> {
    let tenant = &cx.principal.tenant;
    let found = JobReport::records(items.iter().filter_map(|t| t.as_ref().ok()));
    let id = job_id(started);
    let planned = job_document(
        &id,
        &JobReport::planned(started, identifiers, found, &items),
    );
    let (outcomes, kept) = tokio::join!(
        service::commit(&app.store, tenant, items, cx.deadline),
        app.store.put_job(tenant, &planned, cx.deadline),
    );
    let all_saved = !outcomes
        .iter()
        .any(|o| o.as_ref().is_err_and(ItemFailure::is_store_failure));
    let job = if all_saved {
        planned
    } else {
        job_document(&id, &JobReport::new(started, identifiers, found, &outcomes))
    };
    let kept = match kept {
        Ok(()) if all_saved => Ok(()),
        // Writes that ran to the deadline still get their job recorded: within the margin
        // kept for the response.
        _ => {
            app.store
                .put_job(tenant, &job, cx.deadline.grace(JOB_GRACE))
                .await
        }
    };
    if service::store_failed_all(&outcomes) {
        return Err(Rejection::unavailable());
    }
    if let Err(e) = kept {
        tracing::error!(error = %e, job = %job.id, "the job record could not be stored");
        let saved = job.document["totalItemsUploaded"].clone();
        return Err(Rejection::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Kind::Internal,
            format!(
                "Inventory insert failed: the job record could not be stored ({saved} item(s) were saved); send the request again"
            ),
        ));
    }
    Ok(job)
}

/// The first row whose location the tenant does not have fails the request.
fn unknown_location(items: &[Result<Target, ItemFailure>]) -> Result<(), Rejection> {
    for (i, item) in items.iter().enumerate() {
        if let Err(ItemFailure::Location(LocationError::Unknown(location))) = item {
            return Err(failed(format!(
                "Row {}: Cannot find \"Location Id\" {location}",
                i + 1
            )));
        }
    }
    Ok(())
}
