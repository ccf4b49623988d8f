//! Serves pjx.js without its comments and indentation: the readable source stays in
//! `assets/pjx.js`, browsers download a third less (gzipped).

use std::{env, fs, path::PathBuf};

fn main() {
    strip("pjx");
    strip("pjx-morph");
}

fn strip(name: &str) {
    let source = format!("assets/{name}.js");
    println!("cargo::rerun-if-changed={source}");
    let text = fs::read_to_string(&source).expect("the assets are readable");
    // Whole-line `//` comments and blank lines only: nothing inside a line is touched, so
    // strings, regexes and the inline stylesheet come through unchanged (less their indent).
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    let dest = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join(format!("{name}.min.js"));
    fs::write(dest, out).expect("OUT_DIR is writable");
}
