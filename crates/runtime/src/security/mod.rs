//! What keeps a page's users apart: who is asking and what they may do (identity and
//! permissions), state signed for whom it was issued, and rate limits.

pub mod auth;
pub mod ratelimit;
pub mod state;
