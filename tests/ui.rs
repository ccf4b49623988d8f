//! Compile-time rules: every `tests/ui/*.rs` must fail to compile with the message in its
//! `.stderr`, and every `tests/ui/pass/*.rs` must compile and run.
//!
//! rustc's output changes between releases, so the snapshots are only compared on the
//! toolchain pinned in `rust-toolchain.toml` (what CI uses). Re-bless with `cargo xtask bless`
//! and review the diff.

use std::process::Command;

fn pinned_toolchain() -> String {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../rust-toolchain.toml");
    let text = std::fs::read_to_string(file).expect("rust-toolchain.toml at the workspace root");
    text.lines()
        .find_map(|line| line.trim().strip_prefix("channel"))
        .and_then(|rest| rest.split('"').nth(1))
        .expect("a `channel = \"x.y.z\"` line in rust-toolchain.toml")
        .to_owned()
}

fn rustc_version() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .arg("--version")
        .output()
        .expect("rustc runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn ui() {
    let pinned = pinned_toolchain();
    let version = rustc_version();
    assert!(
        version.starts_with(&format!("rustc {pinned} ")),
        "UI snapshots are blessed with rustc {pinned}, but this is {version}: run the tests with the pinned toolchain (rustup does so inside this repository)"
    );
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/*.rs");
}
