//! Who is asking, and what they may see: the requester's [`Identity`] and permission classes.
//!
//! A component declares its permissions, `permissions = [IsAuthenticated, OwnsCart]`; every
//! one must allow. They are checked before anything is loaded or read from a cache (mounts,
//! events, reactive primaries, and every region the walk would render), and again, per object,
//! once the instance is at hand. A failure is [`Access::Unauthenticated`] when nobody is
//! signed in (HTTP 401) and [`Access::Forbidden`] otherwise (HTTP 403): never a redirect.
//!
//! The identity comes from a pluggable source: the adapter puts what its identity function
//! returns into each request's [`LoadCx`].

use std::fmt;

use crate::load::LoadCx;

/// The signed-in user, as the app's identity source describes them.
///
/// ```
/// use pjx::{Identity, LoadCx};
/// let cx = LoadCx::new().with(Identity::user("ann"));
/// assert_eq!(cx.identity().unwrap().id, "ann");
/// assert!(!cx.identity().unwrap().staff);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    /// A stable id: render caches and rate limits are kept per id.
    pub id: String,
    /// Whether the user is staff (what [`IsStaff`] asks).
    pub staff: bool,
    /// Roles, groups, scopes: whatever your own permissions look at.
    pub roles: Vec<String>,
}

impl Identity {
    /// A user with this id.
    pub fn user(id: impl Into<String>) -> Self {
        Identity {
            id: id.into(),
            staff: false,
            roles: Vec::new(),
        }
    }

    /// A staff user with this id.
    pub fn staff(id: impl Into<String>) -> Self {
        Identity {
            staff: true,
            ..Identity::user(id)
        }
    }

    /// Whether the user has `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// The address a request came from, for rate limits on anonymous requesters. The adapter puts
/// it in the [`LoadCx`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub String);

/// The browser a request came from: pjx's identity for visitors who are not signed in. State
/// tokens issued to an anonymous visitor are bound to it, and their rate limits are kept by
/// it. The actix adapter keeps it in a cookie of its own (see `docs/security.md`) and puts it
/// in the [`LoadCx`].
///
/// ```
/// use pjx::{LoadCx, security::auth::Browser};
/// let cx = LoadCx::new().with(Browser::known("b1"));
/// assert_eq!(cx.browser().unwrap().id, "b1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Browser {
    /// A stable, unguessable id.
    pub id: String,
    /// Whether the client sent it (a cookie it already had), rather than being given it
    /// with this response. Only a known browser is told apart by its id in rate limits: a
    /// client that drops its cookie gets a new id with every request.
    pub known: bool,
}

impl Browser {
    /// A browser the client says it is (e.g. by a cookie pjx issued earlier).
    pub fn known(id: impl Into<String>) -> Self {
        Browser {
            id: id.into(),
            known: true,
        }
    }

    /// A browser seen for the first time, given this id with the response.
    pub fn new_visitor(id: impl Into<String>) -> Self {
        Browser {
            id: id.into(),
            known: false,
        }
    }
}

/// How many times a component's rate limit all known browsers of one network share: the
/// per-address bound on anonymous requesters who come back with fresh browser ids (a cookie is
/// free to get). Large enough that visitors behind one carrier-grade NAT rarely meet it.
pub const NETWORK_LIMIT_FACTOR: u32 = 10;

impl LoadCx {
    /// The signed-in user, if any.
    pub fn identity(&self) -> Option<&Identity> {
        self.get::<Identity>()
    }

    /// The browser the request came from, if known.
    pub fn browser(&self) -> Option<&Browser> {
        self.get::<Browser>()
    }

    /// Who a per-requester limit or cache entry belongs to: `user:<id>` when signed in, else
    /// `browser:<id>` for a browser that sent its id back, else `ip:<address>` (or
    /// `anonymous` when none is known).
    pub fn subject(&self) -> String {
        match (self.identity(), self.browser(), self.get::<ClientAddr>()) {
            (Some(identity), _, _) => format!("user:{}", identity.id),
            (None, Some(browser), _) if browser.known => format!("browser:{}", browser.id),
            (None, _, Some(addr)) => format!("ip:{}", addr.0),
            (None, _, None) => "anonymous".to_owned(),
        }
    }

    /// The network a [`subject`](Self::subject) that is a browser belongs to: `network:<address>`,
    /// whose rate limit is [`NETWORK_LIMIT_FACTOR`] times the component's, so that minting
    /// browser ids cannot multiply a client's allowance without bound. `None` for signed-in
    /// users, for requesters already limited by address, and when the address is unknown.
    pub fn network_subject(&self) -> Option<String> {
        let browser = self.browser().filter(|b| b.known);
        match (self.identity(), browser, self.get::<ClientAddr>()) {
            (None, Some(_), Some(addr)) => Some(format!("network:{}", addr.0)),
            _ => None,
        }
    }
}

/// The result of a permission check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Go ahead.
    Allowed,
    /// Nobody is signed in, and someone must be: 401.
    Unauthenticated,
    /// The signed-in user may not: 403.
    Forbidden,
}

impl Access {
    /// `Allowed` or the right refusal for this requester.
    pub fn from_check(allowed: bool, cx: &LoadCx) -> Access {
        match (allowed, cx.identity()) {
            (true, _) => Access::Allowed,
            (false, None) => Access::Unauthenticated,
            (false, Some(_)) => Access::Forbidden,
        }
    }

    /// Whether access is allowed.
    pub fn is_allowed(self) -> bool {
        self == Access::Allowed
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Allowed => "allowed",
            Access::Unauthenticated => "sign in first",
            Access::Forbidden => "not allowed",
        })
    }
}

/// A permission class: `permissions = [IsAuthenticated, MyRule]` on a component.
///
/// `has_permission` runs before anything is loaded; `has_object_permission` runs with the
/// instance (a stateful component's state, or a reactive component as loaded). Both default to
/// allowing, so a rule implements the one it needs. `C` is the component type, so an
/// object-level rule can read its fields.
///
/// ```
/// use pjx::{Identity, LoadCx, Permission};
///
/// struct Note { owner: String }
///
/// /// Only the note's owner may act on it.
/// struct OwnsNote;
/// impl Permission<Note> for OwnsNote {
///     fn has_object_permission(cx: &LoadCx, note: &Note) -> bool {
///         cx.identity().is_some_and(|me| me.id == note.owner)
///     }
/// }
///
/// let note = Note { owner: "ann".into() };
/// let ann = LoadCx::new().with(Identity::user("ann"));
/// assert!(OwnsNote::has_object_permission(&ann, &note));
/// assert!(!OwnsNote::has_object_permission(&LoadCx::new(), &note));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pjx permission for `{C}`",
    label = "listed in `permissions = [...]`",
    note = "implement `pjx::Permission<{C}>` (or use `AllowAny`, `IsAuthenticated`, `IsStaff`)"
)]
pub trait Permission<C: ?Sized>: 'static {
    /// Whether the requester may use components of this type at all.
    fn has_permission(cx: &LoadCx) -> bool {
        let _ = cx;
        true
    }

    /// Whether the requester may use this instance.
    fn has_object_permission(cx: &LoadCx, component: &C) -> bool {
        let _ = (cx, component);
        true
    }
}

/// Anyone, signed in or not.
#[derive(Debug, Clone, Copy)]
pub struct AllowAny;

impl<C: ?Sized> Permission<C> for AllowAny {}

/// Anyone signed in.
#[derive(Debug, Clone, Copy)]
pub struct IsAuthenticated;

impl<C: ?Sized> Permission<C> for IsAuthenticated {
    fn has_permission(cx: &LoadCx) -> bool {
        cx.identity().is_some()
    }
}

/// Staff only.
#[derive(Debug, Clone, Copy)]
pub struct IsStaff;

impl<C: ?Sized> Permission<C> for IsStaff {
    fn has_permission(cx: &LoadCx) -> bool {
        cx.identity().is_some_and(|i| i.staff)
    }
}

/// A component's access rules, generated from its `permissions = [...]` (everyone may, when
/// it declares none).
pub trait Guarded {
    /// Whether it declares any permission (render caches then key by identity).
    const GUARDED: bool;

    /// The class-level checks, before anything is loaded.
    fn check_access(cx: &LoadCx) -> Access;

    /// The object-level checks, with the instance at hand.
    fn check_object_access(&self, cx: &LoadCx) -> Access;
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Doc;

    #[test]
    fn built_in_permissions() {
        let anon = LoadCx::new();
        let ann = LoadCx::new().with(Identity::user("ann"));
        let boss = LoadCx::new().with(Identity::staff("boss"));
        assert!(<AllowAny as Permission<Doc>>::has_permission(&anon));
        assert!(!<IsAuthenticated as Permission<Doc>>::has_permission(&anon));
        assert!(<IsAuthenticated as Permission<Doc>>::has_permission(&ann));
        assert!(!<IsStaff as Permission<Doc>>::has_permission(&ann));
        assert!(<IsStaff as Permission<Doc>>::has_permission(&boss));
    }

    #[test]
    fn refusals_distinguish_anonymous_from_denied() {
        assert_eq!(
            Access::from_check(false, &LoadCx::new()),
            Access::Unauthenticated
        );
        let ann = LoadCx::new().with(Identity::user("ann"));
        assert_eq!(Access::from_check(false, &ann), Access::Forbidden);
        assert_eq!(Access::from_check(true, &ann), Access::Allowed);
    }

    #[test]
    fn subjects() {
        assert_eq!(LoadCx::new().subject(), "anonymous");
        let ip = LoadCx::new().with(ClientAddr("10.0.0.1".into()));
        assert_eq!(ip.subject(), "ip:10.0.0.1");
        assert_eq!(ip.network_subject(), None);
        assert_eq!(ip.clone().with(Identity::user("ann")).subject(), "user:ann");
        // A browser that came back with its id is limited by it, and by its network.
        let known = ip.clone().with(Browser::known("b1"));
        assert_eq!(known.subject(), "browser:b1");
        assert_eq!(known.network_subject().as_deref(), Some("network:10.0.0.1"));
        // A new one (or one that dropped its cookie) is limited by its address alone.
        let fresh = ip.clone().with(Browser::new_visitor("b2"));
        assert_eq!(fresh.subject(), "ip:10.0.0.1");
        assert_eq!(fresh.network_subject(), None);
        // Signed in: the user, wherever they are.
        let ann = known.with(Identity::user("ann"));
        assert_eq!(ann.subject(), "user:ann");
        assert_eq!(ann.network_subject(), None);
        // No address: the browser alone.
        let bare = LoadCx::new().with(Browser::known("b3"));
        assert_eq!(bare.subject(), "browser:b3");
        assert_eq!(bare.network_subject(), None);
    }
}
