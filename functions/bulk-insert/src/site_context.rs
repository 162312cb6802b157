//! The `x-site-context` header: JSON naming the account (and channel) a request is for.

use inventory_core::http::Rejection;
use inventory_core::lambda_http::http::HeaderMap;
use inventory_core::validate::Fields;

/// What the header says. Absent header: the key's tenant alone decides.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SiteContext {
    pub account: Option<String>,
    pub channel: Option<String>,
}

pub fn read(headers: &HeaderMap) -> Result<SiteContext, Rejection> {
    let Some(raw) = headers.get("x-site-context") else {
        return Ok(SiteContext::default());
    };
    let bad = |why: String| Rejection::invalid(format!("Invalid x-site-context header: {why}"));
    let text = raw.to_str().map_err(|_| bad("not UTF-8 text".into()))?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON ({e})")))?;
    let mut f = Fields::of(&value, "x-site-context").map_err(|e| bad(e.to_string()))?;
    let account = f
        .id("account")
        .map_err(|e| bad(e.to_string()))?
        .ok_or_else(|| bad("it names no account".into()))?;
    let channel = f.id("channel").map_err(|e| bad(e.to_string()))?;
    // The other documented fields are informational.
    for informational in ["date", "stage"] {
        f.ignore(informational);
    }
    f.finish().map_err(|e| bad(e.to_string()))?;
    Ok(SiteContext {
        account: Some(account),
        channel,
    })
}
