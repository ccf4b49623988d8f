//! What generated code names. Nothing here is public API.
//!
//! Besides re-exports, this holds the type-level checks of the declaration rules that only the
//! type checker can make. Each is a trait with a `#[diagnostic::on_unimplemented]` message in
//! pjx's own words, used exactly once per check so a mistake produces one error.

pub use askama;
pub use inventory;
pub use serde;

pub use core::fmt;
pub use core::future::Future;
pub use core::marker::PhantomData;
pub use core::ops::Deref;
pub use std::borrow::Cow;
pub use std::string::String;
pub use std::sync::LazyLock;
pub use std::vec::Vec;

pub use crate::component::registry::{EventsType, KeySet, ReactiveType};
pub use crate::component::{
    Asset, AssetSet, Component, Load, LoadPage, PageField, Reactive, RenderError, load_singleton,
    render_askama, render_reactive, write_nested,
};
pub use crate::hash::{CanonicalError, HashState, StateWriter};
pub use crate::key::{Instance, IntoKey, Key, Keyed, MutationKey, ReactSet};
pub use crate::load::{LoadCx, LoadError, LoadKey, NoKey};
pub use crate::patch::Bind;
pub use crate::rules::*;
pub use crate::scope::record_mutation;
pub use crate::security::auth::{Access, Guarded, Permission};
pub use crate::security::ratelimit::RateLimit;
pub use crate::slot::{Filled, Markup, Missing, OptionalSlot, Slot, SlotType};
pub use crate::stateful::Frames;
pub use crate::stateful::{
    EventError, EventOutcome, MountOutcome, Patch, Payload, Policy, RenderPlain, RenderProbe,
    RenderStateful, Stateful, Trigger, Triggers, argument, parameters, trigger, trigger_arg,
    trigger_patch,
};
pub use core::convert::Infallible;

/// A streaming handler's `frames: &Frames` argument (a function, so a parameter written
/// `&Frames` that is another type fails here, at its type).
pub fn frames_arg(frames: &Frames) -> &Frames {
    frames
}
pub use core::time::Duration;
pub use serde_json::Value as JsonValue;
