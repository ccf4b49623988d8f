//! Each request's load context, from the app's settings: its own factory, the app data
//! `Pjx::data` names, the signed-in user, pjx's browser identity and the client's address.

use std::any::TypeId;
use std::fmt;
use std::net::IpAddr;

use actix_web::cookie::Cookie;
use actix_web::{HttpRequest, web};
use pjx::LoadCx;
use pjx::security::auth::ClientAddr;

use super::Config;

/// One `Pjx::data::<T>()`: puts the app's `web::Data<T>` into a request's load context.
#[derive(Clone)]
pub(super) struct DataSource {
    pub(super) type_id: TypeId,
    pub(super) name: &'static str,
    pub(super) put: fn(&HttpRequest, &mut LoadCx) -> bool,
}

pub(super) fn put_data<T: Send + Sync + 'static>(req: &HttpRequest, cx: &mut LoadCx) -> bool {
    match req.app_data::<web::Data<T>>() {
        Some(data) => {
            cx.insert(data.clone().into_inner());
            true
        }
        None => false,
    }
}

/// Why a request could not be given its load context.
#[derive(Debug)]
pub(crate) enum ContextError {
    /// The operating system gave no random bytes for a new browser id.
    NoRandomness(std::io::Error),
    /// `Pjx::data::<T>()` names a `T` the app has no `web::Data` of.
    MissingData(&'static str),
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextError::NoRandomness(e) => write!(f, "no random bytes for a browser id: {e}"),
            ContextError::MissingData(name) => write!(
                f,
                "`Pjx::data::<{name}>()` is configured, but the app has no `web::Data<{name}>`: \
                 register it on the App (`App::new().app_data(web::Data::new(value))`)"
            ),
        }
    }
}

impl Config {
    /// The request's load context, and pjx's browser cookie when the response must set it.
    /// Fails only when the operating system gives no random bytes for a new browser id.
    pub(crate) fn load_cx(
        &self,
        req: &HttpRequest,
    ) -> Result<(LoadCx, Option<Cookie<'static>>), ContextError> {
        let s = &self.settings;
        let mut cx = match &s.context {
            Some(factory) => factory(req),
            None => LoadCx::new(),
        };
        for data in &s.data {
            if !(data.put)(req, &mut cx) {
                return Err(ContextError::MissingData(data.name));
            }
        }
        if let Some(identity) = s.identity.as_ref().and_then(|source| source(req)) {
            cx.insert(identity);
        }
        let mut set_cookie = None;
        // Only components with events use the browser identity: an app without any sets no
        // cookie.
        let keys = self
            .engine()
            .state_keys()
            .filter(|_| self.engine().registry().has_events());
        let browser = match (&s.browser, keys) {
            (Some(source), _) => source(req),
            (None, Some(keys)) => {
                let (browser, cookie) =
                    crate::browser::identify(req, keys).map_err(ContextError::NoRandomness)?;
                set_cookie = cookie;
                Some(browser)
            }
            (None, None) => None,
        };
        if let Some(browser) = browser {
            cx.insert(browser);
        }
        let addr = match &s.client_addr {
            Some(source) => source(req),
            None => req.peer_addr().map(|addr| client_network(addr.ip())),
        };
        if let Some(addr) = addr {
            cx.insert(ClientAddr(addr));
        }
        Ok((cx, set_cookie))
    }
}

/// What anonymous rate limits are kept by: an IPv4 address, or an IPv6 address's /64 (one
/// host usually holds a whole /64, and could otherwise rotate through it).
fn client_network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_clients_are_told_apart_by_ipv4_address_or_ipv6_network() {
        let ip = |s: &str| client_network(s.parse().unwrap());
        assert_eq!(ip("10.0.0.7"), "10.0.0.7");
        assert_eq!(ip("::ffff:10.0.0.7"), "10.0.0.7");
        assert_eq!(ip("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(ip("2001:db8:1:2:bbbb::9"), ip("2001:db8:1:2:aaaa::1"));
        assert_ne!(ip("2001:db8:1:3::1"), ip("2001:db8:1:2::1"));
    }
}
