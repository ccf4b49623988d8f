//! The builtins: rendered markup, made reactive with `extends` (no template, no CSS), and the
//! per-kind asset resolution of `extends`: an asset of one kind the extending component ships
//! replaces the base's of that kind; the base's others still apply.

use pjx::builtins::{Badge, Card, Tone};
use pjx::prelude::*;
use pjx::{Asset, Component};
use serde::Serialize;

#[derive(MutationKey)]
enum Keys {
    Todos,
}

/// A live badge: no template, no CSS of its own.
#[reactive(react = [Keys::Todos], extends = Badge)]
struct OpenBadge {
    badge: Badge,
}

#[reactive]
impl OpenBadge {
    fn load() -> Result<Self, LoadError> {
        Ok(OpenBadge {
            badge: Badge::new("2 open").tone(Tone::Info),
        })
    }
}

/// Ships its own stylesheet: the builtin's is replaced, its template kept.
#[reactive(react = [Keys::Todos], extends = Badge, css = "app.css")]
struct RestyledBadge {
    badge: Badge,
}

#[reactive]
impl RestyledBadge {
    fn load() -> Result<Self, LoadError> {
        Ok(RestyledBadge {
            badge: Badge::new("x"),
        })
    }
}

/// Ships a script: the builtin's stylesheet still applies.
#[component(extends = Badge, js = "/static/badge.js")]
#[derive(Serialize)]
struct ScriptedBadge {
    badge: Badge,
}

/// A reactive card: slots in a reactive component.
#[reactive(react = [Keys::Todos], extends = Card)]
struct LiveCard {
    card: Card,
}

#[reactive]
impl LiveCard {
    fn load() -> Result<Self, LoadError> {
        Ok(LiveCard {
            card: Card::builder()
                .header(OpenBadge::load()?)
                .body("<none>")
                .build(),
        })
    }
}

#[test]
fn a_builtin_made_reactive_keeps_its_markup_and_stylesheet() {
    let html = OpenBadge::load().unwrap().to_html().unwrap();
    assert!(
        html.starts_with(
            r#"<span class="pjx-badge" data-tone="info" data-pjx-id="open-badge" data-pjx-type="open_badge""#
        ),
        "{html}"
    );
    assert!(html.ends_with(">2 open</span>"));
    assert_eq!(OpenBadge::assets(), Badge::assets());
    assert!(
        matches!(Badge::assets(), [Asset::Css { path: "pjx/badge.css", content }] if content.contains("--pjx-badge-bg"))
    );
}

#[test]
fn an_asset_of_one_kind_replaces_the_bases_of_that_kind() {
    let restyled = RestyledBadge::assets();
    assert_eq!(restyled.len(), 1);
    assert!(matches!(
        restyled[0],
        Asset::Css {
            path: "app.css",
            ..
        }
    ));
    // Its template is still the badge's.
    let html = RestyledBadge::load().unwrap().to_html().unwrap();
    assert!(html.starts_with(r#"<span class="pjx-badge""#), "{html}");

    let scripted = ScriptedBadge::assets();
    assert_eq!(
        scripted,
        [Asset::JsUrl("/static/badge.js"), Badge::assets()[0]]
    );
}

#[test]
fn a_reactive_card_stamps_itself_and_the_region_in_its_slot() {
    let html = LiveCard::load().unwrap().to_html().unwrap();
    assert!(
        html.starts_with(r#"<article class="pjx-card" data-pjx-id="live-card""#),
        "{html}"
    );
    assert!(html.contains(r#"<span class="pjx-badge" data-tone="info" data-pjx-id="open-badge""#));
    assert!(html.contains(r#"<div class="pjx-card__body">&#60;none&#62;</div>"#));
    assert!(!html.contains("pjx-card__footer"));
    assert_eq!(LiveCard::assets(), Card::assets());
}
