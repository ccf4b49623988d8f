//! What the client runtime (pjx.js) sends, modelled for tests: the `X-PJX-Mounted` header —
//! every region, or for a page too large for a header the regions a request most likely
//! concerns, marked partial — and the sync request that follows a partial one when regions it
//! left out need updating. See `docs/reactivity.md`, "Large pages".

use serde_json::Value;

use super::Dom;
use super::dom::region_elements;

/// The size pjx.js keeps `X-PJX-Mounted` under (actix-web refuses a request head over
/// 128 KiB).
pub const CLIENT_HEADER_BUDGET: usize = 32 * 1024;

/// A region as the client runtime reads it from the page.
struct Region {
    id: String,
    type_name: String,
    hash: String,
    load: Option<String>,
    reacts: Vec<String>,
    /// The index of the region holding it.
    parent: Option<usize>,
}

fn regions(page: &Dom) -> Vec<Region> {
    let mut open: Vec<(u32, usize)> = Vec::new();
    region_elements(page.html())
        .into_iter()
        .enumerate()
        .filter_map(|(index, (element, depth))| {
            while open.last().is_some_and(|&(d, _)| d >= depth) {
                open.pop();
            }
            let parent = open.last().map(|&(_, i)| i);
            open.push((depth, index));
            Some(Region {
                id: element.attr("data-pjx-id")?.to_owned(),
                type_name: element.attr("data-pjx-type").unwrap_or("").to_owned(),
                hash: element.attr("data-pjx-hash").unwrap_or("").to_owned(),
                load: element.attr("data-pjx-load").map(str::to_owned),
                reacts: element
                    .attr("data-pjx-reacts")
                    .unwrap_or("")
                    .split(' ')
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect(),
                parent,
            })
        })
        .collect()
}

fn entry(region: &Region, type_index: usize, depth: u32) -> Value {
    let hash = &region.hash[..region.hash.len().min(crate::hash::MIN_REPORTED_HEX_LEN)];
    let mut row = vec![
        Value::from(region.id.as_str()),
        Value::from(type_index),
        Value::from(hash),
    ];
    if region.load.is_some() || depth > 0 {
        row.push(region.load.as_deref().map_or(Value::Null, Value::from));
    }
    if depth > 0 {
        row.push(Value::from(depth));
    }
    Value::Array(row)
}

/// The index of `name` in the type table, adding it if new.
fn type_index<'a>(types: &mut Vec<&'a str>, name: &'a str) -> usize {
    types.iter().position(|t| *t == name).unwrap_or_else(|| {
        types.push(name);
        types.len() - 1
    })
}

/// The compact manifest of `listed` (indexes into `all`, in page order), depths counted
/// among the listed regions; a partial one also names every type on the page.
fn encode(all: &[Region], listed: &[usize], partial: bool) -> String {
    let mut types: Vec<&str> = Vec::new();
    let mut is_listed = vec![false; all.len()];
    for &i in listed {
        is_listed[i] = true;
    }
    let mut rows = Vec::with_capacity(listed.len());
    for &i in listed {
        let mut depth = 0;
        let mut up = all[i].parent;
        while let Some(p) = up {
            depth += u32::from(is_listed[p]);
            up = all[p].parent;
        }
        let t = type_index(&mut types, &all[i].type_name);
        rows.push(entry(&all[i], t, depth));
    }
    if partial {
        for region in all {
            type_index(&mut types, &region.type_name);
        }
    }
    // Built by hand to keep the runtime's key order ("t" first; serde_json would sort).
    let mut out = format!(
        "{{\"t\":{},\"m\":{}",
        Value::from(types),
        Value::Array(rows)
    );
    if partial {
        out.push_str(",\"p\":1");
    }
    out.push('}');
    out
}

/// The `X-PJX-Mounted` value for every region in `manifest`'s page order, exactly as the
/// client runtime sends it when the page fits its header: the compact form, with a type
/// table, 16-digit hash prefixes and depths.
///
/// ```
/// let m = pjx::testing::manifest_from_html(
///     r#"<p data-pjx-id="a" data-pjx-type="t" data-pjx-hash="0123456789abcdef0123"></p>"#);
/// assert_eq!(pjx::testing::compact_mounted_header(&m), r#"{"t":["t"],"m":[["a",0,"0123456789abcdef"]]}"#);
/// ```
pub fn compact_mounted_header(manifest: &crate::manifest::Manifest) -> String {
    let mut types: Vec<&str> = Vec::new();
    let mut rows: Vec<Value> = Vec::new();
    for m in manifest.entries() {
        let index = type_index(&mut types, m.type_name.unwrap_or(""));
        let region = Region {
            id: m.id.to_owned(),
            type_name: String::new(),
            hash: m.hash.unwrap_or("").to_owned(),
            load: m.load.map(str::to_owned),
            reacts: Vec::new(),
            parent: None,
        };
        rows.push(entry(&region, index, m.depth));
    }
    format!(
        "{{\"t\":{},\"m\":{}}}",
        Value::from(types),
        Value::Array(rows)
    )
}

/// What the client runtime sends for one request from a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientManifest {
    /// The `X-PJX-Mounted` value.
    pub header: String,
    /// The ids of the regions it left out (none when the page fits the header).
    pub omitted: Vec<String>,
}

/// What the client runtime sends for a request made from `trigger` (the id of the region the
/// triggering element is in, if any) on `page`, within [`CLIENT_HEADER_BUDGET`].
///
/// ```
/// use pjx::testing::{Dom, client_manifest};
/// let page = Dom::new(r#"<p data-pjx-id="a" data-pjx-type="t" data-pjx-hash="00"></p>"#);
/// let sent = client_manifest(&page, None);
/// assert!(sent.omitted.is_empty() && !sent.header.contains("\"p\""));
/// ```
pub fn client_manifest(page: &Dom, trigger: Option<&str>) -> ClientManifest {
    ClientManifest::within(page, trigger, CLIENT_HEADER_BUDGET)
}

impl ClientManifest {
    /// [`client_manifest`] with another budget (tests make small pages partial with it).
    pub fn within(page: &Dom, trigger: Option<&str>, budget: usize) -> ClientManifest {
        let all = regions(page);
        let every: Vec<usize> = (0..all.len()).collect();
        // Every entry is at least 26 bytes: only a page that may fit is encoded whole first.
        if all.len().saturating_mul(26) <= budget {
            let full = encode(&all, &every, false);
            if full.len() <= budget {
                return ClientManifest {
                    header: full,
                    omitted: Vec::new(),
                };
            }
        }
        // The regions holding the trigger, every region with their load keys, the unkeyed
        // regions, then the rest in page order; each with the regions holding it.
        let mut own = Vec::new();
        let mut up = trigger.and_then(|id| all.iter().position(|r| r.id == id));
        while let Some(i) = up {
            own.push(i);
            up = all[i].parent;
        }
        let loads: Vec<&str> = own.iter().filter_map(|&i| all[i].load.as_deref()).collect();
        let want = own
            .iter()
            .copied()
            .chain(every.iter().copied().filter(|&i| {
                all[i]
                    .load
                    .as_deref()
                    .is_some_and(|load| loads.contains(&load))
            }))
            .chain(every.iter().copied().filter(|&i| all[i].load.is_none()))
            .chain(every.iter().copied());
        let mut keep = vec![false; all.len()];
        // What the type table and the estimates may take beyond the entries.
        let mut room = (budget - budget / 16) as isize;
        // As pjx.js estimates an entry: its id and load as JSON, and 30 bytes of the rest.
        let cost = |i: usize| {
            let json_len = |t: &str| serde_json::to_string(t).map_or(0, |s| s.len());
            let r = &all[i];
            (json_len(&r.id) + r.load.as_deref().map_or(4, json_len) + 30) as isize
        };
        for i in want {
            if keep[i] {
                continue;
            }
            let mut chain = Vec::new();
            let mut up = Some(i);
            while let Some(j) = up.filter(|&j| !keep[j]) {
                chain.push(j);
                up = all[j].parent;
            }
            let total: isize = chain.iter().map(|&j| cost(j)).sum();
            if total <= room {
                room -= total;
                for j in chain {
                    keep[j] = true;
                }
            } else if room < 64 {
                break;
            }
        }
        let listed: Vec<usize> = every.iter().copied().filter(|&i| keep[i]).collect();
        ClientManifest {
            header: encode(&all, &listed, true),
            omitted: every
                .iter()
                .filter(|&&i| !keep[i])
                .map(|&i| all[i].id.clone())
                .collect(),
        }
    }

    /// Whether the header leaves regions out.
    pub fn is_partial(&self) -> bool {
        self.header.ends_with(",\"p\":1}")
    }

    /// The sync request the client runtime sends once the answer (whose `X-PJX-Dirtied`
    /// value is `dirtied`) is applied to `page`: the regions it left out that are still on the
    /// page and that a dirtied key concerns, or `None` when there are none.
    ///
    /// (pjx.js also leaves out the regions the answer replaced, which it tells by their DOM
    /// nodes; this model keeps them, which only costs the sync walk a load that finds them
    /// unchanged.)
    pub fn sync(&self, page: &Dom, dirtied: Option<&str>) -> Option<SyncRequest> {
        let keys: Vec<String> = serde_json::from_str(dirtied?).ok()?;
        let all = regions(page);
        let omitted: std::collections::HashSet<&str> =
            self.omitted.iter().map(String::as_str).collect();
        let stale: Vec<usize> = (0..all.len())
            .filter(|&i| omitted.contains(all[i].id.as_str()))
            .filter(|&i| keys.iter().any(|key| concerns(&all[i], key)))
            .collect();
        (!stale.is_empty()).then(|| SyncRequest {
            mounted: encode(&all, &stale, false),
            keys,
        })
    }
}

/// Whether a dirtied wire key concerns a region, as pjx.js decides it: a whole key every
/// region reacting to it; a keyed key the keyed regions of that instance and every unkeyed one.
fn concerns(region: &Region, key: &str) -> bool {
    region.reacts.iter().any(|name| {
        key == name
            || key
                .strip_prefix(name.as_str())
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|instance| region.load.as_deref().is_none_or(|load| load == instance))
    })
}

/// The body of `POST /_pjx/sync`: the dirtied keys and the manifest of the regions to walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRequest {
    /// The dirtied keys, as the answer named them.
    pub keys: Vec<String>,
    /// The compact manifest of the regions to walk.
    pub mounted: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(rows: usize) -> Dom {
        let mut html = String::from(
            r#"<main><span data-pjx-id="count" data-pjx-type="count" data-pjx-hash="aa" data-pjx-reacts="todos">2</span><ul data-pjx-id="list" data-pjx-type="list" data-pjx-hash="bb" data-pjx-reacts="todo-list">"#,
        );
        for n in 1..=rows {
            html.push_str(&format!(
                r#"<li data-pjx-id="row-{n}" data-pjx-type="row" data-pjx-hash="{n:016x}" data-pjx-reacts="todos" data-pjx-load="{n}">todo {n}</li>"#
            ));
        }
        html.push_str("</ul></main>");
        Dom::new(html)
    }

    #[test]
    fn a_page_that_fits_is_sent_whole_with_depths() {
        let sent = client_manifest(&page(2), Some("row-2"));
        assert!(!sent.is_partial() && sent.omitted.is_empty());
        assert_eq!(
            sent.header,
            r#"{"t":["count","list","row"],"m":[["count",0,"aa"],["list",1,"bb"],["row-1",2,"0000000000000001","1",1],["row-2",2,"0000000000000002","2",1]]}"#
        );
    }

    #[test]
    fn a_large_page_sends_what_the_request_most_likely_concerns() {
        let page = page(3_000);
        let sent = client_manifest(&page, Some("row-2500"));
        assert!(sent.is_partial(), "{}", &sent.header[..200]);
        assert!(sent.header.len() <= CLIENT_HEADER_BUDGET);
        let manifest = crate::manifest::Manifest::parse(&sent.header, &Default::default())
            .expect("the server reads it");
        assert!(manifest.is_partial());
        let ids: Vec<&str> = manifest.entries().map(|e| e.id).collect();
        // The trigger's row with the list holding it, the unkeyed regions, then rows in page
        // order as room allows.
        for id in ["count", "list", "row-1", "row-2500"] {
            assert!(ids.contains(&id), "{id} not listed");
        }
        assert!(!sent.omitted.is_empty() && !sent.omitted.contains(&"row-2500".to_owned()));
        assert_eq!(
            manifest.parents()[ids.iter().position(|i| *i == "row-2500").unwrap()],
            Some(1)
        );
    }

    #[test]
    fn the_sync_request_names_what_was_left_out_and_concerned() {
        let page = page(3_000);
        let sent = client_manifest(&page, Some("row-1"));
        // A keyed key of a row left out: that row. Of a row listed: nothing to sync.
        let sync = sent.sync(&page, Some(r#"["todos:2999"]"#)).unwrap();
        assert!(sync.mounted.contains("\"row-2999\"") && !sync.mounted.contains("\"row-1\""));
        assert!(sent.sync(&page, Some(r#"["todos:1"]"#)).is_none());
        assert!(sent.sync(&page, Some(r#"["stats"]"#)).is_none());
        assert!(sent.sync(&page, None).is_none());
        // A whole key: every row left out.
        let sync = sent.sync(&page, Some(r#"["todos"]"#)).unwrap();
        let manifest = crate::manifest::Manifest::parse_logged(
            &sync.mounted,
            &Default::default(),
            1 << 22,
            "test",
        )
        .unwrap();
        assert_eq!(manifest.len(), sent.omitted.len());
        assert_eq!(sync.keys, ["todos"]);
    }
}
