//! No chromedriver or Chromium outlives the test binary that started it, whether its tests
//! pass or panic or the binary is killed. A test cannot watch its own binary end, so this one
//! runs its binary again as a child (`child_session`, which does nothing unless asked to) and
//! watches that child end.

use std::io::{BufRead, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pjx_testkit::browser;

/// How the child run ends: `pass`, `panic`, or `hang` (then the parent kills it).
const MODE: &str = "PJX_TESTKIT_CHILD";
/// A mark the child's processes inherit in their environment.
const TAG: &str = "PJX_TESTKIT_TAG";

/// In a child run: opens a browser session, says so, then ends as asked.
#[tokio::test]
async fn child_session() {
    let Ok(mode) = std::env::var(MODE) else {
        return;
    };
    let client = browser::session().await;
    client
        .goto("data:text/html,<p>hello</p>")
        .await
        .expect("a page");
    println!("session open");
    // Ends only when the parent, having seen the browser running, says so (or kills it).
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).unwrap();
    match mode.as_str() {
        "panic" => panic!("a test that fails, its session still open"),
        "hang" => tokio::time::sleep(Duration::from_secs(300)).await,
        _ => {}
    }
}

#[test]
fn no_browser_process_outlives_the_test_binary() {
    if browser::skipped() {
        return;
    }
    for mode in ["pass", "panic", "hang"] {
        let tag = format!("pjx-testkit-{}-{mode}", std::process::id());
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "child_session",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(MODE, mode)
            .env(TAG, &tag)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert!(
            lines.any(|line| line.is_ok_and(|line| line.contains("session open"))),
            "{mode}: the child opened no session"
        );
        // While the child runs, the check finds its chromedriver and browser.
        let running = survivors(&tag, pid);
        assert!(
            running.iter().any(|p| p.contains("chromedriver"))
                && running
                    .iter()
                    .any(|p| p.contains("chrom") && !p.contains("chromedriver")),
            "{mode}: the check does not see the child's browser: {running:?}"
        );
        if mode == "hang" {
            child.kill().unwrap(); // SIGKILL: no destructor, no exit handler runs
        } else {
            writeln!(child.stdin.as_ref().unwrap(), "go").unwrap();
        }
        let status = child.wait().unwrap();
        drop(lines);
        assert_eq!(status.success(), mode == "pass", "{mode}: {status}");
        let profiles = std::env::temp_dir().join(format!("pjx-chromium-{pid}"));
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let left = survivors(&tag, pid);
            if left.is_empty() && !profiles.exists() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{mode}: after the test binary ended, still running: {left:?}; profiles left: {}",
                profiles.exists()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The processes started for the child run with `pid`, as "pid command line": those that
/// inherited its tag (chromedriver, the browser, the watchdog) and those whose command line
/// names its profiles (the browser's helpers, which get a fresh environment).
fn survivors(tag: &str, pid: u32) -> Vec<String> {
    let mark = format!("{TAG}={tag}");
    let profiles = format!("pjx-chromium-{pid}");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name();
        let Some(other) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if other == pid || other == std::process::id() {
            continue;
        }
        let read = |file: &str| std::fs::read(entry.path().join(file)).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&read("cmdline")).replace('\0', " ");
        let tagged = read("environ")
            .split(|&b| b == 0)
            .any(|var| var == mark.as_bytes());
        if tagged || cmdline.contains(&profiles) {
            found.push(format!("{other} {}", cmdline.trim()));
        }
    }
    found
}
