//! `#[mutates]` on every kind of function: keys are recorded on normal return (for a
//! `Result`, only on `Ok`), never on error or panic, and nothing happens outside a scope.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pjx::{MutationKey, Scope, mutates};
use pjx_tests::fixtures::{Keys, Store, StoreError};

#[derive(MutationKey)]
enum K {
    A,
    B,
}

/// Runs `f` in a fresh scope and returns the dirtied keys' wire forms.
fn dirtied(f: impl FnOnce()) -> Vec<String> {
    let scope = Scope::new();
    scope.run_sync(f);
    scope.dirtied_names()
}

#[mutates(K::A)]
fn plain() -> u8 {
    1
}

#[mutates(K::A, K::B)]
fn fallible(ok: bool) -> Result<u8, String> {
    if ok { Ok(1) } else { Err("no".into()) }
}

#[mutates(K::A)]
fn early_return(n: u8) -> Result<u8, String> {
    if n == 0 {
        return Err("zero".into());
    }
    if n == 1 {
        return Ok(1);
    }
    let parsed: u8 = "x".parse().map_err(|_| "parse".to_string())?;
    Ok(parsed)
}

#[mutates(K::A)]
fn question_mark_with_conversion(s: &str) -> Result<i64, Box<dyn std::error::Error>> {
    Ok(s.parse::<i64>()?)
}

#[mutates(K::A)]
fn option_counts_as_success(some: bool) -> Option<u8> {
    some.then_some(1)
}

#[mutates(K::A.at(&id))]
fn moves_its_argument(id: String) -> String {
    id
}

#[mutates(K::A)]
fn generic<T: Clone>(value: &T) -> T {
    value.clone()
}

#[mutates(K::B)]
fn returns_a_borrow(s: &str) -> &str {
    &s[1..]
}

#[mutates(K::A)]
fn returns_impl_trait() -> impl std::fmt::Display {
    5
}

#[mutates(K::A)]
fn unit(counter: &mut u32) {
    *counter += 1;
}

#[mutates(K::A)]
fn panics() -> Result<(), String> {
    panic!("boom")
}

#[mutates(K::A)]
async fn async_fallible(ok: bool) -> Result<u8, String> {
    tokio::task::yield_now().await;
    if ok { Ok(1) } else { Err("no".into()) }
}

struct Counter {
    n: u32,
}

impl Counter {
    #[mutates(K::A)]
    fn bump(&mut self) -> u32 {
        self.n += 1;
        self.n
    }

    #[mutates(K::B)]
    fn peek(&self) -> &u32 {
        &self.n
    }

    #[mutates(K::A, K::B)]
    fn into_inner(self) -> u32 {
        self.n
    }

    #[mutates(K::B)]
    async fn bump_later(&mut self) -> Result<u32, String> {
        tokio::task::yield_now().await;
        self.n += 10;
        Ok(self.n)
    }
}

trait Bumps {
    fn bump_twice(&mut self) -> u32;
}

impl Bumps for Counter {
    #[mutates(K::A.at(self.n))]
    fn bump_twice(&mut self) -> u32 {
        self.n += 2;
        self.n
    }
}

#[test]
fn normal_returns_record_their_keys() {
    assert_eq!(dirtied(|| assert_eq!(plain(), 1)), ["a"]);
    assert_eq!(dirtied(|| assert_eq!(generic(&3), 3)), ["a"]);
    assert_eq!(dirtied(|| assert_eq!(returns_a_borrow("xyz"), "yz")), ["b"]);
    assert_eq!(
        dirtied(|| assert_eq!(returns_impl_trait().to_string(), "5")),
        ["a"]
    );
    let mut n = 0;
    assert_eq!(dirtied(|| unit(&mut n)), ["a"]);
    assert_eq!(n, 1);
}

#[test]
fn results_record_only_on_ok() {
    assert_eq!(dirtied(|| assert_eq!(fallible(true), Ok(1))), ["a", "b"]);
    assert!(dirtied(|| assert!(fallible(false).is_err())).is_empty());
    assert!(dirtied(|| assert!(early_return(0).is_err())).is_empty());
    assert_eq!(dirtied(|| assert_eq!(early_return(1), Ok(1))), ["a"]);
    assert!(dirtied(|| assert!(early_return(2).is_err())).is_empty());
    assert_eq!(
        dirtied(|| assert_eq!(question_mark_with_conversion("4").unwrap(), 4)),
        ["a"]
    );
    assert!(dirtied(|| assert!(question_mark_with_conversion("x").is_err())).is_empty());
}

#[test]
fn other_return_types_always_count_as_success() {
    assert_eq!(
        dirtied(|| assert_eq!(option_counts_as_success(false), None)),
        ["a"]
    );
}

#[test]
fn keyed_keys_are_evaluated_before_the_body_moves_arguments() {
    assert_eq!(
        dirtied(|| assert_eq!(moves_its_argument("row-1".into()), "row-1")),
        ["a:row-1"]
    );
    let mut counter = Counter { n: 5 };
    // Evaluated on entry: the key names the instance as it was when called.
    assert_eq!(dirtied(|| assert_eq!(counter.bump_twice(), 7)), ["a:5"]);
}

#[test]
fn a_panic_records_nothing() {
    let keys = dirtied(|| {
        let result = catch_unwind(AssertUnwindSafe(panics));
        assert!(result.is_err());
    });
    assert!(keys.is_empty());
}

#[test]
fn methods_with_every_receiver() {
    let mut counter = Counter { n: 0 };
    assert_eq!(dirtied(|| assert_eq!(counter.bump(), 1)), ["a"]);
    assert_eq!(dirtied(|| assert_eq!(*counter.peek(), 1)), ["b"]);
    assert_eq!(dirtied(|| assert_eq!(counter.into_inner(), 1)), ["a", "b"]);
}

#[tokio::test]
async fn async_functions_and_methods() {
    let scope = Scope::new();
    scope
        .run(async {
            assert!(async_fallible(false).await.is_err());
        })
        .await;
    assert!(scope.dirtied().is_empty());
    scope
        .run(async {
            assert_eq!(async_fallible(true).await, Ok(1));
            let mut counter = Counter { n: 1 };
            assert_eq!(counter.bump_later().await, Ok(11));
        })
        .await;
    assert_eq!(scope.dirtied_names(), ["a", "b"]);
}

#[test]
fn outside_a_scope_nothing_happens() {
    assert_eq!(plain(), 1);
    assert_eq!(fallible(true), Ok(1));
    assert!(Scope::current().is_none());
}

#[test]
fn a_store_records_what_it_changes() {
    let store = Store::with(&["a", "b"]);
    assert_eq!(
        dirtied(|| {
            store.toggle(2).unwrap();
        }),
        ["todos:2"]
    );
    assert_eq!(
        dirtied(|| {
            assert_eq!(store.toggle(9), Err(StoreError::NotFound(9)));
            assert_eq!(store.add("  "), Err(StoreError::Blank));
        }),
        Vec::<String>::new()
    );
    assert_eq!(
        dirtied(|| {
            store.add("c").unwrap();
        }),
        ["todo-list", "todos"]
    );
    assert_eq!(Keys::ALL.len(), 2);
}
