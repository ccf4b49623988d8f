//! Project tasks, std only: `cargo xtask <task>`.
//!
//! - `ci`: everything CI checks: formatting, clippy with warnings denied, every test (unit,
//!   integration, doc and trybuild UI tests; the browser tests on htmx 2, then again on
//!   htmx 4 with `PJX_HTMX=4`), and the docs of the three crates with rustdoc
//!   warnings denied.
//! - `bless`: re-writes the trybuild UI snapshots (`tests/ui/*.stderr`) and shows what
//!   changed, for review.
//! - `minify [--check]`: minifies pjx's client files with a pinned terser (see `minify.rs`);
//!   `--check` is part of `ci`.
//! - `getting-started`: follows `docs/getting-started.md` literally (part of `ci`).
//! - `bench [filter]`: the benchmarks in `bench/`, built with optimizations; every figure is
//!   printed beside a baseline measured in the same run.

mod getting_started;
mod minify;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  ci      fmt check, clippy -D warnings, all tests (incl. UI tests), docs -D warnings
  bless   re-bless the trybuild UI snapshots in tests/ui and show the diff
  bench   run the benchmarks (optionally only those whose name contains a filter)
  minify  minify pjx.js and its parts with a pinned terser (--check: are they current?)
  getting-started
          follow docs/getting-started.md literally: a new crate, its test, its first page";

fn main() -> ExitCode {
    let task = env::args().nth(1);
    let result = match task.as_deref() {
        Some("ci") => ci(),
        Some("bless") => bless(),
        Some("bench") => bench(env::args().nth(2)),
        Some("getting-started") => getting_started::run(),
        Some("minify") => minify::run(env::args().nth(2).as_deref() == Some("--check")),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(match other {
            Some(task) => format!("unknown task `{task}`\n\n{USAGE}"),
            None => USAGE.to_owned(),
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(workspace_root());
    cmd
}

/// Runs one named step, timing it; fails with the step's name.
fn step(name: &str, mut cmd: Command) -> Result<(), String> {
    println!("\n==> {name}");
    let start = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("{name}: could not start: {e}"))?;
    let secs = start.elapsed().as_secs_f32();
    if status.success() {
        println!("==> {name}: ok ({secs:.1}s)");
        Ok(())
    } else {
        Err(format!("{name} failed ({status}) after {secs:.1}s"))
    }
}

fn ci() -> Result<(), String> {
    let start = Instant::now();

    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    step("cargo fmt --check", fmt)?;

    let minify_start = Instant::now();
    println!("\n==> minified client files are current");
    minify::run(true)?;
    println!(
        "==> minified client files are current: ok ({:.1}s)",
        minify_start.elapsed().as_secs_f32()
    );

    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    step("cargo clippy -D warnings", clippy)?;

    let mut test = cargo();
    test.args(["test", "--workspace"]);
    // A stray TRYBUILD=overwrite in the environment would bless instead of check.
    test.env_remove("TRYBUILD");
    step("cargo test --workspace", test)?;

    // The client runtime on the other htmx line: every browser test again, on htmx 4.
    for (package, tests) in [
        ("todo", &["browser", "large_pages_browser"][..]),
        ("cart", &["browser"][..]),
        (
            "pjx-tests",
            &[
                "hostile_ids",
                "morph",
                "composites_browser",
                "streaming_browser",
            ][..],
        ),
    ] {
        let mut browser = cargo();
        browser.args(["test", "-p", package]);
        for test in tests {
            browser.args(["--test", test]);
        }
        browser.env("PJX_HTMX", "4");
        step(&format!("browser tests of {package} on htmx 4"), browser)?;
    }

    let mut doc = cargo();
    doc.args([
        "doc",
        "--no-deps",
        "-p",
        "pjx",
        "-p",
        "pjx-macros",
        "-p",
        "pjx-actix",
    ]);
    doc.env("RUSTDOCFLAGS", "-D warnings");
    step("cargo doc -D warnings", doc)?;

    println!("\n==> docs/getting-started.md, followed literally");
    getting_started::run()?;

    println!(
        "\nci: all checks passed in {:.0}s",
        start.elapsed().as_secs_f32()
    );
    Ok(())
}

fn bench(filter: Option<String>) -> Result<(), String> {
    let mut run = cargo();
    run.args(["run", "--release", "--quiet", "-p", "pjx-bench", "--"]);
    run.args(filter);
    step("benchmarks (release build)", run)
}

fn bless() -> Result<(), String> {
    let mut test = cargo();
    test.args(["test", "-p", "pjx-tests", "--test", "ui"]);
    test.env("TRYBUILD", "overwrite");
    step("bless UI snapshots", test)?;
    let mut diff = Command::new("git");
    diff.current_dir(workspace_root())
        .args(["diff", "--stat", "--", "tests/ui"]);
    step("changed snapshots (review with `git diff tests/ui`)", diff)
}
