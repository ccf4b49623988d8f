//! `cargo xtask bench`: performance figures, each printed beside a baseline measured in the
//! same run so the ratio means something on a noisy machine.

mod http;
mod state;
mod stream;
mod walk;

fn main() {
    let filter = std::env::args().nth(1);
    let run = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    if run("walk") {
        walk::run();
    }
    if run("state") {
        println!();
        state::run();
    }
    if run("http") {
        println!();
        http::run();
    }
    if run("stream") {
        println!();
        stream::run();
    }
}
