//! Streaming components in Chromium, on a real server, under the htmx line `PJX_HTMX` names:
//! a region fills frame by frame (renders and appended parts, then the final answer); the time
//! from a frame's send on the server to its swap in the page is measured; a stream that fails
//! keeps the last good frame and says why; closing the page stops the handler on the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::{App, HttpResponse, web};
use pjx::prelude::*;
use pjx_actix::Pjx;
use pjx_testkit::browser::{self, click, js, settle, skipped, wait_for};
use pjx_testkit::server::serve;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What the server's handlers report to the test.
#[derive(Default)]
struct Probe {
    running: AtomicBool,
    stopped: AtomicBool,
    frames: AtomicU32,
}

struct Running(Arc<Probe>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::SeqCst);
        self.0.stopped.store(true, Ordering::SeqCst);
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

const WORDS: [&str; 8] = [
    "streams", "arrive", "frame", "by", "frame", "while", "you", "watch",
];

#[component(
    name = "feed",
    source = r#"<section class="feed"><p class="n" data-sent="{{ sent }}">{{ n }}</p><p class="reply" data-pjx-part="reply">{{ reply }}</p>
<button class="go" {{ self.go_event(20) }}>go</button><button class="forever" {{ self.go_event(0) }}>forever</button>
<button class="talk" {{ self.talk_event() }}>talk</button><button class="fail" {{ self.fail_event() }}>fail</button></section>"#
)]
#[derive(Serialize, Deserialize)]
struct Feed {
    n: u32,
    sent: u64,
    reply: String,
}

#[component]
impl Feed {
    fn mount() -> Feed {
        Feed {
            n: 0,
            sent: 0,
            reply: String::new(),
        }
    }

    /// `count` frames at 10 a second (0: until the client leaves).
    async fn on_go(&mut self, count: u32, cx: &LoadCx, frames: &Frames) -> Result<(), EventError> {
        let probe = cx.require::<Arc<Probe>>()?;
        probe.running.store(true, Ordering::SeqCst);
        let _running = Running(Arc::clone(probe));
        while count == 0 || self.n < count {
            self.n += 1;
            self.sent = now_ms();
            frames.render(self).await?;
            probe.frames.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.sent = 0; // the final render is no frame to time
        Ok(())
    }

    /// A reply, word by word, into the `reply` part; the final render holds it whole.
    async fn on_talk(&mut self, frames: &Frames) -> Result<(), EventError> {
        self.reply.clear();
        self.sent = 0;
        for word in WORDS {
            self.reply.push_str(word);
            self.reply.push(' ');
            let html = format!(r#"<span data-sent="{}">{word} </span>"#, now_ms());
            frames.append("reply", Markup::trusted(html)).await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    async fn on_fail(&mut self, frames: &Frames) -> Result<(), EventError> {
        self.n = 99;
        self.sent = 0;
        frames.render(self).await?;
        Err(EventError::invalid("n", "the feed broke"))
    }
}

#[derive(Deserialize)]
struct Nothing {}

async fn page(scope: pjx_actix::RequestScope, _: web::Query<Nothing>) -> HttpResponse {
    let feed = scope.run_sync(|| Feed::mount().to_html()).unwrap();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html><head><title>stream</title></head><body><main>{feed}</main></body></html>"
        ))
}

fn server(probe: Arc<Probe>) -> String {
    let pjx = Pjx::new()
        .context(move |_| LoadCx::new().with(Arc::clone(&probe)))
        .htmx(browser::htmx_line().parse().unwrap());
    let addr = serve(move || {
        App::new()
            .wrap(pjx.clone())
            .service(pjx_actix::components())
            .route("/", web::get().to(page))
    });
    format!("http://{addr}/")
}

/// Records, for every element with `data-sent` the page gains, how long after its send it
/// arrived (server and browser share a clock: both run here).
const WATCH: &str = "window.lat = []; window.errors = [];
  new MutationObserver((ms) => { for (const m of ms) for (const n of m.addedNodes) {
    if (n.nodeType !== 1) continue;
    for (const el of [n, ...n.querySelectorAll('[data-sent]')])
      if (el.dataset && el.dataset.sent > 0) lat.push(Date.now() - Number(el.dataset.sent));
  } }).observe(document.body, { childList: true, subtree: true });
  document.addEventListener('pjx:error', (e) => errors.push(e.detail.code));
  window.addEventListener('error', (e) => errors.push('error: ' + e.message));
  return true";

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::test]
async fn a_region_fills_frame_by_frame_and_closing_the_page_stops_the_handler() {
    if skipped() {
        return;
    }
    let _one = browser::ONE_AT_A_TIME.lock().await;
    let probe = Arc::new(Probe::default());
    let url = server(Arc::clone(&probe));
    let client = browser::open(&url).await;
    js(&client, WATCH).await;
    assert_eq!(
        js(
            &client,
            "return [!!pjx.stream, !!document.querySelector('[data-pjx-stream]')]"
        )
        .await,
        json!([true, true]),
        "the stream reader loads on a page with a streaming trigger"
    );

    // Renders: the count climbs frame by frame (the test sees it between its ends).
    click(&client, ".go").await;

    wait_for(
        &client,
        "return Number(document.querySelector('.n').textContent) >= 3",
        Duration::from_secs(10),
        "the third frame",
    )
    .await;
    assert_eq!(
        js(&client, "return document.querySelector('.n').textContent")
            .await
            .as_str()
            .map(|n| n.parse::<u32>().unwrap() < 20),
        Some(true),
        "frames arrive before the stream ends"
    );
    wait_for(
        &client,
        "const n = document.querySelector('.n'); return n.textContent === '20' && n.dataset.sent === '0'",
        Duration::from_secs(10),
        "the final render",
    )
    .await;
    settle(&client).await;

    // Parts: the reply grows word by word; the end renders it whole.
    click(&client, ".talk").await;
    wait_for(
        &client,
        "return document.querySelectorAll('.reply span').length >= 2",
        Duration::from_secs(10),
        "two words",
    )
    .await;
    wait_for(
        &client,
        &format!(
            "return document.querySelector('.reply').textContent.trim() === '{}' && !document.querySelector('.reply span')",
            WORDS.join(" ")
        ),
        Duration::from_secs(10),
        "the whole reply, rendered",
    )
    .await;
    settle(&client).await;
    let lat: Vec<f64> = serde_json::from_value(js(&client, "return lat").await).unwrap();
    assert!(lat.len() >= 20, "{lat:?}");
    let median = median(lat.clone());
    eprintln!(
        "htmx {}: frame send → swap over {} frames: median {median} ms, max {} ms",
        browser::htmx_line(),
        lat.len(),
        lat.iter().cloned().fold(0.0, f64::max)
    );
    assert!(
        median < 1000.0,
        "frames arrive as they are sent, not at the end: {lat:?}"
    );

    // A failed stream: the page keeps its last good frame and says why.
    click(&client, ".fail").await;
    wait_for(
        &client,
        "return errors.length > 0",
        Duration::from_secs(10),
        "the error",
    )
    .await;
    settle(&client).await;
    assert_eq!(
        js(
            &client,
            "return [document.querySelector('.n').textContent, errors]"
        )
        .await,
        json!(["99", ["invalid_payload"]])
    );

    // Closing the page stops the handler on the server.
    js(&client, "errors.length = 0; return true").await;
    click(&client, ".forever").await;
    wait_for(
        &client,
        "return Number(document.querySelector('.n').textContent) >= 103",
        Duration::from_secs(10),
        "the endless stream",
    )
    .await;
    assert!(probe.running.load(Ordering::SeqCst));
    probe.stopped.store(false, Ordering::SeqCst);
    client.goto("about:blank").await.unwrap();
    let left = Instant::now();
    while !probe.stopped.load(Ordering::SeqCst) {
        assert!(
            left.elapsed() < Duration::from_secs(1),
            "the handler still runs 1 s after the page closed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    eprintln!(
        "htmx {}: handler stopped {:?} after the page closed",
        browser::htmx_line(),
        left.elapsed()
    );
    client.close().await.unwrap();
}
