//! What the examples' tests share: a raw HTTP client for real servers on loopback, and
//! Debian's Chromium driven through chromedriver.

pub mod browser;
pub mod http;
