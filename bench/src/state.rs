//! Signed state: what signing and verifying a component's state token costs per request, beside
//! the serde JSON round trip that any server-side state would need anyway.
//!
//! An event request verifies the token it carries and signs the one it answers with, so the
//! overhead per request is (sign − serialize) + (verify − deserialize): base64 both ways and
//! one blake3 keyed hash over the token each way.

use std::hint::black_box;
use std::time::Duration;

use pjx::security::state::{Holder, StateKey, StateKeys};
use serde::{Deserialize, Serialize};

use crate::walk::{measure, micros};

#[derive(Serialize, Deserialize)]
struct Line {
    product_id: u32,
    size: String,
    qty: u32,
}

/// A cart's state, as a component might keep it in its token.
#[derive(Serialize, Deserialize)]
struct CartState {
    owner: String,
    notice: Option<String>,
    coupon: Option<String>,
    lines: Vec<Line>,
}

fn cart(lines: usize) -> CartState {
    CartState {
        owner: "visitor:8884576d4826e796f516719fc3a02d1b".into(),
        notice: Some("Added Crab tee (M)".into()),
        coupon: Some("PJX10".into()),
        lines: (0..lines)
            .map(|i| Line {
                product_id: i as u32 + 1,
                size: ["S", "M", "L", "XL"][i % 4].into(),
                qty: (i % 3) as u32 + 1,
            })
            .collect(),
    }
}

pub fn run() {
    let keys = StateKeys::new([StateKey::from_secret("bench")]);
    // Verification tries every key: with a rotation in progress, a token signed by the old key
    // costs one more MAC.
    let rotating = StateKeys::new([StateKey::from_secret("new"), StateKey::from_secret("bench")]);
    let budget = Duration::from_millis(400);
    // A signed-in user on a browser: the binding a typical event checks.
    let holder = Holder::user("ann").on_browser("Zm9vYmFyYmF6cXV4cXV1eA");
    let now = std::time::SystemTime::now();
    let max_age = pjx::security::state::DEFAULT_MAX_AGE;
    println!(
        "signed state: per event request (verify the incoming token, sign the answer), median"
    );
    println!(
        "{:>6} {:>7} {:>9} {:>9} {:>11} {:>11} {:>10} {:>9}",
        "lines", "token B", "sign µs", "verify µs", "pjx µs", "serde µs", "overhead", "rotating"
    );
    for lines in [0, 3, 50] {
        let state = cart(lines);
        let token = keys.sign("cart", &holder, now, &state).unwrap();
        let json = serde_json::to_vec(&state).unwrap();
        let sign = measure(budget, || {
            keys.sign("cart", &holder, now, black_box(&state))
                .unwrap()
                .len()
        });
        let verify = measure(budget, || {
            let s: CartState = keys
                .verify("cart", black_box(&token), &holder, now, max_age)
                .unwrap();
            s.lines.len()
        });
        let pjx = measure(budget, || {
            let s: CartState = keys
                .verify("cart", black_box(&token), &holder, now, max_age)
                .unwrap();
            keys.sign("cart", &holder, now, &s).unwrap().len()
        });
        let serde = measure(budget, || {
            let s: CartState = serde_json::from_slice(black_box(&json)).unwrap();
            serde_json::to_vec(&s).unwrap().len()
        });
        let rotated = measure(budget, || {
            let s: CartState = rotating
                .verify("cart", black_box(&token), &holder, now, max_age)
                .unwrap();
            rotating.sign("cart", &holder, now, &s).unwrap().len()
        });
        println!(
            "{:>6} {:>7} {:>9.2} {:>9.2} {:>11.2} {:>11.2} {:>9.2}µs {:>8.2}µs",
            lines,
            token.len(),
            micros(sign),
            micros(verify),
            micros(pjx),
            micros(serde),
            micros(pjx) - micros(serde),
            micros(rotated),
        );
    }
}
