//! The one request flow every dialect uses: canonical items -> resolve -> write -> per-item
//! outcomes. Dialects translate into [`UpdateItem`]s or [`CreateItem`]s and render the
//! outcomes back. One module per flow: [`update`] (plan, commit), [`create`] (create-only
//! writes) and [`read`].

mod create;
mod read;
mod update;

pub use create::{CreateItem, PlannedCreate, commit_create, create, plan_create};
pub use read::read;
pub use update::{Plan, Stored, Target, UpdateItem, commit, plan};

use crate::resolve::{LocationError, ResolveError};
use crate::store::WriteFailure;
use crate::telemetry;

/// Create-only writes in flight at once (`CREATES_IN_FLIGHT`, 256 by default): each is a
/// `Query`, then a conditional `PutItem`, so a request of n items waits about
/// 2 * n / limit round trips on them. Each holds a connection; on AWS a new one costs a TLS
/// handshake, which this machine cannot measure, so the limit stays configurable.
fn creates_in_flight() -> usize {
    static LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::env::var("CREATES_IN_FLIGHT")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
            .unwrap_or(256)
    })
}
/// Record reads in flight at once: a 100-item query reads every record in one wave.
const READS_IN_FLIGHT: usize = 128;

#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ItemFailure {
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    Location(#[from] LocationError),
    #[error("variant {variant_id} does not belong to product {product_id}")]
    WrongProduct {
        variant_id: String,
        product_id: String,
    },
    #[error("preorder is not supported for digital or subscription products")]
    PreorderNotAllowed,
    #[error("an inventory item already exists for this variant and location")]
    AlreadyExists,
    #[error(transparent)]
    Write(#[from] WriteFailure),
    #[error("the data store is unavailable")]
    Unavailable,
}

impl ItemFailure {
    /// Whether the store, not the item, is to blame: sending it again later may succeed.
    pub fn is_store_failure(&self) -> bool {
        matches!(self, ItemFailure::Write(_) | ItemFailure::Unavailable)
    }
}

/// True when nothing was stored and the store is why: the request as a whole is then
/// "unavailable, retry" rather than a list of per-item failures.
pub fn store_failed_all<T>(outcomes: &[Result<T, ItemFailure>]) -> bool {
    !outcomes.is_empty()
        && outcomes.iter().all(Result::is_err)
        && outcomes
            .iter()
            .any(|o| o.as_ref().is_err_and(ItemFailure::is_store_failure))
}

/// Keeps request order while only the valid elements of a request go through the core:
/// each element is either a position among the valid items, or the dialect's own error.
#[derive(Debug)]
pub struct Slots<E> {
    slots: Vec<Result<usize, E>>,
}

/// Splits parsed elements into the valid items and their slots. Counts the request's
/// items (received, and failed for the invalid ones) into the request metrics.
pub fn split<T, E>(parsed: impl IntoIterator<Item = Result<T, E>>) -> (Vec<T>, Slots<E>) {
    let parsed = parsed.into_iter();
    let mut items = Vec::with_capacity(parsed.size_hint().0);
    let slots: Vec<Result<usize, E>> = parsed
        .map(|p| {
            p.map(|item| {
                items.push(item);
                items.len() - 1
            })
        })
        .collect();
    telemetry::received(slots.len());
    telemetry::failed(slots.len() - items.len());
    (items, Slots { slots })
}

impl<E> Slots<E> {
    /// Puts the outcomes of the valid items back in request order, rendering each element
    /// from its outcome or its parse error. `render` gets the element's request index.
    pub fn join<O, R>(
        self,
        outcomes: Vec<O>,
        mut render: impl FnMut(usize, Result<O, E>) -> R,
    ) -> Vec<R> {
        let mut outcomes: Vec<Option<O>> = outcomes.into_iter().map(Some).collect();
        self.slots
            .into_iter()
            .enumerate()
            .filter_map(|(i, slot)| {
                let outcome = match slot {
                    Ok(valid) => Ok(outcomes.get_mut(valid)?.take()?),
                    Err(e) => Err(e),
                };
                Some(render(i, outcome))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
