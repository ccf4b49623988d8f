//! The browser identity of anonymous visitors: by default, a cookie of pjx's own.

use actix_web::HttpRequest;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use pjx::security::auth::Browser;
use pjx::security::state::StateKeys;

/// The cookie's name over plain HTTP.
pub const BROWSER_COOKIE: &str = "pjx-browser";
/// The cookie's name over HTTPS: the `__Host-` prefix makes browsers refuse it unless it is
/// `Secure`, for the whole site and set by this host, so a sibling subdomain cannot plant one.
pub const SECURE_BROWSER_COOKIE: &str = "__Host-pjx-browser";

/// How long a browser keeps its id: a year, so open tabs and rate limits survive restarts of
/// the browser. It is never refreshed: the id is stable for its whole life.
const LIFETIME: CookieDuration = CookieDuration::days(365);

/// The browser `req` comes from, by pjx's cookie, and the cookie to set: when it had none (or
/// one pjx did not issue), a new random id MAC'd with the state keys; when its cookie verifies
/// under a key that no longer signs, the same id MAC'd with the current key. Fails only when
/// the operating system gives no random bytes.
pub(crate) fn identify(
    req: &HttpRequest,
    keys: &StateKeys,
) -> std::io::Result<(Browser, Option<Cookie<'static>>)> {
    let secure = req.connection_info().scheme() == "https";
    let name = if secure {
        SECURE_BROWSER_COOKIE
    } else {
        BROWSER_COOKIE
    };
    if let Some(sent) = req.cookie(name)
        && let Some(id) = keys.browser_id(sent.value())
    {
        let current = keys.browser_cookie(&id);
        let renew = (current != sent.value()).then(|| cookie(name, current, secure));
        return Ok((Browser::known(id), renew));
    }
    let issued = keys.issue_browser_id()?;
    Ok((
        Browser::new_visitor(issued.id),
        Some(cookie(name, issued.cookie, secure)),
    ))
}

fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(LIFETIME)
        .finish()
}
