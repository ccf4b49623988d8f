//! The todo app's toggle route over loopback, driven by a load generator (keep-alive
//! connections, each sending requests back to back), with 3 and 100 rows mounted; beside a
//! hand-written actix handler that returns the same bytes, measured the same way in the same
//! run. Both servers run one worker.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use todo::Store;

const CONNECTIONS: usize = 4;
const WARMUP: Duration = Duration::from_millis(500);
const MEASURE: Duration = Duration::from_secs(3);

pub(crate) fn spawn_server<F, T, B>(factory: F) -> SocketAddr
where
    F: Fn() -> App<T> + Send + Clone + 'static,
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: actix_web::body::MessageBody + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(factory)
                .workers(1)
                .bind(("127.0.0.1", 0))
                .unwrap();
            tx.send(server.addrs()[0]).unwrap();
            server.run().await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// One keep-alive request; returns the body.
fn exchange(reader: &mut BufReader<TcpStream>, request: &[u8]) -> Vec<u8> {
    reader.get_mut().write_all(request).unwrap();
    let mut line = String::new();
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    body
}

struct Figures {
    rps: f64,
    p50: Duration,
    p99: Duration,
    bytes: f64,
}

fn load(addr: SocketAddr, request: Arc<Vec<u8>>) -> Figures {
    let start = Arc::new(Barrier::new(CONNECTIONS + 1));
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let total_bytes = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (request, start, measuring, stop, total_bytes) = (
                Arc::clone(&request),
                Arc::clone(&start),
                Arc::clone(&measuring),
                Arc::clone(&stop),
                Arc::clone(&total_bytes),
            );
            std::thread::spawn(move || {
                let stream = TcpStream::connect(addr).unwrap();
                stream.set_nodelay(true).unwrap();
                let mut reader = BufReader::new(stream);
                let mut latencies = Vec::new();
                start.wait();
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let body = exchange(&mut reader, &request);
                    if measuring.load(Ordering::Relaxed) {
                        latencies.push(t.elapsed());
                        total_bytes.fetch_add(body.len(), Ordering::Relaxed);
                    }
                }
                latencies
            })
        })
        .collect();
    start.wait();
    std::thread::sleep(WARMUP);
    measuring.store(true, Ordering::Relaxed);
    let began = Instant::now();
    std::thread::sleep(MEASURE);
    measuring.store(false, Ordering::Relaxed);
    let elapsed = began.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut latencies: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    latencies.sort();
    let n = latencies.len().max(1);
    Figures {
        rps: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: latencies[n / 2],
        p99: latencies[(n * 99 / 100).min(n - 1)],
        bytes: total_bytes.load(Ordering::Relaxed) as f64 / n as f64,
    }
}

fn request(path: &str, mounted: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: 0\r\nHX-Request: true\r\nX-PJX-Trigger: {{\"id\":\"row-1\"}}\r\nX-PJX-Mounted: {mounted}\r\n\r\n"
    )
    .into_bytes()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The size of a file gzipped at the best level, as a server would send it.
fn gzipped(text: &str) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap().len()
}

/// The client's bytes: pjx.js's core and each optional part on each htmx line (budgets: core
/// 3072, all of pjx's own 6144 gzipped), and what a page with regions loads on each line.
fn client_bytes() {
    use pjx_actix::{ClientPart, HtmxLine};
    let row = |name: &str, js: &str| println!("{name:<26} {:>8} {:>8}", js.len(), gzipped(js));
    println!("{:<26} {:>8} {:>8}", "client file", "bytes", "gzipped");
    row(
        &format!("idiomorph {}", pjx_actix::IDIOMORPH_VERSION),
        pjx_actix::IDIOMORPH_JS,
    );
    for line in [HtmxLine::V2, HtmxLine::V4] {
        let v = line.version();
        row(&format!("htmx {v}"), line.js());
        row(&format!("pjx.js (core), htmx {v}"), line.pjx_js());
        let mut own = gzipped(line.pjx_js());
        for part in ClientPart::ALL {
            row(&format!("pjx-{}.js, htmx {v}", part.name()), part.js(line));
            own += gzipped(part.js(line));
        }
        let mut page = gzipped(line.js()) + gzipped(line.pjx_js());
        page += gzipped(ClientPart::Morph.js(line));
        if line == HtmxLine::V2 {
            page += gzipped(pjx_actix::IDIOMORPH_JS);
        }
        println!(
            "htmx {v}: pjx's own, all parts: {own} bytes gzipped (budgets: core 3072, all 6144); htmx + pjx.js + morph{}: {page}",
            if line == HtmxLine::V2 {
                " (idiomorph + glue)"
            } else {
                " glue"
            }
        );
    }
}

pub fn run() {
    client_bytes();
    println!();
    println!(
        "toggle route over loopback: {CONNECTIONS} keep-alive connections, 1 server worker, {}s each",
        MEASURE.as_secs()
    );
    println!(
        "{:>5} {:>10} {:>10} {:>10} {:>10} {:>10} {:>9}",
        "rows", "server", "req/s", "p50 ms", "p99 ms", "bytes", "req/s ×"
    );
    for rows in [3usize, 100] {
        let store = Store::open(None).unwrap();
        for n in 4..=rows {
            store.add(&format!("todo number {n}")).unwrap();
        }
        let store = web::Data::new(store);
        let pjx = todo::pjx();
        let app_store = store.clone();
        let addr = spawn_server(move || {
            App::new()
                .wrap(pjx.clone())
                .configure(todo::configure(app_store.clone()))
        });
        // What the client runtime would send from the page as first loaded.
        let page = {
            let mut stream = BufReader::new(TcpStream::connect(addr).unwrap());
            String::from_utf8(exchange(
                &mut stream,
                b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n",
            ))
            .unwrap()
        };
        let manifest = pjx::testing::manifest_from_html(&page);
        assert_eq!(manifest.len(), rows + 4);
        let mounted = pjx::testing::compact_mounted_header(&manifest);
        let toggle = Arc::new(request("/rows/1/toggle", &mounted));
        // The two answers toggling alternates between (done, then open again): the baseline
        // returns exactly these bytes, alternating too.
        let bodies: Arc<[Vec<u8>; 2]> = {
            let mut stream = BufReader::new(TcpStream::connect(addr).unwrap());
            Arc::new([
                exchange(&mut stream, &toggle),
                exchange(&mut stream, &toggle),
            ])
        };
        let pjx_figures = load(addr, Arc::clone(&toggle));

        let flip = Arc::new(AtomicBool::new(false));
        let baseline_addr = spawn_server(move || {
            let (bodies, flip) = (Arc::clone(&bodies), Arc::clone(&flip));
            App::new().route(
                "/rows/{id}/toggle",
                web::post().to(move || {
                    let i = usize::from(flip.fetch_xor(true, Ordering::Relaxed));
                    let body = bodies[i].clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type("text/html; charset=utf-8")
                            .body(body)
                    }
                }),
            )
        });
        let base = load(baseline_addr, toggle);
        for (name, f) in [("pjx", &pjx_figures), ("by hand", &base)] {
            let ratio = if name == "pjx" {
                format!("{:.2}", f.rps / base.rps)
            } else {
                String::new()
            };
            println!(
                "{rows:>5} {name:>10} {:>10.0} {:>10.3} {:>10.3} {:>10.0} {ratio:>9}",
                f.rps,
                ms(f.p50),
                ms(f.p99),
                f.bytes
            );
        }
        drop(store);
    }
    println!(
        "(\"by hand\": an actix handler returning the same bytes, with no store, walk or render)"
    );
}
