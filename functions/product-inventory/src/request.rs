//! The request body, read once into its typed form, and the dialect's rules for it.

use inventory_core::http::Rejection;
use inventory_core::identifiers::{GtinForm, Identifier};
use inventory_core::lambda_http::Request;
use inventory_core::model::StockUpdate;
use inventory_core::reader::{self, Id, Quantity};
use inventory_core::record;
use inventory_core::resolve::LocationRef;
use inventory_core::service::UpdateItem;
use inventory_core::validate::{FieldError, Problem};

record! {
    /// The body.
    pub struct Body<'a> {
        "upc" => upc: Id<'a>,
        "sku" => sku: Id<'a>,
        "size" => size: Id<'a>,
        "width" => width: Id<'a>,
        "store" => store: Id<'a>,
        "quantity" => quantity: Quantity,
    }
}

/// The request, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateRequest {
    pub identifier: Identifier,
    pub store: String,
    pub quantity: i64,
}

impl UpdateRequest {
    pub fn upc(&self) -> Option<&str> {
        match &self.identifier {
            Identifier::Gtin { raw, .. } => Some(raw),
            _ => None,
        }
    }

    /// The canonical update: the on-hand quantity at the store.
    pub fn item(&self) -> UpdateItem {
        UpdateItem {
            identifier: self.identifier.clone(),
            location: LocationRef::Id(self.store.clone()),
            update: StockUpdate {
                on_hand: Some(self.quantity),
                ..Default::default()
            },
        }
    }
}

/// The body, read into `body`, if it is JSON; whether it was an object.
pub fn read<'a>(req: &'a Request, body: &mut Body<'a>) -> Result<bool, Rejection> {
    let other = reader::object(req, body).map_err(|e| Rejection::invalid(e.to_string()))?;
    Ok(other.is_none())
}

/// The dialect's rules. Required fields are checked in the order the document lists them,
/// so the first missing one is the one reported.
pub fn parse(body: &Body, object: bool) -> Result<UpdateRequest, FieldError> {
    if !object {
        return Err(FieldError::new("Request body", Problem::NotObject));
    }
    let identifier = match body.upc.as_ref().of("upc")? {
        Some(upc) => {
            // A upc request names the product fully; lookup fields beside it are refused
            // rather than silently ignored.
            let beside = [
                ("sku", &body.sku),
                ("size", &body.size),
                ("width", &body.width),
            ];
            if let Some((field, _)) = beside.iter().find(|(_, f)| f.is_given()) {
                return Err(FieldError::new(*field, Problem::Unknown));
            }
            Identifier::Gtin {
                form: GtinForm::Upc,
                raw: upc.owned(),
            }
        }
        None => Identifier::SkuSizeWidth {
            sku: body.sku.as_ref().required("sku")?.owned(),
            size: body.size.as_ref().required("size")?.owned(),
            width: body.width.as_ref().required("width")?.owned(),
        },
    };
    let store = body.store.as_ref().required("store")?.owned();
    let quantity = body.quantity.as_ref().required("quantity")?.0;
    body.strays.first("")?;
    Ok(UpdateRequest {
        identifier,
        store,
        quantity,
    })
}
