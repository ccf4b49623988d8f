use super::*;

fn parse(header: &str) -> (Option<Manifest>, ParseReport) {
    Manifest::parse_with_report(header, &Limits::default())
}

#[test]
fn well_formed_manifests_parse_in_order() {
    let (m, report) = parse(
        r#"[{"id":"list","type":"list","hash":"00ff"},{"id":"row-1","type":"item_row","load":"1"},{"id":"x"}]"#,
    );
    assert!(report.is_clean(), "{report}");
    let m = m.unwrap();
    let ids: Vec<_> = m.entries().map(|e| e.id).collect();
    assert_eq!(ids, ["list", "row-1", "x"]);
    assert_eq!(m.get(1).unwrap().load, Some("1"));
    assert_eq!(m.get(2).unwrap().type_name, None);
}

#[test]
fn unusable_headers_count_as_absent() {
    for header in ["", "nope", "{\"id\":\"x\"}", "\"[]\"", "[", "null", "[{]"] {
        let (m, report) = parse(header);
        assert!(m.is_none(), "{header:?}");
        assert!(!report.is_clean());
    }
    let huge = format!("[{}]", vec!["{\"id\":\"a\"}"; 200_000].join(","));
    let (m, report) = parse(&huge);
    assert!(m.is_none());
    assert!(report.reasons[0].contains("limit"), "{report}");
}

#[test]
fn bad_entries_are_dropped_and_bad_fields_ignored() {
    let (m, report) = parse(
        r#"[1, "s", null, [], {"type":"x"}, {"id":7}, {"id":""}, {"id":"a\nb"},
            {"id":"ok","type":"has space","hash":"","load":{"n":1}},
            {"id":"num","type":"item_row","load":7,"hash":null}]"#,
    );
    let m = m.unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!(report.dropped, 8);
    assert_eq!(report.ignored_fields, 3);
    let ok = m.get(0).unwrap();
    assert_eq!(
        (ok.id, ok.type_name, ok.hash, ok.load),
        ("ok", None, None, None)
    );
    let num = m.get(1).unwrap();
    assert_eq!((num.type_name, num.load), (Some("item_row"), Some("7")));
    // Dropped entries leave nothing behind in the manifest's text.
    assert!(!m.text.contains('x') && m.text.len() < 32, "{:?}", m.text);
}

#[test]
fn hostile_ids_never_survive() {
    let (m, _) = parse(r#"[{"id":"a'] , body, [x='"},{"id":"\u0000"},{"id":"\u001b[31m"}]"#);
    let m = m.unwrap();
    // Quotes are allowed (they are escaped where used); control characters are not.
    assert_eq!(m.len(), 1);
    assert_eq!(m.get(0).unwrap().id, "a'] , body, [x='");
}

#[test]
fn limits_cap_entries_and_fields() {
    let limits = Limits {
        max_entries: 2,
        max_field_bytes: 8,
        ..Limits::default()
    };
    let (m, report) = Manifest::parse_with_report(
        r#"[{"id":"a"},{"id":"b","load":"123456789"},{"id":"c"},{"id":"123456789"}]"#,
        &limits,
    );
    let m = m.unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!(m.get(1).unwrap().load, None);
    assert_eq!(report.dropped, 2);
}

#[test]
fn deeply_nested_json_is_rejected_not_a_stack_overflow() {
    // Skipped without recursion: one entry dropped, nothing else.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let limits = Limits {
        max_header_bytes: 1 << 20,
        ..Limits::default()
    };
    let (m, report) = Manifest::parse_with_report(&deep, &limits);
    assert!(m.is_none_or(|m| m.is_empty()));
    assert_eq!(report.dropped, 1);
    // Deep nesting inside a field of an entry is skipped the same way.
    let field = format!(
        r#"[{{"id":"a","load":{}{}}}]"#,
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let (m, _) = Manifest::parse_with_report(&field, &limits);
    assert_eq!(m.unwrap().get(0).unwrap().load, None);
}

#[test]
fn depths_give_each_entry_its_enclosing_entry() {
    // list > (row-1 > badge), row-2; then a top-level counter; hostile jumps in depth.
    let (m, report) = parse(
        r#"{"t":["list","row","badge","count"],"p":1,"m":[["list",0,"a"],["row-1",1,"b","1",1],["badge",2,"c",null,2],["row-2",1,"d","2",1],["count",3,"e"],["odd",3,null,null,7],["neg",3,null,null,-1]]}"#,
    );
    let m = m.unwrap();
    assert_eq!(report.ignored_fields, 1, "{report}"); // -1 is not a depth
    let depths: Vec<u32> = m.entries().map(|e| e.depth).collect();
    assert_eq!(depths, [0, 1, 2, 1, 0, 7, 0]);
    assert_eq!(
        m.parents(),
        [None, Some(0), Some(1), Some(0), None, Some(4), None]
    );
    assert!(m.is_partial());
    assert_eq!(m.type_names(), ["list", "row", "badge", "count"]);
    // The object form carries depths too; it is never partial.
    let (m, _) = parse(r#"[{"id":"a","type":"t"},{"id":"b","depth":1}]"#);
    let m = m.unwrap();
    assert_eq!(m.parents(), [None, Some(0)]);
    assert!(!m.is_partial());
    assert_eq!(m.type_names(), ["t"]);
}

#[test]
fn the_compact_form_parses_to_the_same_manifest() {
    let (compact, report) = parse(
        r#"{"t":["list","item_row"],"m":[["list",0,"00ff"],["row-1",1,"ab12","1"],["row-2",1,null,2],["x",null]]}"#,
    );
    assert!(report.is_clean(), "{report}");
    let (objects, _) = parse(
        r#"[{"id":"list","type":"list","hash":"00ff"},{"id":"row-1","type":"item_row","hash":"ab12","load":"1"},{"id":"row-2","type":"item_row","load":"2"},{"id":"x"}]"#,
    );
    assert_eq!(compact, objects);
    // Each type name is stored once however many entries use it.
    assert_eq!(compact.unwrap().text.matches("item_row").count(), 1);
}

#[test]
fn the_compact_form_is_parsed_defensively() {
    // Entries before types; a type index out of range; an entry that is not a list; a bad
    // type name; a depth that is not a number; junk after the fields.
    let (m, report) = parse(
        r#"{"m":[["a",1,"ff"],["b",9],{"id":"c"},["d",0,"ee","1",{"x":1},[2]],[7]],"t":["ok","has space"],"x":1}"#,
    );
    let m = m.unwrap();
    let entries: Vec<_> = m
        .entries()
        .map(|e| (e.id, e.type_name, e.hash, e.load))
        .collect();
    assert_eq!(
        entries,
        [
            ("a", None, Some("ff"), None),
            ("b", None, None, None),
            ("d", Some("ok"), Some("ee"), Some("1"))
        ]
    );
    assert_eq!(report.dropped, 2);
    assert_eq!(report.ignored_fields, 3);
    // No "m": not a manifest.
    assert!(parse(r#"{"t":["a"]}"#).0.is_none());
    // Limits apply to the compact form too.
    let limits = Limits {
        max_entries: 1,
        ..Limits::default()
    };
    let (m, _) = Manifest::parse_with_report(r#"{"t":[],"m":[["a"],["b"]]}"#, &limits);
    assert_eq!(m.unwrap().len(), 1);
}

#[test]
fn assets_and_trigger() {
    let limits = Limits::default();
    assert!(parse_assets("{}", &limits).is_empty());
    assert_eq!(
        parse_trigger(r#"{"id":"row-2"}"#, &limits).as_deref(),
        Some("row-2")
    );
    assert_eq!(parse_trigger(r#"{"id":5}"#, &limits), None);
    assert_eq!(parse_trigger("garbage", &limits), None);
}
