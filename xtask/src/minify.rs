//! `cargo xtask minify [--check]`: the served client files, minified with terser at a pinned
//! version (through `npx`, so Node.js and npm must be installed), once for each htmx line. The
//! readable sources stay in `crates/actix/assets/<name>.js`; the minified files,
//! `<name>.v2.min.js` and `<name>.v4.min.js`, are committed and embedded as they are: terser
//! defines `PJX_V4` in each, so each line's file holds none of the other line's code.
//! `--check` (part of `ci`) fails when a committed file is not what terser makes of its
//! source.

use std::fs;
use std::process::Command;

/// terser, pinned: a new version may minify differently, which `--check` would report.
pub const TERSER: &str = "terser@5.46.0";

/// The client files pjx minifies (its own; htmx and idiomorph are vendored minified).
pub const FILES: [&str; 5] = [
    "pjx",
    "pjx-loading",
    "pjx-optimistic",
    "pjx-morph",
    "pjx-stream",
];

/// The htmx lines, as `PJX_V4` for terser and in the minified files' names.
const LINES: [(&str, &str); 2] = [("v2", "PJX_V4=false"), ("v4", "PJX_V4=true")];

pub fn run(check: bool) -> Result<(), String> {
    let assets = super::workspace_root().join("crates/actix/assets");
    let mut stale = Vec::new();
    for (name, (line, define)) in FILES
        .into_iter()
        .flat_map(|name| LINES.map(|line| (name, line)))
    {
        let source = assets.join(format!("{name}.js"));
        let out = Command::new("npx")
            .args(["--yes", TERSER, "--compress", "--mangle", "--ecma", "2022"])
            .args(["--define", define])
            .arg(&source)
            .output()
            .map_err(|e| format!("npx (Node.js and npm) is needed to run terser: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "terser failed on {}: {}",
                source.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let mut min = String::from_utf8(out.stdout).map_err(|e| e.to_string())?;
        if !min.ends_with('\n') {
            min.push('\n');
        }
        let dest = assets.join(format!("{name}.{line}.min.js"));
        if check {
            if fs::read_to_string(&dest).ok().as_deref() != Some(min.as_str()) {
                stale.push(dest.display().to_string());
            }
        } else {
            fs::write(&dest, &min).map_err(|e| format!("{}: {e}", dest.display()))?;
            println!("{}: {} bytes", dest.display(), min.len());
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "not what terser makes of their sources (run `cargo xtask minify`): {}",
            stale.join(", ")
        ))
    }
}
