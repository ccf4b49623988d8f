//! A real actix-web server on loopback for one test.

use std::net::SocketAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, Error, HttpServer};

/// Serves the app `factory` builds on `127.0.0.1:<free port>`, with one worker, on a thread
/// of its own, and returns its address once it listens. The server lives until the test
/// binary ends (its thread is a daemon of the process).
///
/// ```no_run
/// use actix_web::{App, web};
/// let addr = pjx_testkit::server::serve(|| App::new().route("/", web::get().to(|| async { "hi" })));
/// let res = pjx_testkit::http::request(addr, "GET", "/", &[], "");
/// assert_eq!(res.body, "hi");
/// ```
pub fn serve<F, T, B>(factory: F) -> SocketAddr
where
    F: Fn() -> App<T> + Send + Clone + 'static,
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(factory)
                .workers(1)
                .bind(("127.0.0.1", 0))
                .expect("a free port on loopback");
            tx.send(server.addrs()[0]).expect("the test is waiting");
            server.run().await.expect("the test server runs");
        })
    });
    rx.recv().expect("the test server started")
}
