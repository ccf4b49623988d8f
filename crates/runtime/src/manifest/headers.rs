//! The client's smaller headers: `X-PJX-Assets` and `X-PJX-Trigger`.

use std::collections::HashSet;

use serde_json::Value;

use crate::engine::Limits;
use crate::html::region_id;

/// Parses `X-PJX-Assets`: the asset URLs the page has loaded. Unusable values count as none.
///
/// ```
/// let assets = pjx::manifest::parse_assets(r#"["/a.css", 3, "/b.js"]"#, &Default::default());
/// assert!(assets.contains("/a.css") && assets.contains("/b.js") && assets.len() == 2);
/// ```
pub fn parse_assets(header: &str, limits: &Limits) -> HashSet<String> {
    let mut out = HashSet::new();
    if header.len() > limits.max_header_bytes {
        tracing::warn!(target: "pjx::manifest", "X-PJX-Assets is over the size limit; ignored");
        return out;
    }
    match serde_json::from_str::<Value>(header) {
        Ok(Value::Array(items)) => {
            let total = items.len();
            for item in items {
                if let Value::String(s) = item
                    && s.len() <= 2048
                    && out.len() < limits.max_entries
                {
                    out.insert(s);
                }
            }
            if out.len() != total {
                tracing::warn!(
                    target: "pjx::manifest",
                    "X-PJX-Assets: {} of {total} entries ignored",
                    total - out.len()
                );
            }
        }
        _ => tracing::warn!(target: "pjx::manifest", "X-PJX-Assets is not a JSON list; ignored"),
    }
    out
}

/// Parses `X-PJX-Trigger` (`{"id": "…"}`): the region that started the request, if any.
pub fn parse_trigger(header: &str, limits: &Limits) -> Option<String> {
    if header.len() > limits.max_field_bytes * 4 {
        return None;
    }
    match serde_json::from_str::<Value>(header) {
        Ok(Value::Object(mut fields)) => match fields.remove("id") {
            Some(Value::String(id))
                if id.len() <= limits.max_field_bytes && region_id::check(&id).is_ok() =>
            {
                Some(id)
            }
            _ => None,
        },
        _ => {
            tracing::warn!(target: "pjx::manifest", "X-PJX-Trigger is not a JSON object; ignored");
            None
        }
    }
}
