//! Debian's Chromium, driven through chromedriver with fantoccini.
//!
//! One chromedriver serves the whole test binary; each test gets its own browser session.
//! Without chromium and chromedriver installed the tests fail and say how to install them
//! (`.ci/run` does); set `PJX_SKIP_BROWSER=1` to skip them deliberately.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

struct Driver {
    url: String,
    _child: Child,
}

static DRIVER: OnceLock<Result<Driver, String>> = OnceLock::new();

fn driver() -> Result<&'static Driver, String> {
    DRIVER
        .get_or_init(|| {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| e.to_string())?
                .port();
            let child = Command::new(chromedriver_path())
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| {
                    format!(
                        "could not start chromedriver ({e}); install Chromium for the browser tests: apt-get install -y chromium chromium-driver (or set PJX_SKIP_BROWSER=1)"
                    )
                })?;
            let url = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + Duration::from_secs(20);
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                if Instant::now() > deadline {
                    return Err("chromedriver did not start listening".into());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(Driver { url, _child: child })
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn chromedriver_path() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into())
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
    let driver = driver().unwrap_or_else(|e| panic!("{e}"));
    let profile = std::env::temp_dir().join(format!(
        "pjx-chromium-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
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

/// Waits until htmx has no request in flight and the page settled.
pub async fn settle(client: &Client) {
    wait_for(
        client,
        "return document.querySelectorAll('.htmx-request').length === 0 && window.pjx.lit.size === 0",
        Duration::from_secs(10),
        "the page to settle",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Browser sessions are heavy on a 2-core machine: tests hold this to run one at a time.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A fresh session on `url`, once htmx and pjx.js are loaded.
pub async fn open(url: &str) -> Client {
    let client = session().await;
    client.goto(url).await.expect("the page loads");
    wait_for(
        &client,
        "return !!(window.htmx && window.pjx)",
        Duration::from_secs(10),
        "the runtime",
    )
    .await;
    client
}
