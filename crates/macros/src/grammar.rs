//! The one grammar for what pjx reads out of strings and identifiers: names (wire names,
//! type names, the case conversions), durations (`cache = "60s"`) and rate limits
//! (`rate_limit = "10/min"`). Everything is checked here, at compile time, and expanded to
//! typed values; the runtime parses none of it again.
//!
//! Each value type implements darling's `FromMeta`, so option models name them as field types
//! and a bad value is reported at its literal with pjx's message.

use darling::FromMeta;
use heck::{ToKebabCase, ToSnakeCase};
use syn::{Ident, LitStr};

/// The identifier as written, without any `r#` prefix.
pub fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

/// `TodoList` → `todo-list` (wire names of keys, default region ids).
pub fn kebab(ident: &Ident) -> String {
    unraw(ident).to_kebab_case()
}

/// `TodoCounter` → `todo_counter` (registered type names).
pub fn snake(ident: &Ident) -> String {
    unraw(ident).to_snake_case()
}

/// A key's wire name: it goes into space-separated attribute values and `name:instance`
/// forms, so no whitespace, `:` or quotes.
pub struct WireName(pub LitStr);

impl WireName {
    pub fn valid(name: &str) -> bool {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    }
}

impl FromMeta for WireName {
    fn from_value(value: &syn::Lit) -> darling::Result<Self> {
        let lit = str_lit(value)?;
        if Self::valid(&lit.value()) {
            Ok(WireName(lit))
        } else {
            Err(darling::Error::custom(
                "a key's wire name uses only ASCII letters, digits, `-`, `_` and `.` (no spaces or `:`), e.g. `rename = \"todo-items\"`",
            )
            .with_span(value))
        }
    }
}

/// A registered component type name (`data-pjx-type`, routes): `name = "todo_counter"`.
pub struct TypeName(pub LitStr);

impl TypeName {
    pub fn valid(name: &str) -> bool {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    }
}

impl FromMeta for TypeName {
    fn from_value(value: &syn::Lit) -> darling::Result<Self> {
        let lit = str_lit(value)?;
        if Self::valid(&lit.value()) {
            Ok(TypeName(lit))
        } else {
            Err(darling::Error::custom(
                "a component name uses only ASCII letters, digits, `_` and `-`, e.g. `name = \"todo_counter\"`",
            )
            .with_span(value))
        }
    }
}

/// Time units, shared by durations and rate-limit windows: (spellings, seconds).
const UNITS: [(&[&str], u64); 4] = [
    (&["s", "sec", "second", "seconds"], 1),
    (&["m", "min", "minute", "minutes"], 60),
    (&["h", "hour", "hours"], 3_600),
    (&["d", "day", "days"], 86_400),
];

fn unit_seconds(unit: &str) -> Option<u64> {
    let unit = unit.trim();
    UNITS
        .iter()
        .find(|(names, _)| names.contains(&unit))
        .map(|(_, secs)| *secs)
}

/// `"60s"`, `"5m"`, `"5 min"`, `"1h"`, `"2d"` → seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    number.checked_mul(unit_seconds(unit)?)
}

/// `cache = "60s"`: a positive lifetime in whole seconds.
pub struct Ttl {
    pub secs: u64,
}

impl FromMeta for Ttl {
    fn from_value(value: &syn::Lit) -> darling::Result<Self> {
        let lit = str_lit(value)?;
        match parse_duration(&lit.value()) {
            Some(0) => Err(darling::Error::custom(
                "a cache lifetime of zero caches nothing: give a positive one, e.g. `cache = \"60s\"`, or remove `cache`",
            )),
            Some(secs) => Ok(Ttl { secs }),
            None => Err(darling::Error::custom(
                "a cache lifetime is a number and a unit (s, min, h, d): e.g. `cache = \"60s\"` or `cache = \"5min\"`",
            )),
        }
        .map_err(|e| e.with_span(value))
    }
}

/// `rate_limit = "10/min"`: `count` requests per window of `window_secs`.
pub struct RateLimit {
    pub count: u32,
    pub window_secs: u64,
}

/// `"10/min"` → (10, 60); the error names the rule and what to write.
pub fn parse_rate_limit(text: &str) -> Result<RateLimit, &'static str> {
    const SHAPE: &str = "a rate limit is `\"<count>/<unit>\"`, the unit one of s, min, hour, day: e.g. `rate_limit = \"10/min\"`";
    let (count, unit) = text.split_once('/').ok_or(SHAPE)?;
    let count: u32 = count.trim().parse().map_err(|_| SHAPE)?;
    let window_secs = unit_seconds(unit).ok_or(SHAPE)?;
    if count == 0 {
        return Err(
            "a rate limit of 0 would refuse every request: allow at least one per window, e.g. `rate_limit = \"10/min\"`, or remove `rate_limit`",
        );
    }
    Ok(RateLimit { count, window_secs })
}

impl FromMeta for RateLimit {
    fn from_value(value: &syn::Lit) -> darling::Result<Self> {
        let lit = str_lit(value)?;
        parse_rate_limit(&lit.value())
            .map_err(|message| darling::Error::custom(message).with_span(value))
    }
}

/// The string literal an option takes, or darling's "unexpected literal type" error.
fn str_lit(value: &syn::Lit) -> darling::Result<LitStr> {
    match value {
        syn::Lit::Str(lit) => Ok(lit.clone()),
        other => Err(darling::Error::unexpected_lit_type(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    fn id(s: &str) -> Ident {
        Ident::new(s, Span::call_site())
    }

    #[test]
    fn cases() {
        assert_eq!(kebab(&id("TodoList")), "todo-list");
        assert_eq!(kebab(&id("TodoCounter")), "todo-counter");
        assert_eq!(snake(&id("TodoCounter")), "todo_counter");
        assert_eq!(snake(&id("ItemRow")), "item_row");
        assert_eq!(kebab(&Ident::new_raw("type", Span::call_site())), "type");
        assert_eq!(snake(&Ident::new_raw("Type", Span::call_site())), "type");
    }

    #[test]
    fn wire_names() {
        assert!(WireName::valid("user.settings"));
        assert!(WireName::valid("todo-list"));
        assert!(!WireName::valid("todos:1"));
        assert!(!WireName::valid("a b"));
        assert!(!WireName::valid(""));
        assert!(TypeName::valid("todo_counter"));
        assert!(!TypeName::valid("todo.counter"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Some(60));
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("5 min"), Some(300));
        assert_eq!(parse_duration("1h"), Some(3_600));
        assert_eq!(parse_duration("2d"), Some(172_800));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("99999999999999999999d"), None);
    }

    #[test]
    fn rate_limits() {
        for (text, count, secs) in [
            ("10/min", 10, 60),
            ("5/s", 5, 1),
            ("100/hour", 100, 3_600),
            ("1000/day", 1_000, 86_400),
            (" 3 / minute ", 3, 60),
        ] {
            let limit = parse_rate_limit(text).unwrap();
            assert_eq!((limit.count, limit.window_secs), (count, secs), "{text}");
        }
        for bad in [
            "ten per minute",
            "10",
            "10/fortnight",
            "0/min",
            "-1/s",
            "/min",
        ] {
            assert!(parse_rate_limit(bad).is_err(), "{bad}");
        }
    }
}
