//! Rate limits: `rate_limit = "10/min"` on a component allows each requester (the signed-in
//! user, or the client address when anonymous) that many requests to it per sliding window.
//!
//! The window slides: a request counts until one window after it was made. For limits up to
//! [`EXACT_UP_TO`] requests the times of the recent requests are kept exactly; above that,
//! requests within 1/16 of a window of each other share one record (kept until the window has
//! passed since the last of them), so a subject costs at most 17 records however large the
//! limit — counting stays exact, only expiry is up to 1/16 of a window late.
//!
//! Memory stays bounded however many clients come, and no flood of new names can make the
//! limiter forget a window that still counts: a window is dropped only once it has expired
//! (no request inside its length), and while [`RateLimiter::with_capacity`] subjects are
//! inside their windows, requests from *new* subjects are refused (429) until the oldest
//! window expires. When full, the table is swept for expired windows at most once a second
//! and never before its earliest window can have expired, so a flood costs one scan a second,
//! not one a request.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// A limit: `count` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub count: u32,
    /// The window.
    pub window: Duration,
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} per {}s", self.count, self.window.as_secs())
    }
}

/// Limits up to this many requests per window are tracked request by request.
pub const EXACT_UP_TO: u32 = 16;

/// Requests recorded together: `count` of them, the first and last at these times.
struct Hits {
    first: Instant,
    last: Instant,
    count: u32,
}

struct Window {
    hits: VecDeque<Hits>,
    /// The sum of `hits[..].count`.
    total: u32,
    length: Duration,
}

impl Window {
    /// When the last request leaves the window (`None`: it holds none).
    fn expiry(&self) -> Option<Instant> {
        self.hits.back().map(|h| h.last + self.length)
    }
}

/// The tracked subjects.
struct Table {
    windows: HashMap<(&'static str, String), Window>,
    /// No tracked window expires before this (`None`: not known yet).
    next_expiry: Option<Instant>,
    last_sweep: Option<Instant>,
    /// Sweeps so far (tests check they stay rare).
    sweeps: u64,
}

/// The default [`RateLimiter`] capacity: (component, subject) pairs inside their windows.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// While full, the table is swept for expired windows at most this often.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Sliding-window counters per (component, subject).
pub struct RateLimiter {
    table: Mutex<Table>,
    max_subjects: usize,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("subjects", &self.subjects())
            .field("max_subjects", &self.max_subjects)
            .finish()
    }
}

impl RateLimiter {
    /// A limiter tracking at most `max_subjects` (component, subject) pairs. While that many
    /// are inside their windows, new subjects are refused rather than old windows forgotten.
    pub fn with_capacity(max_subjects: usize) -> Self {
        RateLimiter {
            table: Mutex::new(Table {
                windows: HashMap::new(),
                next_expiry: None,
                last_sweep: None,
                sweeps: 0,
            }),
            max_subjects: max_subjects.max(1),
        }
    }

    /// Counts one request by `subject` to `component`; `Err(retry_after)` when over the limit,
    /// or when the subject is new and the limiter is full (the request is then not counted).
    pub fn check(
        &self,
        component: &'static str,
        subject: &str,
        limit: RateLimit,
    ) -> Result<(), Duration> {
        self.check_at(component, subject, limit, Instant::now())
    }

    /// [`check`](Self::check) at a given time (tests).
    pub fn check_at(
        &self,
        component: &'static str,
        subject: &str,
        limit: RateLimit,
        now: Instant,
    ) -> Result<(), Duration> {
        let mut table = self.table.lock();
        let table = &mut *table;
        let key = (component, subject.to_owned());
        if !table.windows.contains_key(&key) {
            if limit.count == 0 {
                // Nothing would ever be recorded: there is nothing to track.
                return Err(limit.window);
            }
            if table.windows.len() >= self.max_subjects {
                table.make_room(now, self.max_subjects)?;
            }
        }
        let window = table.windows.entry(key).or_insert_with(|| Window {
            hits: VecDeque::new(),
            total: 0,
            length: limit.window,
        });
        window.length = limit.window;
        // `next_expiry` stays a lower bound: a window made shorter may now expire first.
        lower(&mut table.next_expiry, window.expiry());
        while let Some(front) = window.hits.front()
            && now.saturating_duration_since(front.last) >= limit.window
        {
            window.total -= front.count;
            window.hits.pop_front();
        }
        if window.total >= limit.count {
            // Wait until enough of the oldest requests have left the window.
            let excess = window.total - limit.count + 1;
            let mut leaving = 0;
            let wait = window.hits.iter().find_map(|h| {
                leaving += h.count;
                (leaving >= excess).then(|| {
                    limit
                        .window
                        .saturating_sub(now.saturating_duration_since(h.last))
                })
            });
            return Err(wait.unwrap_or(limit.window));
        }
        let share = limit.window / (EXACT_UP_TO);
        match window.hits.back_mut() {
            Some(back)
                if limit.count > EXACT_UP_TO
                    && now.saturating_duration_since(back.first) < share =>
            {
                back.last = now;
                back.count += 1;
            }
            _ => window.hits.push_back(Hits {
                first: now,
                last: now,
                count: 1,
            }),
        }
        window.total += 1;
        // …and so may a new window.
        lower(&mut table.next_expiry, window.expiry());
        Ok(())
    }

    /// How many (component, subject) pairs it tracks at most.
    pub fn capacity(&self) -> usize {
        self.max_subjects
    }

    /// Number of subjects tracked.
    pub fn subjects(&self) -> usize {
        self.table.lock().windows.len()
    }
}

/// Lowers a known `next_expiry` to `expiry`.
fn lower(next_expiry: &mut Option<Instant>, expiry: Option<Instant>) {
    if let (Some(next), Some(expiry)) = (next_expiry, expiry) {
        *next = (*next).min(expiry);
    }
}

impl Table {
    /// Makes room for one new subject by dropping expired windows, or says how long until
    /// that can help. Never drops a window that still holds a request.
    fn make_room(&mut self, now: Instant, max: usize) -> Result<(), Duration> {
        if now >= self.sweep_due(now) {
            self.windows
                .retain(|_, w| w.expiry().is_some_and(|expiry| expiry > now));
            self.next_expiry = self.windows.values().filter_map(Window::expiry).min();
            self.last_sweep = Some(now);
            self.sweeps += 1;
            if self.windows.len() < max {
                return Ok(());
            }
            tracing::warn!(
                target: "pjx::ratelimit",
                "rate limiter full: {max} requesters are inside their windows; new requesters \
                 are refused (429) for {:?}",
                self.sweep_due(now).saturating_duration_since(now),
            );
        }
        Err(self.sweep_due(now).saturating_duration_since(now))
    }

    /// When a sweep may next free room: not before the earliest window expires, nor within
    /// [`SWEEP_EVERY`] of the last sweep.
    fn sweep_due(&self, now: Instant) -> Instant {
        let expiry = self.next_expiry.unwrap_or(now);
        self.last_sweep
            .map_or(expiry, |last| expiry.max(last + SWEEP_EVERY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_PER_MIN: RateLimit = RateLimit {
        count: 10,
        window: Duration::from_secs(60),
    };

    #[test]
    fn the_limit_plus_one_is_refused_with_the_time_to_wait() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        for i in 0..10 {
            let at = t0 + Duration::from_secs(i);
            assert!(
                limiter.check_at("c", "user:ann", TEN_PER_MIN, at).is_ok(),
                "request {i}"
            );
        }
        // The 11th, at t0+15s: the first request leaves the window at t0+60s.
        let wait = limiter
            .check_at("c", "user:ann", TEN_PER_MIN, t0 + Duration::from_secs(15))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(45));
        // The window slides: at t0+60s the first request has left it.
        assert!(
            limiter
                .check_at("c", "user:ann", TEN_PER_MIN, t0 + Duration::from_secs(60))
                .is_ok()
        );
        assert!(
            limiter
                .check_at("c", "user:ann", TEN_PER_MIN, t0 + Duration::from_secs(60))
                .is_err()
        );
    }

    #[test]
    fn subjects_and_components_are_counted_apart() {
        let limiter = RateLimiter::default();
        let one = RateLimit {
            count: 1,
            window: Duration::from_secs(60),
        };
        let now = Instant::now();
        assert!(limiter.check_at("c", "user:ann", one, now).is_ok());
        assert!(limiter.check_at("c", "user:ann", one, now).is_err());
        assert!(limiter.check_at("c", "user:bob", one, now).is_ok());
        assert!(limiter.check_at("d", "user:ann", one, now).is_ok());
        assert!(limiter.check_at("c", "ip:10.0.0.1", one, now).is_ok());
    }

    #[test]
    fn memory_stays_bounded_under_many_clients() {
        let limiter = RateLimiter::with_capacity(1_000);
        let now = Instant::now();
        let regular = "ip:regular";
        limiter.check_at("c", regular, TEN_PER_MIN, now).unwrap();
        for i in 0..50_000 {
            let _ = limiter.check_at("c", &format!("ip:{i}"), TEN_PER_MIN, now);
            assert!(limiter.subjects() <= 1_000);
        }
        // A subject already tracked is served as usual while newcomers are refused.
        let t = now + Duration::from_secs(1);
        for _ in 0..3 {
            limiter.check_at("c", regular, TEN_PER_MIN, t).unwrap();
        }
        assert!(limiter.check_at("c", "ip:new", TEN_PER_MIN, t).is_err());
        let table = limiter.table.lock();
        assert_eq!(
            table
                .windows
                .get(&("c", regular.to_owned()))
                .map(|w| w.total),
            Some(4)
        );
    }

    const ONE_PER_MIN: RateLimit = RateLimit {
        count: 1,
        window: Duration::from_secs(60),
    };

    #[test]
    fn a_flood_of_new_subjects_never_unblocks_a_blocked_one() {
        let limiter = RateLimiter::with_capacity(100);
        let t0 = Instant::now();
        limiter.check_at("c", "ann", ONE_PER_MIN, t0).unwrap();
        assert!(limiter.check_at("c", "ann", ONE_PER_MIN, t0).is_err());
        // Ten thousand new names over ten seconds: the first 99 fill the limiter, the rest are
        // refused (told to come back when the oldest window, ann's, expires) and forget
        // nobody.
        let mut accepted = 0;
        for i in 0..10_000 {
            let at = t0 + Duration::from_millis(i);
            match limiter.check_at("c", &format!("flood{i}"), ONE_PER_MIN, at) {
                Ok(()) => accepted += 1,
                Err(wait) => assert_eq!(wait, Duration::from_millis(60_000 - i), "request {i}"),
            }
            assert!(limiter.subjects() <= 100);
        }
        assert_eq!(accepted, 99);
        let at = t0 + Duration::from_secs(10);
        assert_eq!(
            limiter.check_at("c", "ann", ONE_PER_MIN, at),
            Err(Duration::from_secs(50)),
            "ann is still blocked, until her own window ends"
        );
        assert_eq!(
            limiter.check_at("c", "bob", ONE_PER_MIN, at),
            Err(Duration::from_secs(50)),
            "a newcomer waits until the oldest window expires"
        );
        // The flood's first windows expire with ann's: newcomers are taken again, and ann may
        // go again.
        let later = t0 + Duration::from_secs(60);
        assert!(limiter.check_at("c", "bob", ONE_PER_MIN, later).is_ok());
        assert!(limiter.check_at("c", "ann", ONE_PER_MIN, later).is_ok());
        assert!(limiter.check_at("c", "ann", ONE_PER_MIN, later).is_err());
    }

    #[test]
    fn a_window_with_requests_in_it_is_kept_even_below_its_limit() {
        let limiter = RateLimiter::with_capacity(10);
        let t0 = Instant::now();
        for _ in 0..9 {
            limiter.check_at("c", "ann", TEN_PER_MIN, t0).unwrap();
        }
        for i in 0..1_000 {
            let at = t0 + Duration::from_millis(i);
            let _ = limiter.check_at("c", &format!("ip:{i}"), TEN_PER_MIN, at);
        }
        // Ann has one request left, not ten.
        let at = t0 + Duration::from_secs(1);
        assert!(limiter.check_at("c", "ann", TEN_PER_MIN, at).is_ok());
        assert!(limiter.check_at("c", "ann", TEN_PER_MIN, at).is_err());
    }

    #[test]
    fn a_full_limiter_sweeps_at_most_once_a_second() {
        // A thousand windows of one second, opened a millisecond apart: one expires every
        // millisecond while a flood of newcomers arrives every 0.1 ms.
        let second = RateLimit {
            count: 1,
            window: Duration::from_secs(1),
        };
        let limiter = RateLimiter::with_capacity(1_000);
        let t0 = Instant::now();
        for i in 0..1_000 {
            let at = t0 + Duration::from_millis(i);
            limiter
                .check_at("c", &format!("early{i}"), second, at)
                .unwrap();
        }
        let mut accepted = 0;
        for i in 0..20_000 {
            let at = t0 + Duration::from_secs(1) + Duration::from_micros(100 * i);
            if limiter
                .check_at("c", &format!("late{i}"), second, at)
                .is_ok()
            {
                accepted += 1;
            }
            assert!(limiter.subjects() <= 1_000);
        }
        let sweeps = limiter.table.lock().sweeps;
        assert!(sweeps <= 3, "{sweeps} sweeps in two seconds");
        // Each sweep freed what had expired, and newcomers took the room.
        assert!(accepted >= 1_000, "{accepted} accepted");
    }

    #[test]
    fn a_short_window_among_long_ones_frees_room_when_it_expires() {
        let day = RateLimit {
            count: 1,
            window: Duration::from_secs(86_400),
        };
        let second = RateLimit {
            count: 1,
            window: Duration::from_secs(1),
        };
        let limiter = RateLimiter::with_capacity(2);
        let t0 = Instant::now();
        let at = |secs| t0 + Duration::from_secs(secs);
        limiter.check_at("daily", "ann", day, at(0)).unwrap();
        limiter.check_at("fast", "bob", second, at(0)).unwrap();
        // Bob's window has expired: a sweep makes room for Cy.
        limiter.check_at("fast", "cy", second, at(2)).unwrap();
        // Cy's one-second window expires long before Ann's day: Dee need not wait a day.
        limiter.check_at("fast", "dee", second, at(4)).unwrap();
        assert_eq!(
            limiter.check_at("fast", "eve", second, at(4)),
            Err(Duration::from_secs(1))
        );
    }

    #[test]
    fn large_limits_count_exactly_in_bounded_memory() {
        let limiter = RateLimiter::default();
        let limit = RateLimit {
            count: 1_000,
            window: Duration::from_secs(16_000),
        };
        let t0 = Instant::now();
        // 1,000 requests over 4,000 s: one a 4 s.
        for i in 0..1_000 {
            let at = t0 + Duration::from_secs(4 * i);
            assert!(
                limiter.check_at("c", "ann", limit, at).is_ok(),
                "request {i}"
            );
        }
        {
            let table = limiter.table.lock();
            let w = &table.windows[&("c", "ann".to_owned())];
            assert_eq!(w.total, 1_000);
            assert!(w.hits.len() <= 5, "{} records", w.hits.len()); // 4,000 s / 1,000 s a record
        }
        // Over the limit: wait until the first record (requests 0–249, the last at 996 s) has
        // left the window, at 16,996 s.
        let at = t0 + Duration::from_secs(4_000);
        let wait = limiter.check_at("c", "ann", limit, at).unwrap_err();
        assert_eq!(wait, Duration::from_secs(16_996 - 4_000));
        assert!(
            limiter
                .check_at("c", "ann", limit, t0 + Duration::from_secs(16_996))
                .is_ok()
        );
    }

    #[test]
    fn a_zero_limit_refuses_without_panicking() {
        let limiter = RateLimiter::default();
        let zero = RateLimit {
            count: 0,
            window: Duration::from_secs(60),
        };
        assert_eq!(
            limiter.check("c", "ann", zero),
            Err(Duration::from_secs(60))
        );
    }
}
