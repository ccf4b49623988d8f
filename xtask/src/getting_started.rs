//! `docs/getting-started.md`, followed literally: the new crate it describes is made with
//! `cargo new`, every file the page shows is written as shown, its test runs, and the server
//! it builds answers its first page.
//!
//! The page marks each file with `<!-- file: PATH -->` on the line before the code block, and
//! the text the first page must contain with `<!-- expect: TEXT -->`. The crate depends on
//! pjx by path (`../pjx/...`), as the page says: here `../pjx` is a link to this workspace.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{step, workspace_root};

/// A file the page shows.
struct DocFile {
    path: String,
    content: String,
}

/// What the page says to make: its files, and what its first page must contain.
struct Page {
    crate_name: String,
    files: Vec<DocFile>,
    expect: Vec<String>,
}

fn parse(markdown: &str) -> Result<Page, String> {
    let mut files = Vec::new();
    let mut expect = Vec::new();
    let mut crate_name = None;
    let mut pending: Option<String> = None;
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if let Some(path) = marker(trimmed, "file:") {
            pending = Some(path.to_owned());
        } else if let Some(text) = marker(trimmed, "expect:") {
            expect.push(text.to_owned());
        } else if trimmed.starts_with("```") {
            let mut content = String::new();
            for body in lines.by_ref() {
                if body.trim_start().starts_with("```") {
                    break;
                }
                content.push_str(body);
                content.push('\n');
            }
            if crate_name.is_none()
                && let Some(name) = content
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("cargo new "))
            {
                crate_name = Some(name.trim().to_owned());
            }
            if let Some(path) = pending.take() {
                files.push(DocFile { path, content });
            }
        } else if !trimmed.is_empty() && pending.is_some() {
            return Err(format!(
                "a `<!-- file: … -->` marker must be followed by its code block, not `{trimmed}`"
            ));
        }
    }
    let crate_name = crate_name.ok_or("the page never says `cargo new <name>`")?;
    if files.is_empty() {
        return Err("the page marks no files (`<!-- file: PATH -->`)".into());
    }
    Ok(Page {
        crate_name,
        files,
        expect,
    })
}

fn marker<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim()
        .strip_prefix(name)
        .map(str::trim)
}

/// A directory removed when dropped.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A server process, killed when dropped (a failed check must not leave it running).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run() -> Result<(), String> {
    let root = workspace_root();
    let markdown = fs::read_to_string(root.join("docs/getting-started.md"))
        .map_err(|e| format!("docs/getting-started.md: {e}"))?;
    let page = parse(&markdown)?;

    // A fresh directory outside the workspace (inside it, `cargo new` would join the new
    // crate to the workspace), beside a link named `pjx`, as the page's `../pjx` paths expect.
    let work = std::env::temp_dir().join(format!("pjx-getting-started-{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let _cleanup = RemoveOnDrop(work.clone());
    std::os::unix::fs::symlink(&root, work.join("pjx")).map_err(|e| format!("link: {e}"))?;

    let mut new = cargo_in(&work);
    new.args(["new", &page.crate_name]);
    step(&format!("cargo new {}", page.crate_name), new)?;
    let krate = work.join(&page.crate_name);
    for file in &page.files {
        let path = krate.join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        fs::write(&path, &file.content).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    // The workspace's lockfile pins the same versions (a reader's first build resolves
    // afresh; CI should not meet a new release of some dependency here first).
    fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;

    let mut test = cargo_in(&krate);
    test.arg("test");
    step("getting started: cargo test", test)?;

    let mut build = cargo_in(&krate);
    build.arg("build");
    step("getting started: cargo build", build)?;

    let port = free_port()?;
    let binary = target_dir(&root).join("debug").join(&page.crate_name);
    let child = Command::new(&binary)
        .current_dir(&krate)
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let _server = Server(child);
    let body = get_when_up(SocketAddr::from(([127, 0, 0, 1], port)), "/")?;
    for text in &page.expect {
        if !body.contains(text.as_str()) {
            return Err(format!(
                "getting started: the first page lacks `{text}`:\n{body}"
            ));
        }
    }
    println!("==> getting started: the first page answers on port {port}");
    Ok(())
}

fn cargo_in(dir: &Path) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(dir);
    // The workspace's target directory and dev profile, so dependencies built with the same
    // features are reused rather than built again (CI has two cores).
    cmd.env("CARGO_TARGET_DIR", target_dir(&workspace_root()));
    cmd.args([
        "--config",
        "profile.dev.debug=\"line-tables-only\"",
        "--config",
        "profile.dev.package.\"*\".debug=false",
    ]);
    cmd
}

fn target_dir(root: &Path) -> PathBuf {
    root.join("target")
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// `GET path` once the server listens (up to 30 s), the whole response.
fn get_when_up(addr: SocketAddr, path: &str) -> Result<String, String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(mut stream) => {
                let request =
                    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                stream
                    .write_all(request.as_bytes())
                    .map_err(|e| e.to_string())?;
                let mut response = String::new();
                stream
                    .read_to_string(&mut response)
                    .map_err(|e| e.to_string())?;
                if !response.starts_with("HTTP/1.1 200") {
                    return Err(format!("getting started: GET {path} answered:\n{response}"));
                }
                return Ok(response);
            }
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => return Err(format!("getting started: the server never listened: {e}")),
        }
    }
}
