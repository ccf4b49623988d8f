//! Triggers: the attributes that make an element send an event — the typed builders the
//! `#[component] impl` macro generates (`{{ self.add_item_event(p.id) }}`) and the untyped
//! `self.on("event")` beneath them — and the collection of their optimistic patches while a
//! component renders.

use super::*;

/// `self.on("event")` in a template: the attributes that make an element send an event, by
/// name. Prefer the typed builders the `#[component] impl` generates (`self.<event>_event(…)`):
/// a renamed event or argument then fails the build rather than the page.
pub trait Triggers: Stateful {
    /// A trigger for `event`; add arguments with [`Trigger::with`].
    fn on(&self, event: &'static str) -> Trigger<'_, Self> {
        Trigger {
            component: self,
            event,
            payload: Payload::new(),
            patch: None,
        }
    }
}

impl<T: Stateful> Triggers for T {}

/// The attributes of an element that sends an event: `{{ self.add_item_event(p.id) }}` (typed,
/// generated per event) or `{{ self.on("add_item").with("product_id", p.id) }}` (by name).
///
/// They post to the dispatch route (state and event travel as form values), swap the
/// component's root with the answer, drop clicks while an event of the same component is in
/// flight (it would carry the same state and undo the first one's change), and carry the
/// event's optimistic patch when the component predicts one.
pub struct Trigger<'a, C> {
    component: &'a C,
    event: &'static str,
    payload: Payload,
    /// The optimistic patch, when a typed builder computed it from its typed arguments;
    /// `None` asks the component's `optimistic` with the payload when rendering.
    patch: Option<Option<Patch>>,
}

impl<C> Trigger<'_, C> {
    /// Adds an argument.
    pub fn with(mut self, name: &str, value: impl Serialize) -> Self {
        if let Ok(value) = serde_json::to_value(value) {
            self.payload.insert(name.to_owned(), value);
        }
        self
    }
}

/// What a typed trigger builder starts from: a trigger for `event` of `component`.
pub fn trigger<'a, C: Stateful>(component: &'a C, event: &'static str) -> Trigger<'a, C> {
    component.on(event)
}

/// Adds a render-time argument to a typed trigger (its value as JSON, `None` when it could
/// not be serialized: left out, as [`Trigger::with`] does).
pub fn trigger_arg<'a, C>(
    mut trigger: Trigger<'a, C>,
    name: &str,
    value: Option<Value>,
) -> Trigger<'a, C> {
    if let Some(value) = value {
        trigger.payload.insert(name.to_owned(), value);
    }
    trigger
}

/// Sets a typed trigger's optimistic patch, computed by the builder from its typed arguments.
pub fn trigger_patch<C>(mut trigger: Trigger<'_, C>, patch: Option<Patch>) -> Trigger<'_, C> {
    trigger.patch = Some(patch);
    trigger
}

thread_local! {
    /// The triggers of the component a dispatch renders (for the JSON answer): its name and
    /// what was collected. Rendering is synchronous, so no `.await` separates start and end.
    pub(super) static RENDERED_TRIGGERS: std::cell::RefCell<Option<(&'static str, Vec<OptimisticTrigger>)>> =
        const { std::cell::RefCell::new(None) };
}

impl<C: Stateful> fmt::Display for Trigger<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !C::EVENTS.contains(&self.event)
            && let Some(scope) = Scope::current()
        {
            scope.engine().dev_mode().report(format_args!(
                "`{}`'s template has a trigger for `{}`, which is not one of its events ({}): it will answer 400",
                C::TYPE_NAME,
                self.event,
                C::EVENTS.join(", ")
            ));
        }
        let mut vals = Map::new();
        vals.insert("event".into(), self.event.into());
        if !self.payload.is_empty() {
            // A string, so it survives form encoding intact.
            vals.insert(
                "payload".into(),
                Value::Object(self.payload.clone()).to_string().into(),
            );
        }
        let mut out = String::new();
        let push = |out: &mut String, name: &str, value: &str| {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            stamp::escape_attr_into(out, value);
            out.push('"');
        };
        push(
            &mut out,
            "hx-post",
            &format!("{ROUTE_PREFIX}{}", C::TYPE_NAME),
        );
        push(&mut out, "hx-vals", &Value::Object(vals).to_string());
        push(&mut out, "hx-target", "closest [data-pjx-component]");
        push(&mut out, "hx-swap", "outerHTML");
        // One event per component at a time: a second one sent before the first's answer
        // would carry the same state and lose the first's change.
        push(&mut out, "hx-sync", "closest [data-pjx-component]:drop");
        if C::STREAMS.contains(&self.event) {
            // pjx.js's stream reader asks for this event's frames.
            push(&mut out, "data-pjx-stream", "");
        }
        let patch = match &self.patch {
            Some(patch) => patch.clone(),
            None => self.component.optimistic(self.event, &self.payload),
        };
        if let Some(patch) = patch {
            push(&mut out, "data-pjx-optimistic", &patch.to_json());
            RENDERED_TRIGGERS.with(|cell| {
                // Only the dispatched component's own triggers, not a nested one's.
                if let Some((component, list)) = cell.borrow_mut().as_mut()
                    && *component == C::TYPE_NAME
                {
                    list.push(OptimisticTrigger {
                        event: self.event.to_owned(),
                        payload: self.payload.clone(),
                        patch: patch.into_fields(),
                    });
                }
            });
        }
        f.write_str(out.trim_start())
    }
}

impl<C: Stateful> askama::filters::HtmlSafe for Trigger<'_, C> {}

/// Collects the triggers of component `T` rendered while it lives, and stops collecting
/// when dropped (also when a template panics).
pub(super) struct TriggerCollector;

impl TriggerCollector {
    pub(super) fn start(component: &'static str) -> Self {
        RENDERED_TRIGGERS.with(|cell| *cell.borrow_mut() = Some((component, Vec::new())));
        TriggerCollector
    }

    pub(super) fn finish(self) -> Vec<OptimisticTrigger> {
        RENDERED_TRIGGERS
            .with(|cell| cell.borrow_mut().take())
            .map(|(_, list)| list)
            .unwrap_or_default()
    }
}

impl Drop for TriggerCollector {
    fn drop(&mut self) {
        RENDERED_TRIGGERS.with(|cell| cell.borrow_mut().take());
    }
}
