//! The client's byte budgets (issue 11): pjx.js's core stays within 3 KB gzipped, and all of
//! pjx's own client code — the core and every optional part — within 6 KB. The figures per file
//! and per htmx line are printed by `cargo xtask bench`.

use std::io::Write;

use pjx_actix::{ClientPart, PJX_JS};

fn gzipped(text: &str) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap().len()
}

#[test]
fn the_core_stays_within_3_kb_gzipped() {
    let core = gzipped(PJX_JS);
    assert!(core <= 3 * 1024, "pjx.js's core is {core} bytes gzipped");
}

#[test]
fn all_of_pjx_own_client_code_stays_within_6_kb_gzipped() {
    let parts: Vec<(&str, usize)> = ClientPart::ALL
        .iter()
        .map(|part| (part.name(), gzipped(part.js())))
        .collect();
    let all = gzipped(PJX_JS) + parts.iter().map(|(_, n)| n).sum::<usize>();
    assert!(all <= 6 * 1024, "{all} bytes gzipped: core + {parts:?}");
}
