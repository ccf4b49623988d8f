//! The client's byte budgets (issue 11): pjx.js's core stays within 3 KB gzipped, and all of
//! pjx's own client code — the core and every optional part — within 6 KB, on each htmx line
//! (each line's files are minified apart, without the other line's code). The figures per
//! file and per line are printed by `cargo xtask bench`.

use std::io::Write;

use pjx_actix::{ClientPart, HtmxLine};

fn gzipped(text: &str) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap().len()
}

const LINES: [HtmxLine; 2] = [HtmxLine::V2, HtmxLine::V4];

#[test]
fn the_core_stays_within_3_kb_gzipped() {
    for line in LINES {
        let core = gzipped(line.pjx_js());
        assert!(
            core <= 3 * 1024,
            "{line:?}: pjx.js's core is {core} bytes gzipped"
        );
    }
}

#[test]
fn all_of_pjx_own_client_code_stays_within_6_kb_gzipped() {
    for line in LINES {
        let parts: Vec<(&str, usize)> = ClientPart::ALL
            .iter()
            .map(|part| (part.name(), gzipped(part.js(line))))
            .collect();
        let all = gzipped(line.pjx_js()) + parts.iter().map(|(_, n)| n).sum::<usize>();
        assert!(
            all <= 6 * 1024,
            "{line:?}: {all} bytes gzipped: core + {parts:?}"
        );
    }
}

#[test]
fn each_line_holds_none_of_the_other_lines_code() {
    // htmx 2's event names are camelCase (`htmx:beforeSend`), htmx 4's `noun:verb`.
    assert!(!HtmxLine::V4.pjx_js().contains("configRequest"));
    assert!(!HtmxLine::V2.pjx_js().contains("config:request"));
    assert!(!ClientPart::Stream.js(HtmxLine::V2).contains("getReader"));
    assert!(
        !ClientPart::Stream
            .js(HtmxLine::V4)
            .contains("readystatechange")
    );
}
