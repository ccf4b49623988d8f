//! Shared fixtures for pjx's integration tests: a small todo domain declared with pjx's
//! macros, the way an application would.

pub mod fixtures;
