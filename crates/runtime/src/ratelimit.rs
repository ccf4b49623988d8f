//! Rate limits: `rate_limit = "10/min"` on a component allows each requester (the signed-in
//! user, or the client address when anonymous) that many requests to it per sliding window.
//!
//! The window slides: a request counts until one window after it was made. For limits up to
//! [`EXACT_UP_TO`] requests the times of the recent requests are kept exactly; above that,
//! requests within 1/16 of a window of each other share one record (kept until the window has
//! passed since the last of them), so a subject costs at most 17 records however large the
//! limit — counting stays exact, only expiry is up to 1/16 of a window late. Memory stays
//! bounded however many clients come: subjects whose windows emptied are dropped, and past
//! [`RateLimiter::with_capacity`] subjects the least recently seen half is dropped.

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

impl RateLimit {
    /// Parses `"10/min"`, `"5/s"`, `"100/hour"`, `"1000/day"` (also `sec`, `second`, `m`,
    /// `minute`, `h`, `d`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let limit = pjx::ratelimit::RateLimit::parse("10/min").unwrap();
    /// assert_eq!((limit.count, limit.window), (10, Duration::from_secs(60)));
    /// assert!(pjx::ratelimit::RateLimit::parse("ten per minute").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<RateLimit> {
        let (count, unit) = text.split_once('/')?;
        let count: u32 = count.trim().parse().ok().filter(|&c| c > 0)?;
        let secs = match unit.trim() {
            "s" | "sec" | "second" => 1,
            "m" | "min" | "minute" => 60,
            "h" | "hour" => 3_600,
            "d" | "day" => 86_400,
            _ => return None,
        };
        Some(RateLimit {
            count,
            window: Duration::from_secs(secs),
        })
    }
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
    last_seen: Instant,
    length: Duration,
}

/// Sliding-window counters per (component, subject).
pub struct RateLimiter {
    windows: Mutex<HashMap<(&'static str, String), Window>>,
    max_subjects: usize,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::with_capacity(100_000)
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("subjects", &self.windows.lock().len())
            .finish()
    }
}

impl RateLimiter {
    /// A limiter tracking at most `max_subjects` (component, subject) pairs.
    pub fn with_capacity(max_subjects: usize) -> Self {
        RateLimiter {
            windows: Mutex::new(HashMap::new()),
            max_subjects: max_subjects.max(1),
        }
    }

    /// Counts one request by `subject` to `component`; `Err(retry_after)` when over the limit
    /// (the request is then not counted).
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
        let mut windows = self.windows.lock();
        let key = (component, subject.to_owned());
        if !windows.contains_key(&key) && windows.len() >= self.max_subjects {
            Self::make_room(&mut windows, now, self.max_subjects);
        }
        let window = windows.entry(key).or_insert_with(|| Window {
            hits: VecDeque::new(),
            total: 0,
            last_seen: now,
            length: limit.window,
        });
        window.last_seen = now;
        window.length = limit.window;
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
        Ok(())
    }

    /// Drops subjects whose windows have emptied, then, if still full, the least recently seen
    /// half (so the sort is paid once per many new subjects).
    fn make_room(windows: &mut HashMap<(&'static str, String), Window>, now: Instant, max: usize) {
        windows.retain(|_, w| {
            w.hits
                .back()
                .is_some_and(|h| now.saturating_duration_since(h.last) < w.length)
        });
        if windows.len() >= max {
            let mut by_age: Vec<_> = windows
                .iter()
                .map(|(key, w)| (w.last_seen, key.clone()))
                .collect();
            by_age.sort_by_key(|(seen, _)| *seen);
            let evict = windows.len() - max / 2;
            for (_, key) in by_age.into_iter().take(evict) {
                windows.remove(&key);
            }
        }
    }

    /// Number of subjects tracked.
    pub fn subjects(&self) -> usize {
        self.windows.lock().len()
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
        for i in 0..50_000 {
            let _ = limiter.check_at("c", &format!("ip:{i}"), TEN_PER_MIN, now);
            assert!(limiter.subjects() <= 1_000);
        }
        // A busy client seen recently survives the evictions of idle ones.
        let t = now + Duration::from_secs(1);
        let busy = "ip:busy";
        for _ in 0..3 {
            limiter.check_at("c", busy, TEN_PER_MIN, t).unwrap();
        }
        for i in 0..400 {
            let _ = limiter.check_at(
                "c",
                &format!("ip:new{i}"),
                TEN_PER_MIN,
                t + Duration::from_millis(i),
            );
        }
        let windows = limiter.windows.lock();
        assert_eq!(
            windows.get(&("c", busy.to_owned())).map(|w| w.total),
            Some(3)
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
            let windows = limiter.windows.lock();
            let w = &windows[&("c", "ann".to_owned())];
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

    #[test]
    fn parsing() {
        for (text, count, secs) in [
            ("10/min", 10, 60),
            ("5/s", 5, 1),
            (" 3 / hour ", 3, 3600),
            ("1/day", 1, 86_400),
        ] {
            let limit = RateLimit::parse(text).unwrap();
            assert_eq!(
                (limit.count, limit.window.as_secs()),
                (count, secs),
                "{text}"
            );
        }
        for bad in ["", "10", "0/min", "-1/min", "10/fortnight", "x/min"] {
            assert!(RateLimit::parse(bad).is_none(), "{bad}");
        }
    }
}
