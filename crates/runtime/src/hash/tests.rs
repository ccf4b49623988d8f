use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::json;

use super::*;
use crate::prelude::*;

#[derive(MutationKey)]
enum Keys {
    Todos,
}

#[reactive(react = [Keys::Todos], source = "<li>{{ title }}</li>")]
struct Row {
    #[pjx_key]
    todo_id: i64,
    title: String,
    done: bool,
}

#[reactive]
impl Row {
    async fn load(todo_id: i64) -> Result<Self, LoadError> {
        Ok(Row {
            todo_id,
            title: String::new(),
            done: false,
        })
    }
}

/// Same fields as `Row`, declared in another order.
#[reactive(react = [Keys::Todos], source = "<li>{{ title }}</li>")]
struct RowReordered {
    done: bool,
    title: String,
    #[pjx_key]
    todo_id: i64,
}

#[reactive]
impl RowReordered {
    async fn load(todo_id: i64) -> Result<Self, LoadError> {
        Ok(RowReordered {
            todo_id,
            title: String::new(),
            done: false,
        })
    }
}

#[reactive(react = [Keys::Todos], source = "<div id=\"{{ id }}\"></div>")]
struct WithId {
    id: String,
    note: Option<String>,
    #[pjx(ephemeral)]
    #[allow(dead_code)]
    open: bool,
}

#[reactive]
impl WithId {
    async fn load() -> Result<Self, LoadError> {
        Err(LoadError::NotFound)
    }
}

fn row(title: &str, done: bool) -> Row {
    Row {
        todo_id: 7,
        title: title.into(),
        done,
    }
}

/// Pinned values, computed independently (Python: `blake3.blake3(json).hexdigest()[:32]` over
/// `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`). Changing any
/// of these breaks every client's reported hashes at once, so it must be a deliberate,
/// announced change.
#[test]
fn test_vectors() {
    let cases: [(String, &str, &str); 4] = [
        (
            row("Ship it", false).canonical_state().unwrap(),
            r#"{"done":false,"title":"Ship it","todo_id":7}"#,
            "210c79cac999360e22085eab4aecab9f",
        ),
        (
            row("Ünïcødé \"quoted\"\n", true).canonical_state().unwrap(),
            "{\"done\":true,\"title\":\"Ünïcødé \\\"quoted\\\"\\n\",\"todo_id\":7}",
            "f6cd516d237be9f6f98f87bdff558ce1",
        ),
        (
            WithId {
                id: "x".into(),
                note: None,
                open: true,
            }
            .canonical_state()
            .unwrap(),
            r#"{"note":null}"#,
            "da553c59bc807118b4d4530c907a734d",
        ),
        (
            canonical_json(&json!({"b": [1.5, {"z": 1, "a": null}], "a": "x"})).unwrap(),
            r#"{"a":"x","b":[1.5,{"a":null,"z":1}]}"#,
            "edd04ea4a8d47166a4c90d81584d7096",
        ),
    ];
    for (json, expected_json, expected_hash) in cases {
        assert_eq!(json, expected_json);
        let hash = StateHash::of_canonical(json.as_bytes());
        assert_eq!(hash, expected_hash, "hash of {json}");
    }
    assert_eq!(
        row("Ship it", false).state_hash().unwrap(),
        "210c79cac999360e22085eab4aecab9f"
    );
}

#[test]
fn hash_is_lowercase_hex_of_fixed_length() {
    let h = row("a", true).state_hash().unwrap();
    assert_eq!(h.as_str().len(), HASH_HEX_LEN);
    assert!(
        h.as_str()
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    // The hash is blake3 over the canonical JSON, truncated.
    let full = blake3::hash(row("a", true).canonical_state().unwrap().as_bytes()).to_hex();
    assert_eq!(h.as_str(), &full.as_str()[..HASH_HEX_LEN]);
}

#[test]
fn field_declaration_order_does_not_matter() {
    let a = row("Ship it", true);
    let b = RowReordered {
        done: true,
        title: "Ship it".into(),
        todo_id: 7,
    };
    assert_eq!(a.canonical_state().unwrap(), b.canonical_state().unwrap());
    assert_eq!(a.state_hash().unwrap(), b.state_hash().unwrap());
}

#[test]
fn id_and_ephemeral_fields_do_not_count() {
    let a = WithId {
        id: "a".into(),
        note: Some("n".into()),
        open: false,
    };
    let b = WithId {
        id: "b".into(),
        note: Some("n".into()),
        open: true,
    };
    assert_eq!(a.state_hash().unwrap(), b.state_hash().unwrap());
}

#[test]
fn map_insertion_order_does_not_matter() {
    let mut first: HashMap<String, i32> = HashMap::new();
    let mut second: HashMap<String, i32> = HashMap::with_capacity(64);
    for i in 0..50 {
        first.insert(format!("k{i}"), i);
    }
    for i in (0..50).rev() {
        second.insert(format!("k{i}"), i);
    }
    assert_eq!(
        StateHash::of(&first).unwrap(),
        StateHash::of(&second).unwrap()
    );
    let ordered: BTreeMap<_, _> = first.clone().into_iter().collect();
    assert_eq!(
        canonical_json(&first).unwrap(),
        serde_json::to_string(&ordered).unwrap()
    );
}

#[test]
fn changes_that_matter_change_the_hash() {
    let h = |v: serde_json::Value| StateHash::of(&v).unwrap();
    // list order
    assert_ne!(h(json!({"l": [1, 2]})), h(json!({"l": [2, 1]})));
    // a nested change
    assert_ne!(
        h(json!({"a": {"b": {"c": 1}}})),
        h(json!({"a": {"b": {"c": 2}}}))
    );
    // null ↔ value
    assert_ne!(h(json!({"a": null})), h(json!({"a": 0})));
    assert_ne!(h(json!({"a": null})), h(json!({})));
    // a field value
    assert_ne!(
        row("a", false).state_hash().unwrap(),
        row("a", true).state_hash().unwrap()
    );
    // the key field
    let mut other = row("a", false);
    other.todo_id = 8;
    assert_ne!(
        row("a", false).state_hash().unwrap(),
        other.state_hash().unwrap()
    );
}

/// The canonical writer sorts each object itself. This guards the rest of the build: with
/// serde_json's `preserve_order` feature on (switched on by any crate in the dependency graph
/// through feature unification), `serde_json::Map` keeps insertion order, and anything that
/// compares `Value` text would silently change.
#[test]
fn serde_json_preserve_order_is_off() {
    let mut map = serde_json::Map::new();
    map.insert("b".into(), json!(1));
    map.insert("a".into(), json!(2));
    assert_eq!(
        map.keys().collect::<Vec<_>>(),
        ["a", "b"],
        "serde_json's `preserve_order` feature is enabled somewhere in the build; find the crate that enables it (`cargo tree -e features -i serde_json`)"
    );
}

#[derive(Serialize)]
enum Shape {
    Unit,
    Newtype(u8),
    Tuple(u8, String),
    Struct { z: bool, a: Option<u8> },
}

#[derive(Serialize)]
struct Everything {
    unit: (),
    tuple: (i8, f64, char),
    shapes: Vec<Shape>,
    bytes: &'static [u8],
    float_nan: f64,
    big: u64,
    map_int_keys: BTreeMap<i32, &'static str>,
    map_bool_keys: BTreeMap<bool, u8>,
    nested: HashMap<&'static str, Vec<Option<i64>>>,
    escaped: &'static str,
}

/// The canonical form equals serde_json's own output once objects are sorted (which
/// `serde_json::Value`'s `BTreeMap` does, given `preserve_order` is off).
#[test]
fn canonical_json_matches_serde_json_with_sorted_keys() {
    let value = Everything {
        unit: (),
        tuple: (-1, 0.1, 'é'),
        shapes: vec![
            Shape::Unit,
            Shape::Newtype(3),
            Shape::Tuple(1, "t".into()),
            Shape::Struct { z: true, a: None },
        ],
        bytes: b"ab",
        float_nan: f64::NAN,
        big: u64::MAX,
        map_int_keys: [(10, "ten"), (-2, "minus two"), (3, "three")].into(),
        map_bool_keys: [(true, 1), (false, 0)].into(),
        nested: [("y", vec![None, Some(-5)]), ("x", vec![])].into(),
        escaped: "</script>\u{1}\t\"\\",
    };
    let via_value = serde_json::to_string(&serde_json::to_value(&value).unwrap()).unwrap();
    assert_eq!(canonical_json(&value).unwrap(), via_value);
}

#[test]
fn wide_integers_are_written_exactly() {
    assert_eq!(
        canonical_json(&[u128::MAX]).unwrap(),
        "[340282366920938463463374607431768211455]"
    );
    assert_eq!(canonical_json(&i128::MIN).unwrap(), i128::MIN.to_string());
}

#[test]
fn unsortable_maps_are_an_error_not_a_panic() {
    let map: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
    assert!(canonical_json(&map).is_err());
    let map: BTreeMap<(), u8> = [((), 1)].into();
    assert!(StateHash::of(&map).is_err());
}

#[test]
fn reentrant_hashing_uses_a_fresh_buffer() {
    struct Reenter;
    impl Serialize for Reenter {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let inner = StateHash::of(&[1, 2, 3]).unwrap();
            s.serialize_str(inner.as_str())
        }
    }
    let outer = StateHash::of(&Reenter).unwrap();
    let expected = StateHash::of(StateHash::of(&[1, 2, 3]).unwrap().as_str()).unwrap();
    assert_eq!(outer, expected);
}
