//! Reactive regions after a handler ran: the walk over the client's manifest, the out-of-band
//! fragments it emits, and the response body built around them.

pub mod oob;
pub mod reply;
pub mod walk;
