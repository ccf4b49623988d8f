//! Streaming components under load: 100 concurrent streams at 10 frames a second each on one
//! server worker, for 12 seconds. Printed: frames delivered per second, the process's resident
//! memory at 3 s and at 12 s (flat memory: the second is not above the first), and the same
//! figures for a hand-written actix handler streaming the same bytes at the same pace (no
//! component, no signing, no render) from the same run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, web};
use pjx::prelude::*;
use pjx_actix::Pjx;
use serde::{Deserialize, Serialize};

const STREAMS: usize = 100;
const FPS: u64 = 10;
const RUN: Duration = Duration::from_secs(12);
const EARLY: Duration = Duration::from_secs(3);

/// A progress bar ticking at 10 frames a second until its client leaves.
#[component(
    name = "bench-ticker",
    source = r#"<section class="job"><progress value="{{ n }}" max="1000"></progress><p>{{ n }} steps of {{ label }}</p><button {{ self.run_event() }}>run</button></section>"#
)]
#[derive(Serialize, Deserialize)]
struct Ticker {
    n: u64,
    label: String,
}

#[component]
impl Ticker {
    fn mount() -> Ticker {
        Ticker {
            n: 0,
            label: "a long job".into(),
        }
    }

    async fn on_run(&mut self, frames: &Frames) -> Result<(), EventError> {
        let mut every = actix_web::rt::time::interval(Duration::from_millis(1000 / FPS));
        loop {
            every.tick().await;
            self.n += 1;
            frames.render(self).await?;
        }
    }
}

/// The hand-written baseline: the same kind of bytes, at the same pace, with no pjx.
async fn by_hand() -> HttpResponse {
    let frames = futures_util::stream::unfold(
        (
            0u64,
            actix_web::rt::time::interval(Duration::from_millis(1000 / FPS)),
        ),
        |(n, mut every)| async move {
            every.tick().await;
            let html = format!(
                r#"<section class="job" data-pjx-component="bench-ticker"><progress value="{n}" max="1000"></progress><p>{n} steps of a long job</p></section>"#
            );
            let frame = format!(
                "event: render\ndata: {}\n\n",
                serde_json::json!({ "html": html })
            );
            Some((
                Ok::<_, std::convert::Infallible>(web::Bytes::from(frame)),
                (n + 1, every),
            ))
        },
    );
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .streaming(frames)
}

/// Resident memory of this process (server and clients), in MiB.
fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

struct Figures {
    frames_per_s: f64,
    rss_early: f64,
    rss_late: f64,
}

/// Opens `STREAMS` streams with `request(i)`, reads frames for `RUN`, and measures.
fn load(addr: SocketAddr, request: impl Fn() -> Vec<u8>) -> Figures {
    let frames = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..STREAMS)
        .map(|_| {
            let (frames, stop, request) = (Arc::clone(&frames), Arc::clone(&stop), request());
            std::thread::spawn(move || {
                let mut conn = TcpStream::connect(addr).unwrap();
                conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                conn.write_all(&request).unwrap();
                let mut reader = BufReader::new(conn);
                let mut line = String::new();
                while !stop.load(Ordering::Relaxed) {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    if line.starts_with("event: render") {
                        frames.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    let began = Instant::now();
    std::thread::sleep(EARLY);
    let (early_frames, rss_early) = (frames.load(Ordering::Relaxed), rss_mib());
    std::thread::sleep(RUN - EARLY);
    let (late_frames, rss_late) = (frames.load(Ordering::Relaxed), rss_mib());
    let elapsed = began.elapsed() - EARLY;
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    Figures {
        frames_per_s: (late_frames - early_frames) as f64 / elapsed.as_secs_f64(),
        rss_early,
        rss_late,
    }
}

/// Mounts a ticker over HTTP: the browser cookie and the state token.
fn mount(addr: SocketAddr) -> (String, String) {
    let mut conn = TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "POST /components/bench-ticker HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{{}}"
    )
    .unwrap();
    let mut text = String::new();
    conn.read_to_string(&mut text).unwrap();
    let cookie = text
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie:")
                .then(|| l[11..].trim().split(';').next().unwrap().to_owned())
        })
        .unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap();
    let answer: serde_json::Value = serde_json::from_str(body).unwrap();
    (cookie, answer["state"].as_str().unwrap().to_owned())
}

pub fn run() {
    let pjx_addr =
        crate::http::spawn_server(|| App::new().wrap(Pjx::new()).service(pjx_actix::components()));
    let hand_addr =
        crate::http::spawn_server(|| App::new().route("/stream", web::post().to(by_hand)));
    let idle = rss_mib();
    let (cookie, state) = mount(pjx_addr);
    let body = serde_json::json!({ "event": "run", "state": state }).to_string();
    let pjx_request = format!(
        "POST /components/bench-ticker HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes();
    let hand_request = b"POST /stream HTTP/1.1\r\nHost: b\r\nContent-Length: 0\r\n\r\n".to_vec();

    println!(
        "streams: {STREAMS} concurrent, {FPS} frames/s each, one server worker, {}s; resident memory of the whole process (idle: {idle:.1} MiB)",
        RUN.as_secs()
    );
    println!(
        "{:<10} {:>10} {:>14} {:>14} {:>10}",
        "server", "frames/s", "MiB at 3 s", "MiB at 12 s", "growth"
    );
    for (name, addr, request) in [
        ("pjx", pjx_addr, pjx_request),
        ("by hand", hand_addr, hand_request),
    ] {
        let f = load(addr, || request.clone());
        println!(
            "{name:<10} {:>10.0} {:>14.1} {:>14.1} {:>+9.1}%",
            f.frames_per_s,
            f.rss_early,
            f.rss_late,
            (f.rss_late / f.rss_early - 1.0) * 100.0
        );
    }
    println!(
        "(target: {} frames/s, memory flat between 3 s and 12 s)",
        STREAMS as u64 * FPS
    );
}
