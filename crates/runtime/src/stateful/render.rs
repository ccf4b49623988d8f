//! Rendering a component with events: its HTML, with its signed state on the root, and the
//! answer to a mount or an event.

use super::*;

/// What a successful mount or event answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventResponse {
    /// The component, rendered and stamped.
    pub html: String,
    /// Its signed state.
    pub state: String,
    /// Its region id.
    pub component_id: String,
    /// The optimistic patches of the triggers it rendered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub optimistic: Vec<OptimisticTrigger>,
}

/// What the current request signs state with: its engine's keys, its requester, the time.
pub(super) fn current_signer() -> Result<(Arc<StateKeys>, Holder, SystemTime), &'static str> {
    let scope = Scope::current().ok_or(NO_KEYS)?;
    let keys = scope.engine().state_keys().cloned().ok_or(NO_KEYS)?;
    Ok((
        keys,
        Holder::of(scope.load_cx()),
        scope.engine().clock().now(),
    ))
}

pub(super) const NO_KEYS: &str = "rendering a component with events needs state keys: render it inside a request (pjx_actix::Pjx) or a pjx::testing harness";

/// Renders a component with events: its template, then its root stamped with
/// `data-pjx-component` and `hx-vals` carrying the state, signed for the current requester
/// (inherited by its triggers). Returns the state token too.
pub fn render_stateful<T: Stateful>(
    component: &T,
    out: &mut String,
) -> Result<String, RenderError> {
    render_stateful_with(component, &Value::Null, out)
}

/// [`render_stateful`], with the parameters it was mounted with (not `null`) riding along in
/// `hx-vals`: every event carries them back, and a client that mounts the component afresh
/// (its state expired) sends them again.
pub(super) fn render_stateful_with<T: Stateful>(
    component: &T,
    params: &Value,
    out: &mut String,
) -> Result<String, RenderError> {
    let fail = |kind| RenderError::new(T::TYPE_NAME, kind);
    let (keys, holder, now) = current_signer()
        .map_err(|why| fail(RenderErrorKind::State(serde::ser::Error::custom(why))))?;
    let token = keys
        .sign(T::TYPE_NAME, &holder, now, component)
        .map_err(|e| fail(RenderErrorKind::State(serde::ser::Error::custom(e))))?;
    let start = out.len();
    if let Err(e) = component.render_template(out) {
        out.truncate(start);
        return Err(e);
    }
    // By hand, so `state` comes first whatever serde_json's key order.
    let mut vals = format!("{{\"state\":{}", Value::from(token.as_str()));
    if !params.is_null() {
        // As JSON text, so it survives form encoding intact.
        vals.push_str(",\"params\":");
        vals.push_str(&Value::from(params.to_string()).to_string());
    }
    vals.push('}');
    let id = component.region_id();
    let attrs = [
        ("data-pjx-component", T::TYPE_NAME),
        ("data-pjx-component-id", &id),
        ("hx-vals", vals.as_str()),
    ];
    if let Err(e) = stamp::stamp_root_attrs(out, start, &attrs) {
        out.truncate(start);
        return Err(fail(RenderErrorKind::Root(e)));
    }
    Ok(token)
}

#[doc(hidden)]
/// Autoref specialization for generated `render_into`: components with events render through
/// [`render_stateful`], the others through their template alone.
pub struct RenderProbe<'a, T>(pub &'a T);

#[doc(hidden)]
/// The component-with-events case of [`RenderProbe`].
pub trait RenderStateful {
    /// Renders the component.
    fn pjx_render_into(&self, out: &mut String) -> Result<(), RenderError>;
}

impl<T: Stateful> RenderStateful for RenderProbe<'_, T> {
    fn pjx_render_into(&self, out: &mut String) -> Result<(), RenderError> {
        render_stateful(self.0, out).map(drop)
    }
}

#[doc(hidden)]
/// The plain case of [`RenderProbe`].
pub trait RenderPlain {
    /// Renders the component.
    fn pjx_render_into(&self, out: &mut String) -> Result<(), RenderError>;
}

impl<T: Component> RenderPlain for &RenderProbe<'_, T> {
    fn pjx_render_into(&self, out: &mut String) -> Result<(), RenderError> {
        self.0.render_template(out)
    }
}

#[cfg(feature = "testing")] // the component harness
pub(crate) fn respond<T: Stateful>(component: &T) -> Result<EventResponse, EventError> {
    respond_with(component, &Value::Null)
}

/// Renders the answer to a mount or an event, `params` riding along (see
/// [`render_stateful_with`]).
pub(super) fn respond_with<T: Stateful>(
    component: &T,
    params: &Value,
) -> Result<EventResponse, EventError> {
    let collector = TriggerCollector::start(T::TYPE_NAME);
    let mut html = String::new();
    let rendered = render_stateful_with(component, params, &mut html);
    let optimistic = collector.finish();
    let state = rendered.map_err(|e| EventError::Internal(Box::new(e)))?;
    Ok(EventResponse {
        html,
        state,
        component_id: component.region_id().into_owned(),
        optimistic,
    })
}
