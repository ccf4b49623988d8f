//! Shared fixtures for pjx's integration tests: a small todo domain declared with pjx's
//! macros, the way an application would.

pub mod fixtures;

/// The code blocks of `README.md` and `docs/*.md`, compiled (and run, unless marked
/// `no_run`) as doc tests, so the docs cannot drift from the API. Blocks that are not Rust
/// say their language (`sh`, `toml`, `html`, `text`, …). `docs/getting-started.md` is
/// followed as a whole by `cargo xtask getting-started` instead.
#[cfg(doctest)]
pub mod docs {
    #[doc = include_str!("../../README.md")]
    pub struct Readme;
    #[doc = include_str!("../../docs/actix.md")]
    pub struct Actix;
    #[doc = include_str!("../../docs/architecture.md")]
    pub struct Architecture;
    #[doc = include_str!("../../docs/builtins.md")]
    pub struct Builtins;
    #[doc = include_str!("../../docs/client.md")]
    pub struct Client;
    #[doc = include_str!("../../docs/components.md")]
    pub struct Components;
    #[doc = include_str!("../../docs/declaring.md")]
    pub struct Declaring;
    #[doc = include_str!("../../docs/reactivity.md")]
    pub struct Reactivity;
    #[doc = include_str!("../../docs/security.md")]
    pub struct Security;
    #[doc = include_str!("../../docs/slots.md")]
    pub struct Slots;
    #[doc = include_str!("../../docs/streaming.md")]
    pub struct Streaming;
    #[doc = include_str!("../../docs/testing.md")]
    pub struct Testing;
}
