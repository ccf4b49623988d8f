//! A small library of display components: [`Badge`], [`Card`] (with slots), [`ProgressBar`],
//! [`AvatarStack`] and [`EmptyState`]. Accessible markup, each with its own stylesheet styled
//! through `--pjx-*` custom properties (`--pjx-badge-bg`, `--pjx-card-radius`, …), shipped
//! once per page like any component's.
//!
//! They are plain components: put one in a template (`{{ badge }}`) or a slot. To make one
//! follow the state, extend it from a reactive component — no template, no CSS:
//!
//! ```
//! use pjx::prelude::*;
//! use pjx::builtins::{Badge, Tone};
//!
//! #[derive(MutationKey)]
//! pub enum Keys { Todos }
//!
//! #[reactive(react = [Keys::Todos], extends = Badge)]
//! pub struct OpenBadge { badge: Badge }
//!
//! #[reactive]
//! impl OpenBadge {
//!     fn load() -> Result<Self, LoadError> {
//!         let open = 3; // read the store
//!         Ok(OpenBadge { badge: Badge::new(format!("{open} open")).tone(Tone::Info) })
//!     }
//! }
//!
//! let html = OpenBadge::load().unwrap().to_html().unwrap();
//! assert!(html.starts_with(r#"<span class="pjx-badge" data-tone="info" data-pjx-id="open-badge""#));
//! assert_eq!(OpenBadge::assets(), Badge::assets()); // the badge's stylesheet
//! ```
//!
//! An extending component that ships its own `css` replaces the builtin's stylesheet (and
//! keeps its template); see `docs/builtins.md`.
//!
//! There is no dialog or drawer here on purpose: an overlay holds state the server does not
//! know (open, focus, scroll, what was typed), and a region swap would replace it from under
//! the user. Keep overlays in the static part of the page (a `<dialog>`) and put reactive
//! regions inside them.

use std::fmt;

use serde::Serialize;

use crate::slot::Slot;

/// A badge's color: `data-tone` on the badge, styled by `--pjx-badge-<tone>-bg`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    /// Grey (`--pjx-badge-bg`).
    #[default]
    Neutral,
    /// Blue.
    Info,
    /// Green.
    Success,
    /// Amber.
    Warning,
    /// Red.
    Danger,
}

impl fmt::Display for Tone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tone::Neutral => "neutral",
            Tone::Info => "info",
            Tone::Success => "success",
            Tone::Warning => "warning",
            Tone::Danger => "danger",
        })
    }
}

/// A short label: a count, a status.
///
/// ```
/// use pjx::builtins::{Badge, Tone};
/// use pjx::Component;
///
/// let badge = Badge::new("3 open").tone(Tone::Warning).describe("3 tasks still open");
/// assert_eq!(
///     badge.to_html().unwrap(),
///     r#"<span class="pjx-badge" data-tone="warning" title="3 tasks still open" aria-label="3 tasks still open">3 open</span>"#,
/// );
/// ```
#[crate::component(name = "pjx_badge", template = "pjx/badge.html", css = "pjx/badge.css")]
#[derive(Debug, Clone, Serialize)]
pub struct Badge {
    /// The text shown.
    pub label: String,
    /// The color.
    pub tone: Tone,
    /// A longer description for assistive technology and the tooltip (`aria-label`,
    /// `title`), when the label alone is terse.
    pub description: Option<String>,
}

impl Badge {
    /// A neutral badge showing `label`.
    pub fn new(label: impl Into<String>) -> Badge {
        Badge {
            label: label.into(),
            tone: Tone::Neutral,
            description: None,
        }
    }

    /// The same badge in `tone`.
    #[must_use]
    pub fn tone(self, tone: Tone) -> Badge {
        Badge { tone, ..self }
    }

    /// The same badge with a description (`aria-label` and `title`).
    #[must_use]
    pub fn describe(self, description: impl Into<String>) -> Badge {
        Badge {
            description: Some(description.into()),
            ..self
        }
    }
}

/// A card: an optional header, a body, an optional footer — three slots.
///
/// ```
/// use pjx::builtins::{Badge, Card};
/// use pjx::{Component, Markup};
///
/// let card = Card::builder()
///     .header(Badge::new("new"))
///     .body(Markup::trusted("<p>Hello</p>"))
///     .build();
/// let html = card.to_html().unwrap();
/// assert!(html.starts_with(r#"<article class="pjx-card"><header class="pjx-card__header"><span class="pjx-badge""#));
/// assert!(html.ends_with(r#"<div class="pjx-card__body"><p>Hello</p></div></article>"#));
/// ```
#[crate::component(name = "pjx_card", template = "pjx/card.html", css = "pjx/card.css")]
#[derive(Serialize)]
pub struct Card {
    /// The header (left out when not filled).
    #[pjx(slot)]
    pub header: Option<Slot>,
    /// The content.
    #[pjx(slot)]
    pub body: Slot,
    /// The footer (left out when not filled).
    #[pjx(slot)]
    pub footer: Option<Slot>,
}

/// How far along something is: `role="progressbar"` with its values.
///
/// ```
/// use pjx::builtins::ProgressBar;
/// use pjx::Component;
///
/// let html = ProgressBar::new(3, 4, "Tasks done").to_html().unwrap();
/// assert!(html.contains(r#"aria-valuenow="3""#) && html.contains("width: 75%"));
/// ```
#[crate::component(
    name = "pjx_progress",
    template = "pjx/progress.html",
    css = "pjx/progress.css"
)]
#[derive(Debug, Clone, Serialize)]
pub struct ProgressBar {
    /// How much is done (at most `max` is shown).
    pub value: u64,
    /// How much there is (0 shows an empty bar).
    pub max: u64,
    /// What is measured (`aria-label`).
    pub label: String,
}

impl ProgressBar {
    /// `value` out of `max`, labelled for assistive technology.
    pub fn new(value: u64, max: u64, label: impl Into<String>) -> ProgressBar {
        ProgressBar {
            value,
            max,
            label: label.into(),
        }
    }

    /// The value, at most `max`.
    pub fn clamped(&self) -> u64 {
        self.value.min(self.max)
    }

    /// The width of the bar, 0 to 100.
    pub fn percent(&self) -> u64 {
        match self.max {
            0 => 0,
            max => self.clamped() * 100 / max,
        }
    }
}

/// One person in an [`AvatarStack`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Avatar {
    /// The name (alt text, tooltip, initials).
    pub name: String,
    /// A picture's URL; initials are shown without one.
    pub image: Option<String>,
}

impl Avatar {
    /// A person shown by their initials.
    pub fn new(name: impl Into<String>) -> Avatar {
        Avatar {
            name: name.into(),
            image: None,
        }
    }

    /// The same person with a picture.
    #[must_use]
    pub fn image(self, url: impl Into<String>) -> Avatar {
        Avatar {
            image: Some(url.into()),
            ..self
        }
    }

    /// Up to two initials: `"Ada Lovelace"` → `"AL"`.
    pub fn initials(&self) -> String {
        self.name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect()
    }
}

/// Overlapping avatars, the first few shown and the rest counted (`+3`).
///
/// ```
/// use pjx::builtins::{Avatar, AvatarStack};
/// use pjx::Component;
///
/// let stack = AvatarStack::new(["Ada Lovelace", "Alan Turing", "Grace Hopper"].map(Avatar::new)).max_shown(2);
/// let html = stack.to_html().unwrap();
/// assert!(html.starts_with(r#"<ul class="pjx-avatars" aria-label="3 people">"#));
/// assert!(html.contains(r#"<span aria-hidden="true">AL</span>"#) && html.contains("+1"));
/// ```
#[crate::component(
    name = "pjx_avatar_stack",
    template = "pjx/avatars.html",
    css = "pjx/avatars.css"
)]
#[derive(Debug, Clone, Serialize)]
pub struct AvatarStack {
    /// Everyone.
    pub people: Vec<Avatar>,
    /// How many are shown before the rest is counted.
    pub max_shown: usize,
}

impl AvatarStack {
    /// Everyone in `people`, up to five shown.
    pub fn new(people: impl IntoIterator<Item = Avatar>) -> AvatarStack {
        AvatarStack {
            people: people.into_iter().collect(),
            max_shown: 5,
        }
    }

    /// The same stack showing at most `n`.
    #[must_use]
    pub fn max_shown(self, n: usize) -> AvatarStack {
        AvatarStack {
            max_shown: n,
            ..self
        }
    }

    /// The avatars shown.
    pub fn shown(&self) -> &[Avatar] {
        &self.people[..self.people.len().min(self.max_shown)]
    }

    /// How many are counted rather than shown.
    pub fn hidden(&self) -> usize {
        self.people.len().saturating_sub(self.max_shown)
    }
}

/// What shows where a list has nothing yet: a title, an optional explanation and an optional
/// action (slots), announced politely (`role="status"`).
///
/// ```
/// use pjx::builtins::EmptyState;
/// use pjx::{Component, Markup};
///
/// let empty = EmptyState::builder()
///     .title("Nothing to do")
///     .action(Markup::trusted(r#"<a href="/new">Add a task</a>"#))
///     .build();
/// assert_eq!(
///     empty.to_html().unwrap(),
///     r#"<div class="pjx-empty" role="status"><p class="pjx-empty__title">Nothing to do</p><div class="pjx-empty__action"><a href="/new">Add a task</a></div></div>"#,
/// );
/// ```
#[crate::component(
    name = "pjx_empty_state",
    template = "pjx/empty.html",
    css = "pjx/empty.css"
)]
#[derive(Serialize)]
pub struct EmptyState {
    /// The headline.
    pub title: String,
    /// An explanation.
    #[pjx(slot)]
    pub body: Option<Slot>,
    /// What to do about it (a link, a button).
    #[pjx(slot)]
    pub action: Option<Slot>,
}
