//! How the dispatch route reads its bodies (`EventRequest::from_json`, `from_form`): a name
//! sent twice is refused wherever a second value could hide, ordinary repeated form inputs stay
//! lists, and a malformed form is refused rather than guessed at.

use pjx::stateful::{EventError, EventRequest};
use serde_json::json;

fn refused(result: Result<EventRequest, EventError>) -> String {
    let e = result.expect_err("refused");
    assert_eq!((e.status(), e.code()), (400, "bad_request"), "{e}");
    e.to_string()
}

#[test]
fn a_json_key_sent_twice_is_refused_at_any_depth() {
    for (body, path) in [
        (r#"{"event":"a","event":"b"}"#, "event"),
        (r#"{"state":"x","event":"a","state":"y"}"#, "state"),
        (r#"{"size":"M","size":"L"}"#, "size"),
        (r#"{"payload":{"id":1,"id":1}}"#, "payload.id"),
        (
            r#"{"payload":{"items":[{"id":1},{"id":2,"id":3}]}}"#,
            "payload.items[1].id",
        ),
        (r#"{"params":{"page":{"n":1,"n":2}}}"#, "params.page.n"),
        (r#"{"payload":"{\"id\":1,\"id\":2}"}"#, "payload.id"),
        (
            r#"{"params":"{\"a\":[{\"b\":1,\"b\":1}]}"}"#,
            "params.a[0].b",
        ),
    ] {
        let message = refused(EventRequest::from_json(body.as_bytes()));
        assert_eq!(
            message,
            format!("bad request: `{path}` is sent twice"),
            "{body}"
        );
    }
    // The same key in two different objects is no duplicate.
    let req = EventRequest::from_json(br#"{"payload":{"a":{"id":1},"b":{"id":2}}}"#).unwrap();
    assert_eq!(req.payload["b"]["id"], 2);
}

#[test]
fn json_text_in_form_fields_is_read_just_as_strictly() {
    let fields = |pairs: &[(&str, &str)]| {
        EventRequest::from_fields(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    };
    assert_eq!(
        refused(fields(&[
            ("event", "add"),
            ("payload", r#"{"id":1,"id":2}"#)
        ])),
        "bad request: `payload.id` is sent twice"
    );
    assert_eq!(
        refused(fields(&[("params", r#"{"limit":3,"limit":50}"#)])),
        "bad request: `params.limit` is sent twice"
    );
    assert!(refused(fields(&[("params", "{limit")])).contains("`params` must be JSON text"));
    assert_eq!(
        refused(fields(&[("event", "a"), ("event", "a")])),
        "bad request: `event` is sent twice"
    );
}

#[test]
fn repeated_ordinary_form_inputs_stay_lists() {
    let req = EventRequest::from_form(b"event=save&tag=a&tag=b&tag=c+d&flag&&size=M").unwrap();
    assert_eq!(req.event.as_deref(), Some("save"));
    assert_eq!(req.payload["tag"], json!(["a", "b", "c d"]));
    assert_eq!(req.payload["flag"], "");
    assert_eq!(req.payload["size"], "M");
    // Escapes decode, `%25` is a percent sign, and unicode arrives whole.
    let req = EventRequest::from_form(b"note=100%25+%E2%9C%93&payload=%7B%22id%22%3A7%7D").unwrap();
    assert_eq!(req.payload["note"], "100% ✓");
    assert_eq!(req.payload["id"], 7);
    assert_eq!(
        EventRequest::from_form(b"").unwrap(),
        EventRequest::default()
    );
}

#[test]
fn a_malformed_form_is_refused_not_guessed_at() {
    for (body, why) in [
        (&b"%zz=%%%"[..], "`%zz` is not a percent-escape"),
        (b"a=1&b=50%", "`%` is not a percent-escape"),
        (b"a=%4", "`%4` is not a percent-escape"),
        (b"a%g0=1", "`%g0` is not a percent-escape"),
        (b"size=%FF", "a field is not UTF-8 once decoded"),
        (b"size=\xff", "a field is not UTF-8 once decoded"),
    ] {
        let message = refused(EventRequest::from_form(body));
        assert!(
            message.starts_with("bad request: the form body is malformed: ")
                && message.contains(why),
            "{}: {message}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn other_json_errors_keep_their_messages() {
    assert!(refused(EventRequest::from_json(b"{\"event\":")).contains("not valid JSON"));
    assert!(refused(EventRequest::from_json(b"{} x")).contains("not valid JSON"));
    assert!(refused(EventRequest::from_json(b"[1]")).contains("must be a JSON object"));
    assert!(
        refused(EventRequest::from_json(br#"{"payload":"{x"}"#))
            .contains("`payload` must be a JSON object")
    );
    // Params as text that is not JSON stay a plain string parameter.
    let req = EventRequest::from_json(br#"{"params":"{not json"}"#).unwrap();
    assert_eq!(req.params, json!("{not json"));
    let req = EventRequest::from_json(br#"{"params":"123"}"#).unwrap();
    assert_eq!(req.params, json!("123"));
}
