//! Streaming components: a handler that takes `frames: &Frames` answers a client that reads
//! streams with frames. Through the component harness (no HTTP): renders, parts, per-frame
//! and final fan-out, an error mid-stream, checks before the first frame, the final render for
//! a client that reads no streams. Through the dispatch itself: backpressure, heartbeats, the
//! maximum duration, a dropped stream dropping its handler. Over HTTP on a real actix server:
//! the event stream as the browser reads it, and a client that leaves stopping its handler.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, web};
use pjx::prelude::*;
use pjx::stateful::{Answer, EventRequest, EventStream, Frame, PartMode, StreamLimits};
use pjx::testing::ComponentTest;
use pjx::{Engine, Limits, Scope, StateKey, StateKeys};
use pjx_actix::Pjx;
use pjx_testkit::server::serve;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(MutationKey)]
enum Keys {
    Score,
}

static SCORE: AtomicU32 = AtomicU32::new(0);

#[mutates(Keys::Score)]
fn score_point() {
    SCORE.fetch_add(1, Ordering::SeqCst);
}

/// A region elsewhere on the page that the job's mutations concern.
#[reactive(react = [Keys::Score], source = "<b>score {{ n }}</b>")]
struct Score {
    n: u32,
}

#[reactive]
impl Score {
    fn load() -> Result<Self, LoadError> {
        Ok(Score {
            n: SCORE.load(Ordering::SeqCst),
        })
    }
}

/// A job with a progress bar and a log.
#[component(
    name = "job",
    source = r#"<div><progress value="{{ done }}" max="{{ steps }}"></progress><ol data-pjx-part="log"></ol><button {{ self.run_event() }}>run</button></div>"#
)]
#[derive(Serialize, Deserialize)]
struct Job {
    done: u32,
    steps: u32,
}

#[component]
impl Job {
    fn mount() -> Job {
        Job { done: 0, steps: 3 }
    }

    async fn on_run(&mut self, frames: &Frames) -> Result<(), EventError> {
        for step in 1..=self.steps {
            self.done = step;
            frames.render(self).await?;
            frames.append("log", format!("<step {step}>")).await?;
        }
        frames
            .replace("log", Markup::trusted("<li>all done</li>"))
            .await?;
        Ok(())
    }

    async fn on_score(&mut self, frames: &Frames) -> Result<(), EventError> {
        score_point();
        frames.updates().await?; // the score follows at once
        frames.updates().await?; // nothing new: nothing sent
        self.done = 1;
        frames.render(self).await?;
        score_point(); // sent with the end
        Ok(())
    }

    async fn on_break(&mut self, frames: &Frames) -> Result<(), EventError> {
        self.done = 1;
        frames.render(self).await?;
        Err(EventError::invalid("done", "the job broke at step 1"))
    }

    /// A plain event: no frames.
    fn on_reset(&mut self) {
        self.done = 0;
    }
}

fn html_of(frame: &Frame) -> &str {
    match frame {
        Frame::Render { html } | Frame::Updates { html } | Frame::End { html, .. } => html,
        Frame::Part { html, .. } => html,
        other => panic!("no html in {other:?}"),
    }
}

#[tokio::test]
async fn frames_render_the_component_and_its_parts_then_end_with_the_final_answer() {
    let mut t = ComponentTest::<Job>::new();
    t.mount(()).await.unwrap();
    let mounted_state = t.last().state.clone();
    let frames = t.stream("run", json!({})).await.unwrap();
    assert_eq!(frames.len(), 8, "{frames:#?}");
    for step in 1..=3 {
        let render = &frames[(step - 1) * 2];
        assert!(matches!(render, Frame::Render { .. }), "{render:?}");
        assert!(html_of(render).contains(&format!(r#"<progress value="{step}""#)));
        // Each render carries a state token of its own, so the component's triggers work.
        assert!(html_of(render).contains("data-pjx-component=\"job\""));
        assert!(!html_of(render).contains(&mounted_state));
        assert_eq!(
            frames[(step - 1) * 2 + 1],
            Frame::Part {
                part: "log".into(),
                mode: PartMode::Append,
                html: format!("&#60;step {step}&#62;"),
            },
            "text is escaped"
        );
    }
    assert_eq!(
        frames[6],
        Frame::Part {
            part: "log".into(),
            mode: PartMode::Replace,
            html: "<li>all done</li>".into(),
        }
    );
    let Frame::End {
        html,
        dirtied,
        refresh,
    } = &frames[7]
    else {
        panic!("the last frame ends the stream: {:?}", frames[7]);
    };
    assert!(html.contains(r#"<progress value="3""#));
    assert!(dirtied.is_empty() && !refresh);
    // The harness holds the final answer, as after any event.
    assert_eq!(t.state().done, 3);
    assert!(html.contains(&t.last().state));
    t.dispatch("reset", json!({})).await.unwrap();
    assert_eq!(t.state().done, 0);
}

#[tokio::test]
async fn a_client_that_reads_no_streams_gets_the_final_render_alone() {
    let mut t = ComponentTest::<Job>::new();
    t.mount(()).await.unwrap();
    let answer = t.dispatch("run", json!({})).await.unwrap();
    assert!(answer.html.contains(r#"<progress value="3""#));
    assert_eq!(t.state().done, 3);
    // Its trigger is marked for the stream reader; a plain event's is not.
    assert!(t.html().contains("data-pjx-stream"));
    assert_eq!(
        <Job as pjx::stateful::Stateful>::STREAMS,
        ["run", "score", "break"]
    );
}

#[tokio::test]
async fn mutations_fan_out_when_the_handler_asks_and_at_the_end() {
    let mut t = ComponentTest::<Job>::new();
    t.mount(()).await.unwrap();
    let score = Score::load().unwrap().to_html().unwrap();
    let page = format!("<body>{score}{}</body>", t.html());
    let mut t = t.on_page(page);
    let before = SCORE.load(Ordering::SeqCst);
    let frames = t.stream("score", json!({})).await.unwrap();
    let kinds: Vec<&str> = frames
        .iter()
        .map(|f| match f {
            Frame::Updates { .. } => "updates",
            Frame::Render { .. } => "render",
            Frame::End { .. } => "end",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["updates", "render", "end"], "{frames:#?}");
    assert!(html_of(&frames[0]).contains(&format!("score {}", before + 1)));
    assert!(html_of(&frames[0]).contains("hx-swap-oob"));
    // The end carries the final render and the update of what no `updates` sent.
    assert!(html_of(&frames[2]).contains(&format!("score {}", before + 2)));
    assert!(html_of(&frames[2]).contains("hx-swap-oob"));
    let page = t.page().unwrap();
    assert!(page.html().contains(&format!("score {}", before + 2)));
}

#[tokio::test]
async fn an_error_mid_stream_ends_it_with_an_error_frame_and_keeps_the_last_answer() {
    let mut t = ComponentTest::<Job>::new();
    t.mount(()).await.unwrap();
    let mounted = t.last().clone();
    let frames = t.stream("break", json!({})).await.unwrap();
    assert_eq!(frames.len(), 2);
    assert!(html_of(&frames[0]).contains(r#"<progress value="1""#));
    assert_eq!(
        frames[1],
        Frame::Error {
            status: 422,
            body: json!({"error": {"status": 422, "code": "invalid_payload", "message": "`done`: the job broke at step 1", "field": "done"}}),
        }
    );
    assert_eq!(t.last(), &mounted, "the harness keeps the last good answer");
}

/// Only signed-in users may stream; a counter shows whether the handler ever ran.
static GUARDED_RUNS: AtomicU32 = AtomicU32::new(0);

#[component(name = "guarded-job", permissions = [IsAuthenticated], rate_limit = "3/min", source = "<p>{{ n }}<button {{ self.go_event() }}>go</button></p>")]
#[derive(Serialize, Deserialize)]
struct GuardedJob {
    n: u32,
}

#[component]
impl GuardedJob {
    fn mount() -> GuardedJob {
        GuardedJob { n: 0 }
    }

    async fn on_go(&mut self, frames: &Frames) -> Result<(), EventError> {
        GUARDED_RUNS.fetch_add(1, Ordering::SeqCst);
        self.n += 1;
        frames.render(self).await
    }
}

#[tokio::test]
async fn permissions_rate_limits_and_state_are_checked_before_the_first_frame() {
    let mut t = ComponentTest::<GuardedJob>::new();
    t.sign_in(Some(Identity::user("ann")));
    t.mount(()).await.unwrap(); // one of the three events a minute
    let runs = GUARDED_RUNS.load(Ordering::SeqCst);
    t.sign_in(None);
    let e = t.stream("go", json!({})).await.unwrap_err();
    assert_eq!(e.status(), 401);
    t.sign_in(Some(Identity::user("bob")));
    let e = t.stream("go", json!({})).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (403, "state_not_yours"));
    t.sign_in(Some(Identity::user("ann")));
    let mut tampered = EventRequest::event("go", Default::default(), "v1.x.y");
    tampered.params = Value::Null;
    assert_eq!(t.send(tampered).await.unwrap_err().status(), 400);
    assert_eq!(GUARDED_RUNS.load(Ordering::SeqCst), runs, "no handler ran");
    let frames = t.stream("go", json!({})).await.unwrap();
    assert_eq!(frames.len(), 2);
    let e = t.stream("go", json!({})).await.unwrap_err();
    assert_eq!(e.status(), 429, "the rate limit counts streams as events");
}

// ---------------------------------------------------------------- the dispatch itself

/// Counts the frames its handler has sent, and says when the handler is dropped.
#[component(
    name = "ticker",
    source = "<p>{{ n }}<button {{ self.tick_event() }}>tick</button></p>"
)]
#[derive(Serialize, Deserialize)]
struct Ticker {
    n: u32,
}

/// What a ticker's handler reports (one per test: the tests of this file run in parallel).
#[derive(Default)]
struct Probe {
    sent: AtomicU32,
    dropped: AtomicBool,
}

struct DropFlag(Arc<Probe>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.dropped.store(true, Ordering::SeqCst);
    }
}

#[derive(Deserialize)]
struct TickArgs {
    /// Milliseconds between frames.
    every: u64,
    /// Frames to send (0: until dropped).
    count: u32,
}

#[component]
impl Ticker {
    fn mount() -> Ticker {
        Ticker { n: 0 }
    }

    async fn on_tick(
        &mut self,
        #[form] how: TickArgs,
        cx: &LoadCx,
        frames: &Frames,
    ) -> Result<(), EventError> {
        let probe = cx.require::<Arc<Probe>>()?;
        let _flag = DropFlag(Arc::clone(probe));
        while how.count == 0 || self.n < how.count {
            self.n += 1;
            frames.render(self).await?;
            probe.sent.fetch_add(1, Ordering::SeqCst);
            if how.every > 0 {
                tokio::time::sleep(Duration::from_millis(how.every)).await;
            }
        }
        Ok(())
    }
}

fn engine(stream: StreamLimits) -> Arc<Engine> {
    Engine::builder()
        .state_keys(StateKeys::new([StateKey::from_secret("streaming")]))
        .limits(Limits {
            stream,
            ..Limits::default()
        })
        .build()
}

/// Mounts a ticker and starts its `tick` stream, as the dispatch route does.
async fn start(engine: &Arc<Engine>, probe: &Arc<Probe>, every: u64, count: u32) -> EventStream {
    let scope = || {
        Scope::builder()
            .engine(Arc::clone(engine))
            .load_cx(LoadCx::new().with(Arc::clone(probe)))
            .htmx_request(true)
            .build()
    };
    let Answer::Done(mounted) =
        pjx::stateful::dispatch_streaming(&scope(), "ticker", EventRequest::mount(Value::Null))
            .await
            .unwrap()
    else {
        panic!("a mount answers once");
    };
    let payload = json!({"how": {"every": every, "count": count}});
    let request = EventRequest::event("tick", payload.as_object().unwrap().clone(), mounted.state);
    match pjx::stateful::dispatch_streaming(&scope(), "ticker", request)
        .await
        .unwrap()
    {
        Answer::Stream(stream) => stream,
        Answer::Done(_) => panic!("a streaming event streams"),
    }
}

async fn next(stream: &mut EventStream) -> Option<Frame> {
    std::future::poll_fn(|cx| stream.poll_frame(cx)).await
}

#[tokio::test]
async fn a_slow_reader_holds_the_handler_back() {
    let engine = engine(StreamLimits {
        buffer: 4,
        ..StreamLimits::default()
    });
    let probe = Arc::new(Probe::default());
    let mut stream = start(&engine, &probe, 0, 1000).await;
    let first = next(&mut stream).await.unwrap();
    assert!(html_of(&first).contains(">1<button"));
    // However long the reader waits, the handler gets at most a buffer ahead of it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let sent = probe.sent.load(Ordering::SeqCst);
    assert!(
        sent <= 4 + 2,
        "the handler ran {sent} frames ahead of a reader that read one"
    );
    let mut frames = 1;
    while let Some(frame) = next(&mut stream).await {
        frames += 1;
        if frame.is_last() {
            assert!(html_of(&frame).contains(">1000<button"));
        }
    }
    assert_eq!(frames, 1001, "every frame, then the end");
}

#[tokio::test]
async fn an_idle_stream_sends_heartbeats_and_a_long_one_is_ended() {
    let engine = engine(StreamLimits {
        buffer: 4,
        heartbeat: Duration::from_millis(40),
        max_duration: Duration::from_millis(400),
    });
    let probe = Arc::new(Probe::default());
    let mut stream = start(&engine, &probe, 150, 0).await;
    let started = Instant::now();
    let mut seen = Vec::new();
    while let Some(frame) = next(&mut stream).await {
        seen.push(frame);
    }
    let elapsed = started.elapsed();
    assert!(seen.contains(&Frame::Heartbeat), "{seen:?}");
    assert!(seen.iter().any(|f| matches!(f, Frame::Render { .. })));
    let last = seen.last().unwrap();
    assert!(
        matches!(last, Frame::Error { status: 504, body } if body["error"]["code"] == "stream_too_long"),
        "{last:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(400) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    assert!(
        probe.dropped.load(Ordering::SeqCst),
        "the handler is dropped at the deadline"
    );
}

#[tokio::test]
async fn dropping_a_stream_drops_its_handler_at_once() {
    let engine = engine(StreamLimits::default());
    let probe = Arc::new(Probe::default());
    let mut stream = start(&engine, &probe, 5, 0).await;
    next(&mut stream).await.unwrap();
    assert!(!probe.dropped.load(Ordering::SeqCst));
    drop(stream);
    assert!(probe.dropped.load(Ordering::SeqCst));
}

// ---------------------------------------------------------------- over HTTP

fn server(probe: Arc<Probe>) -> std::net::SocketAddr {
    let pjx = Pjx::new().context(move |_| LoadCx::new().with(Arc::clone(&probe)));
    serve(move || {
        App::new()
            .wrap(pjx.clone())
            .service(pjx_actix::components())
            .route(
                "/",
                web::get().to(|| async { HttpResponse::Ok().body("<p>home</p>") }),
            )
    })
}

/// Posts `body` to the ticker from the browser `cookie` names; returns the connection, past the
/// response head, and the head.
fn post(
    addr: std::net::SocketAddr,
    body: &str,
    accept: &str,
    cookie: &str,
) -> (BufReader<TcpStream>, String) {
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        conn,
        "POST /components/ticker HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nAccept: {accept}\r\nCookie: {cookie}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reader = BufReader::new(conn);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    (reader, head)
}

/// Reads one server-sent event (chunked transfer: the chunk sizes are skipped).
/// Mounts a ticker as a new browser: its cookie and the state token.
fn mount(addr: std::net::SocketAddr) -> (String, String) {
    let (mut reader, head) = post(addr, "{}", "application/json", "");
    let cookie = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: ")
                .then(|| &l[12..])
        })
        .and_then(|c| c.split(';').next())
        .expect("a browser cookie")
        .to_owned();
    let mut mounted = String::new();
    reader.read_to_string(&mut mounted).ok();
    let answer: Value = serde_json::from_str(&mounted).unwrap();
    (cookie, answer["state"].as_str().unwrap().to_owned())
}

fn read_event(reader: &mut BufReader<TcpStream>) -> (String, Value) {
    let (mut event, mut data) = (String::new(), String::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("the stream ended");
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(e) = line.strip_prefix("event: ") {
            event = e.to_owned();
        } else if let Some(d) = line.strip_prefix("data: ") {
            data = d.to_owned();
        } else if line.is_empty() && !event.is_empty() {
            return (event, serde_json::from_str(&data).unwrap());
        }
    }
}

#[test]
fn an_event_stream_over_http() {
    let probe = Arc::new(Probe::default());
    let addr = server(Arc::clone(&probe));
    let (cookie, state) = mount(addr);
    let body =
        json!({"event": "tick", "payload": {"how": {"every": 0, "count": 3}}, "state": state})
            .to_string();

    let (mut reader, head) = post(addr, &body, "text/event-stream", &cookie);
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(head.contains("cache-control: no-cache"), "{head}");
    for n in 1..=3 {
        let (event, data) = read_event(&mut reader);
        assert_eq!(event, "render");
        assert!(
            data["html"]
                .as_str()
                .unwrap()
                .contains(&format!(">{n}<button")),
            "{data}"
        );
    }
    let (event, data) = read_event(&mut reader);
    assert_eq!(event, "end");
    assert!(data["html"].as_str().unwrap().contains(">3<button"));
    assert_eq!(data["dirtied"], json!([]));

    // A client that reads no streams gets the final answer, as JSON.
    let (mut reader, head) = post(addr, &body, "application/json", &cookie);
    let head = head.to_ascii_lowercase();
    assert!(head.contains("content-type: application/json"), "{head}");
    let mut answer = String::new();
    reader.read_to_string(&mut answer).ok();
    assert!(answer.contains(">3<button"), "{answer}");
}

#[test]
fn a_client_that_leaves_stops_its_handler_within_a_second() {
    let probe = Arc::new(Probe::default());
    let addr = server(Arc::clone(&probe));
    let (cookie, state) = mount(addr);
    let body =
        json!({"event": "tick", "payload": {"how": {"every": 20, "count": 0}}, "state": state})
            .to_string();
    let (mut reader, _) = post(addr, &body, "text/event-stream", &cookie);
    assert_eq!(read_event(&mut reader).0, "render");
    assert!(!probe.dropped.load(Ordering::SeqCst));
    let left = Instant::now();
    drop(reader);
    while !probe.dropped.load(Ordering::SeqCst) {
        assert!(
            left.elapsed() < Duration::from_secs(1),
            "the handler still runs after 1 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let stopped = probe.sent.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        probe.sent.load(Ordering::SeqCst),
        stopped,
        "no frame after the drop"
    );
    eprintln!("handler dropped {:?} after the client left", left.elapsed());
}
