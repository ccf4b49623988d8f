use serde::{Deserialize, Serialize};

use super::*;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Cart {
    items: Vec<(u32, String)>,
}

fn keys(secrets: &[&str]) -> StateKeys {
    StateKeys::new(secrets.iter().map(StateKey::from_secret))
}

fn cart() -> Cart {
    Cart {
        items: vec![(1, "M".into()), (7, "XL".into())],
    }
}

const HOUR: Duration = Duration::from_secs(3600);

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

const T0: u64 = 1_700_000_000;

fn ann() -> Holder {
    Holder::user("ann").on_browser("b-ann")
}

/// Verifies as `holder` at `T0`, with an hour's maximum age.
fn check(k: &StateKeys, token: &str, holder: &Holder) -> Result<Cart, StateError> {
    k.verify("cart", token, holder, at(T0), HOUR)
}

fn parts(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

#[test]
fn round_trips() {
    let k = keys(&["a"]);
    let token = k.sign("cart", &ann(), at(T0), &cart()).unwrap();
    assert!(token.starts_with(&format!("v2.{T0}.")), "{token}");
    assert_eq!(check(&k, &token, &ann()).unwrap(), cart());
}

/// The format is stable across releases and processes: this exact token verifies, and
/// signing the same inputs makes it again.
#[test]
fn test_vector() {
    let k = keys(&["pjx test vector"]);
    let holder = Holder::user("ann").on_browser("b1");
    let token = k.sign("counter", &holder, at(T0), &5u32).unwrap();
    const PINNED: &str = "v2.1700000000.AsfPRwZR6Zna8GClQ20mxQD-6v_Txs7LtvCwIVeL-oDn.NQ.9JThaGgEvHByCQown4V7sU5xrEGbKlI3BYXn7ICkkTA";
    assert_eq!(token, PINNED);
    assert_eq!(
        k.verify::<u32>("counter", PINNED, &holder, at(T0), HOUR),
        Ok(5)
    );
}

#[test]
fn tampered_truncated_unsigned_and_foreign_tokens_are_refused() {
    let k = keys(&["a"]);
    let token = k.sign("cart", &ann(), at(T0), &cart()).unwrap();
    let p = parts(&token);
    let with = |i: usize, value: &str| {
        let mut p = p.clone();
        p[i] = value.to_owned();
        p.join(".")
    };
    // Change one character of the payload: the MAC no longer matches.
    let mut bytes = p[3].as_bytes().to_vec();
    bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
    let tampered = with(3, std::str::from_utf8(&bytes).unwrap());
    assert_eq!(check(&k, &tampered, &ann()), Err(StateError::BadSignature));
    // A forged payload with the old MAC.
    let forged = with(3, &B64.encode(br#"{"items":[[1,"M"],[2,"free"]]}"#));
    assert_eq!(check(&k, &forged, &ann()), Err(StateError::BadSignature));
    // Truncated, unsigned, other versions, junk.
    let v1 = format!("v1.{}.{}", p[3], p[4]);
    for bad in [
        &token[..token.len() - 5],
        &p[..4].join("."),
        &format!("{}.", p[..4].join(".")),
        &with(0, "v3"),
        &v1,
        &format!("{token}.extra"),
        "",
        "v2....",
        "not a token",
        &with(4, "!!!"),
    ] {
        assert!(
            matches!(
                check(&k, bad, &ann()),
                Err(StateError::Malformed | StateError::BadSignature)
            ),
            "{bad:?}"
        );
    }
    // Signed for another component.
    assert_eq!(
        k.verify::<Cart>("wishlist", &token, &ann(), at(T0), HOUR),
        Err(StateError::BadSignature)
    );
    // Signed with another key.
    assert_eq!(
        check(&keys(&["b"]), &token, &ann()),
        Err(StateError::BadSignature)
    );
}

#[test]
fn the_binding_and_the_issue_time_cannot_be_changed() {
    let k = keys(&["a"]);
    let token = k.sign("cart", &ann(), at(T0 - 2 * 3600), &cart()).unwrap();
    let p = parts(&token);
    let with = |i: usize, value: &str| {
        let mut p = p.clone();
        p[i] = value.to_owned();
        p.join(".")
    };
    // Expired as issued; made younger by hand, it no longer verifies.
    assert!(matches!(
        check(&k, &token, &ann()),
        Err(StateError::Expired { .. })
    ));
    for issued in [
        T0.to_string(),
        format!("+{}", T0 - 7200),
        format!("0{}", T0 - 7200),
    ] {
        assert_eq!(
            check(&k, &with(1, &issued), &ann()),
            Err(StateError::BadSignature),
            "{issued}"
        );
    }
    // Bob's binding spliced into Ann's token.
    let bob = Holder::user("bob").on_browser("b-bob");
    let bobs = parts(&k.sign("cart", &bob, at(T0), &cart()).unwrap());
    let spliced = with(2, &bobs[2]);
    assert_eq!(check(&k, &spliced, &bob), Err(StateError::BadSignature));
    // A binding of the right length but other bytes.
    let mut binding = B64.decode(&p[2]).unwrap();
    binding[0] = KIND_NOBODY;
    assert_eq!(
        check(&k, &with(2, &B64.encode(&binding)), &Holder::nobody()),
        Err(StateError::BadSignature)
    );
}

#[test]
fn expiry() {
    let k = keys(&["a"]);
    let token = k.sign("cart", &ann(), at(T0), &cart()).unwrap();
    let verify_at = |secs| k.verify::<Cart>("cart", &token, &ann(), at(secs), HOUR);
    assert!(verify_at(T0).is_ok());
    assert!(verify_at(T0 + 3600).is_ok(), "exactly the maximum age");
    assert_eq!(
        verify_at(T0 + 3601),
        Err(StateError::Expired {
            age: Duration::from_secs(3601),
            max_age: HOUR
        })
    );
    assert!(verify_at(T0 + 3601).unwrap_err().is_stale());
    // A clock behind the signer's (another process) is not an error.
    assert!(verify_at(T0 - 30).is_ok());
    // A maximum age is per verification: a longer one accepts it.
    assert!(
        k.verify::<Cart>("cart", &token, &ann(), at(T0 + 3601), 2 * HOUR)
            .is_ok()
    );
}

#[test]
fn tokens_are_bound_to_their_user_or_browser() {
    let k = keys(&["a"]);
    let sign = |holder: &Holder| k.sign("cart", holder, at(T0), &cart()).unwrap();
    let anon = Holder::browser("b-ann");
    let ann_token = sign(&ann());
    let anon_token = sign(&anon);

    // A user's token works for that user from any browser…
    assert!(check(&k, &ann_token, &Holder::user("ann").on_browser("b-phone")).is_ok());
    assert!(check(&k, &ann_token, &Holder::user("ann")).is_ok());
    // …and for no other user, whatever the browser.
    for bob in [
        Holder::user("bob").on_browser("b-bob"),
        Holder::user("bob").on_browser("b-ann"),
        Holder::user("bob"),
    ] {
        assert_eq!(check(&k, &ann_token, &bob), Err(StateError::NotYours));
    }
    // Signed out on the same browser: stale, not stolen.
    assert_eq!(check(&k, &ann_token, &anon), Err(StateError::SignedInOrOut));
    // Anonymous on another browser, or with none: refused.
    assert_eq!(
        check(&k, &ann_token, &Holder::browser("b-eve")),
        Err(StateError::NotYours)
    );
    assert_eq!(
        check(&k, &ann_token, &Holder::nobody()),
        Err(StateError::NotYours)
    );

    // An anonymous visitor's token works on their browser only…
    assert!(check(&k, &anon_token, &anon).is_ok());
    assert_eq!(
        check(&k, &anon_token, &Holder::browser("b-eve")),
        Err(StateError::NotYours)
    );
    assert_eq!(
        check(&k, &anon_token, &Holder::nobody()),
        Err(StateError::NotYours)
    );
    // …and stops working there once someone signs in.
    assert_eq!(
        check(&k, &anon_token, &ann()),
        Err(StateError::SignedInOrOut)
    );
    assert!(StateError::SignedInOrOut.is_stale());
    assert_eq!(
        check(&k, &anon_token, &Holder::user("eve").on_browser("b-eve")),
        Err(StateError::NotYours)
    );

    // Nobody's token (no browser identity at all) works for nobody else.
    let nobodys = sign(&Holder::nobody());
    assert!(check(&k, &nobodys, &Holder::nobody()).is_ok());
    assert_eq!(check(&k, &nobodys, &anon), Err(StateError::NotYours));
    assert_eq!(check(&k, &nobodys, &ann()), Err(StateError::NotYours));
}

#[test]
fn keys_rotate() {
    let old = keys(&["old"]);
    let both = keys(&["new", "old"]);
    let new_only = keys(&["new"]);
    let old_token = old.sign("cart", &ann(), at(T0), &cart()).unwrap();
    // The rotated keys still accept old tokens (bindings included), and sign with the
    // new key.
    assert_eq!(check(&both, &old_token, &ann()).unwrap(), cart());
    assert_eq!(
        check(&both, &old_token, &Holder::user("bob")),
        Err(StateError::NotYours)
    );
    let new_token = both.sign("cart", &ann(), at(T0), &cart()).unwrap();
    assert_eq!(check(&new_only, &new_token, &ann()).unwrap(), cart());
    // Once the old key is dropped, its tokens die.
    assert_eq!(
        check(&new_only, &old_token, &ann()),
        Err(StateError::BadSignature)
    );
    // Browser ids rotate the same way; re-MAC'd with the new key, an id outlives the old.
    let id = old.issue_browser_id().unwrap();
    assert_eq!(both.browser_id(&id.cookie), Some(id.id.clone()));
    assert_eq!(new_only.browser_id(&id.cookie), None);
    let renewed = both.browser_cookie(&id.id);
    assert_ne!(renewed, id.cookie);
    assert_eq!(new_only.browser_id(&renewed), Some(id.id.clone()));
}

#[test]
fn reissuing_keeps_the_state_and_changes_the_holder_and_time() {
    let k = keys(&["a"]);
    let token = k.sign("cart", &ann(), at(T0 - 7200), &cart()).unwrap();
    let bob = Holder::user("bob");
    let again = k.reissue("cart", &token, &bob, at(T0)).unwrap();
    assert_eq!(check(&k, &again, &bob).unwrap(), cart());
    assert_eq!(check(&k, &again, &ann()), Err(StateError::NotYours));
    // Only a genuine token is reissued.
    let mut forged = parts(&token);
    forged[3] = B64.encode(br#"{"items":[]}"#);
    assert_eq!(
        k.reissue("cart", &forged.join("."), &bob, at(T0)),
        Err(StateError::BadSignature)
    );
    assert_eq!(k.verify_signature::<Cart>("cart", &token).unwrap(), cart());
}

#[test]
fn browser_ids_are_random_and_cannot_be_forged() {
    let k = keys(&["a"]);
    let a = k.issue_browser_id().unwrap();
    let b = k.issue_browser_id().unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(a.id.len(), 22);
    assert_eq!(k.browser_id(&a.cookie), Some(a.id.clone()));
    // Another id under a's MAC, a's id under b's MAC, truncations, junk.
    let (_, a_mac) = a.cookie.split_once('.').unwrap();
    let (_, b_mac) = b.cookie.split_once('.').unwrap();
    for bad in [
        format!("{}.{a_mac}", b.id),
        format!("{}.{b_mac}", a.id),
        a.cookie[..a.cookie.len() - 1].to_owned(),
        a.id.clone(),
        format!("{}.", a.id),
        String::new(),
        "x.y".into(),
    ] {
        assert_eq!(k.browser_id(&bad), None, "{bad}");
    }
    assert_eq!(keys(&["b"]).browser_id(&a.cookie), None);
    assert_eq!(format!("{a:?}"), "BrowserId(…)");
}

#[test]
fn size_limits() {
    let k = keys(&["a"]);
    let sign = |state: &str| k.sign("c", &Holder::nobody(), at(T0), state);
    let verify = |token: &str| k.verify::<String>("c", token, &Holder::nobody(), at(T0), HOUR);
    let big = "x".repeat(MAX_BYTES);
    assert!(matches!(sign(&big), Err(StateError::TooLarge(_))));
    // Refused before any decoding: one byte over is enough.
    let over = "x".repeat(MAX_BYTES + 1);
    assert!(matches!(verify(&over), Err(StateError::TooLarge(_))));
    assert!(matches!(verify(&big), Err(StateError::Malformed)));
    // Just under the warning threshold is fine and quiet; above it still signs.
    assert!(sign(&"y".repeat(WARN_BYTES / 2)).is_ok());
    assert!(sign(&"y".repeat(WARN_BYTES * 2)).is_ok());
}

#[test]
fn a_well_signed_token_of_the_wrong_shape_is_a_shape_error() {
    let k = keys(&["a"]);
    let token = k.sign("cart", &ann(), at(T0), &42u8).unwrap();
    assert!(matches!(
        check(&k, &token, &ann()),
        Err(StateError::Shape(_))
    ));
}

#[test]
fn random_keys_differ() {
    let a = StateKeys::new([StateKey::random()]);
    let b = StateKeys::new([StateKey::random()]);
    let token = a.sign("c", &Holder::nobody(), at(T0), &1).unwrap();
    assert_eq!(
        b.verify::<i32>("c", &token, &Holder::nobody(), at(T0), HOUR),
        Err(StateError::BadSignature)
    );
}

#[test]
fn clocks() {
    let clock = Clock::manual(at(T0));
    let shared = clock.clone();
    shared.advance(Duration::from_millis(1500));
    assert_eq!(clock.now(), at(T0) + Duration::from_millis(1500));
    assert!(clock.is_manual() && !Clock::system().is_manual());
    let before = SystemTime::now();
    assert!(Clock::system().now() >= before);
}

#[test]
#[should_panic(expected = "only a manual clock")]
fn the_system_clock_cannot_be_advanced() {
    Clock::system().advance(Duration::from_secs(1));
}
