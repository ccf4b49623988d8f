//! What the examples' tests share: a raw HTTP client for real servers on loopback, per-path
//! faults for those servers, and Debian's Chromium driven through chromedriver.

pub mod browser;
pub mod faults;
pub mod http;
pub mod server;
