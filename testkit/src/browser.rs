//! Debian's Chromium, driven through chromedriver with fantoccini.
//!
//! One chromedriver serves the whole test binary; each test gets its own browser session.
//! Neither chromedriver nor any Chromium outlives the test binary, however it ends: a watchdog
//! process kills them when the binary's end closes a pipe (see `Driver`).
//! Without chromium and chromedriver installed the tests fail and say how to install them
//! (`.ci/run` does); set `PJX_SKIP_BROWSER=1` to skip them deliberately.

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

struct Driver {
    url: String,
    /// Where every session's browser profile goes (removed with the driver).
    profiles: PathBuf,
    /// The watchdog's stdin, never written. A static is never dropped, so no `Drop` could stop
    /// chromedriver; instead the kernel closes this pipe when the test binary ends, however it
    /// ends (tests passed or panicked, `exit`, a signal, even `SIGKILL`), and the watchdog,
    /// reading end of file, kills chromedriver's process group — every Chromium it started is
    /// in it — and removes the profiles.
    _lifeline: ChildStdin,
}

static DRIVER: OnceLock<Result<Driver, String>> = OnceLock::new();

/// Waits for its stdin to close, then kills process group `$1` and removes directory `$2`. In
/// a process group of its own: a terminal's Ctrl-C signals the test binary's group, and the
/// watchdog must live to clean up after it.
const WATCHDOG: &str = r#"read -r _; kill -s KILL -- "-$1" 2>/dev/null; sleep 1; rm -rf -- "$2""#;

fn driver() -> Result<&'static Driver, String> {
    DRIVER
        .get_or_init(|| {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| e.to_string())?
                .port();
            let profiles = std::env::temp_dir().join(format!("pjx-chromium-{}", std::process::id()));
            std::fs::create_dir_all(&profiles).map_err(|e| format!("{}: {e}", profiles.display()))?;
            // Its own process group, which the browsers it starts inherit: the watchdog kills
            // them all at once.
            let mut chromedriver = Command::new(chromedriver_path())
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .map_err(|e| {
                    format!(
                        "could not start chromedriver ({e}); install Chromium for the browser tests: apt-get install -y chromium chromium-driver (or set PJX_SKIP_BROWSER=1)"
                    )
                })?;
            let watchdog = Command::new("/bin/sh")
                .args(["-c", WATCHDOG, "pjx-browser-watchdog"])
                .arg(chromedriver.id().to_string())
                .arg(&profiles)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn();
            let lifeline = match watchdog {
                Ok(mut watchdog) => watchdog.stdin.take().expect("piped"),
                Err(e) => {
                    let _ = chromedriver.kill();
                    return Err(format!("could not start the chromedriver watchdog (/bin/sh): {e}"));
                }
            };
            let url = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + Duration::from_secs(20);
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                if Instant::now() > deadline {
                    return Err("chromedriver did not start listening".into());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(Driver {
                url,
                profiles,
                _lifeline: lifeline,
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn chromedriver_path() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into())
}

/// The htmx line the browser tests run on: `PJX_HTMX=4` for htmx 4, else htmx 2 (the
/// default). Apps under test set it (`Pjx::htmx`); `cargo xtask ci` runs the client runtime's
/// browser tests once per line.
pub fn htmx_line() -> &'static str {
    match std::env::var("PJX_HTMX").as_deref() {
        Ok("4") => "4",
        _ => "2",
    }
}

/// Whether the tests run on htmx 4.
pub fn htmx4() -> bool {
    htmx_line() == "4"
}

/// An htmx event's name on the line under test: `ev("afterRequest", "after:request")` is
/// `htmx:afterRequest` on htmx 2, `htmx:after:request` on htmx 4.
pub fn ev(v2: &str, v4: &str) -> String {
    format!("htmx:{}", if htmx4() { v4 } else { v2 })
}

/// Whether browser tests were deliberately turned off.
pub fn skipped() -> bool {
    if std::env::var_os("PJX_SKIP_BROWSER").is_some() {
        eprintln!("PJX_SKIP_BROWSER is set: browser test skipped");
        return true;
    }
    false
}

/// A fresh headless Chromium session.
pub async fn session() -> Client {
    static SESSIONS: AtomicU64 = AtomicU64::new(0);
    let driver = driver().unwrap_or_else(|e| panic!("{e}"));
    let profile = driver
        .profiles
        .join(SESSIONS.fetch_add(1, Ordering::Relaxed).to_string());
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1000,800",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a chromium session")
}

/// Runs `script` in the page and returns its result.
pub async fn js(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.expect("script runs")
}

/// Polls `script` until it returns `true`, failing with `what` after `timeout`.
pub async fn wait_for(client: &Client, script: &str, timeout: Duration, what: &str) {
    let start = Instant::now();
    loop {
        if js(client, script).await == Value::Bool(true) {
            return;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Clicks the element matching `css`.
pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
        .click()
        .await
        .expect("click");
}

/// Text of the element matching `css`.
pub async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Waits until htmx has no request in flight, no stream is being read, and the page settled.
pub async fn settle(client: &Client) {
    wait_for(
        client,
        "return document.querySelectorAll('.htmx-request').length === 0 && window.pjx.lit.size === 0 && !(window.pjx.stream && window.pjx.stream.size)",
        Duration::from_secs(10),
        "the page to settle",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Browser sessions are heavy on a 2-core machine: tests hold this to run one at a time.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A fresh session on `url`, once htmx and pjx.js are loaded (and the morph glue, on a page
/// with regions).
pub async fn open(url: &str) -> Client {
    let client = session().await;
    client.goto(url).await.expect("the page loads");
    wait_for(
        &client,
        "return !!(window.htmx && window.pjx && (window.pjx.morph || !document.querySelector('[data-pjx-id]')))",
        Duration::from_secs(10),
        "the runtime",
    )
    .await;
    client
}
