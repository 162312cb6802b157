//! The `x-site-context` header: JSON naming the account (and channel) a request is for.

use inventory_core::http::Rejection;
use inventory_core::lambda_http::http::HeaderMap;
use inventory_core::reader::{Anything, Element, Id};
use inventory_core::record;
use inventory_core::validate::{FieldError, Problem};

/// What the header says. Absent header: the key's tenant alone decides.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SiteContext {
    pub account: Option<String>,
    pub channel: Option<String>,
}

record! {
    struct Header<'a> {
        "account" => account: Id<'a>,
        "channel" => channel: Id<'a>,
        /// Informational: accepted, whatever it holds.
        #[allow(dead_code)]
        "date" => date: Anything,
        #[allow(dead_code)]
        "stage" => stage: Anything,
    }
}

pub fn read(headers: &HeaderMap) -> Result<SiteContext, Rejection> {
    let bad = |why: String| Rejection::invalid(format!("Invalid x-site-context header: {why}"));
    let mut values = headers.get_all("x-site-context").iter();
    let raw = match (values.next(), values.next()) {
        (None, _) => return Ok(SiteContext::default()),
        (Some(raw), None) => raw,
        (Some(_), Some(_)) => return Err(bad("it is given more than once".into())),
    };
    let text = raw.to_str().map_err(|_| bad("not UTF-8 text".into()))?;
    let header = match serde_json::from_str::<Element<Header>>(text) {
        Ok(Element::Ok(header)) => header,
        Ok(Element::Other(_)) => {
            let e = FieldError::new("x-site-context", Problem::NotObject);
            return Err(bad(e.to_string()));
        }
        Err(e) => return Err(bad(format!("not valid JSON ({e})"))),
    };
    let account = header
        .account
        .of("account")
        .map_err(|e| bad(e.to_string()))?;
    let account = account.ok_or_else(|| bad("it names no account".into()))?;
    let channel = header
        .channel
        .of("channel")
        .map_err(|e| bad(e.to_string()))?;
    header.strays.first("").map_err(|e| bad(e.to_string()))?;
    Ok(SiteContext {
        account: Some(account.into_string()),
        channel: channel.map(Id::into_string),
    })
}
