//! Dispatch: the registry of components with events, and a mount or an event run through
//! permissions, the rate limit, the render cache and the signed state.

use super::*;

/// The future of one erased dispatch (not `Send`: it runs on the request's task).
pub type DispatchFuture<'a> = Pin<Box<dyn Future<Output = Result<Answer, EventError>> + 'a>>;

/// What a mount or an event answers: one render, or — for a streaming event whose client
/// asked for one — a stream of frames.
#[derive(Debug)]
pub enum Answer {
    /// The render (and, for an event, the fan-out still to come).
    Done(EventResponse),
    /// The frames of a streaming event, the last one its final render with the fan-out.
    Stream(EventStream),
}

/// The dispatch operations of one component with events, as the registry holds them.
struct DispatchOps {
    dispatch: for<'a> fn(&'a Scope, EventRequest, bool) -> DispatchFuture<'a>,
}

/// Where the operations of `T` live: a constant, so `EventsType::of` can borrow it forever.
struct OpsOf<T>(std::marker::PhantomData<T>);

impl<T: Stateful> OpsOf<T> {
    const OPS: DispatchOps = DispatchOps {
        dispatch: dispatch_erased::<T>,
    };
}

impl EventsType {
    /// `T` as the registry holds it. What `#[component] impl` registers.
    pub const fn of<T: Stateful>() -> Self {
        EventsType::new(T::TYPE_NAME, std::any::type_name::<T>, &OpsOf::<T>::OPS)
    }
}

/// Mounts a component or runs one of its events, by name. What the dispatch route calls; the
/// scope's load context carries the requester, its engine the registry. A streaming event
/// answers with its final render alone (see [`dispatch_streaming`]).
pub async fn dispatch(
    scope: &Scope,
    name: &str,
    request: EventRequest,
) -> Result<EventResponse, EventError> {
    match dispatch_by_name(scope, name, request, false).await? {
        Answer::Done(response) => Ok(response),
        Answer::Stream(_) => unreachable!("no stream was asked for"),
    }
}

/// [`dispatch`] for a client that reads streams (it sent `Accept: text/event-stream`): a
/// streaming event answers with its frames. Every check — permissions, the rate limit, the
/// signed state, the object's permissions — runs before the first frame.
pub async fn dispatch_streaming(
    scope: &Scope,
    name: &str,
    request: EventRequest,
) -> Result<Answer, EventError> {
    dispatch_by_name(scope, name, request, true).await
}

async fn dispatch_by_name(
    scope: &Scope,
    name: &str,
    request: EventRequest,
    stream: bool,
) -> Result<Answer, EventError> {
    let ops = scope
        .engine()
        .registry()
        .events(name)
        .and_then(|ty| ty.ops::<DispatchOps>())
        .ok_or_else(|| EventError::UnknownComponent(name.to_owned()))?;
    (ops.dispatch)(scope, request, stream).await
}

fn dispatch_erased<T: Stateful>(
    scope: &Scope,
    request: EventRequest,
    stream: bool,
) -> DispatchFuture<'_> {
    Box::pin(async move {
        Ok(
            match scope
                .run(dispatch_typed::<T>(scope.clone(), request, stream))
                .await?
            {
                Typed::Done(response, _) => Answer::Done(response),
                Typed::Stream(stream) => Answer::Stream(stream),
            },
        )
    })
}

/// What [`dispatch_typed`] answers.
pub(crate) enum Typed<T> {
    /// The render, with the component as it was rendered (`None` for a render-cache hit).
    Done(EventResponse, Option<T>),
    /// A streaming event's frames.
    Stream(EventStream),
}

/// Mounts `T` or runs one of its events: what [`dispatch`] does once it has found the type by
/// name. Also returns the component as it was rendered, locked fields included (`None` when
/// the render cache answered).
pub async fn dispatch_to<T: Stateful>(
    scope: &Scope,
    request: EventRequest,
) -> Result<(EventResponse, Option<T>), EventError> {
    match scope
        .run(dispatch_typed::<T>(scope.clone(), request, false))
        .await?
    {
        Typed::Done(response, component) => Ok((response, component)),
        Typed::Stream(_) => unreachable!("no stream was asked for"),
    }
}

/// [`dispatch_to`] for a client that reads streams: a streaming event answers with its
/// frames (the component harness collects them).
#[cfg(feature = "testing")]
pub(crate) async fn dispatch_stream_to<T: Stateful>(
    scope: &Scope,
    request: EventRequest,
) -> Result<Typed<T>, EventError> {
    scope
        .run(dispatch_typed::<T>(scope.clone(), request, true))
        .await
}

pub(super) fn check(access: Access) -> Result<(), EventError> {
    EventError::from_access(access).map_or(Ok(()), Err)
}

async fn dispatch_typed<T: Stateful>(
    scope: Scope,
    request: EventRequest,
    stream: bool,
) -> Result<Typed<T>, EventError> {
    let cx = scope.load_cx();
    let engine = scope.engine();
    // Permissions come before anything is read, cached or counted.
    check(T::check_access(cx))?;
    if let Some(limit) = T::RATE_LIMIT {
        let limiter = engine.rate_limiter();
        // The requester's own window first: a requester over it is refused without using up
        // their network's shared window.
        limiter
            .check(T::TYPE_NAME, &cx.subject(), limit)
            .map_err(EventError::RateLimited)?;
        if let Some(network) = cx.network_subject() {
            let shared = RateLimit {
                count: limit
                    .count
                    .saturating_mul(crate::security::auth::NETWORK_LIMIT_FACTOR),
                ..limit
            };
            limiter
                .check(T::TYPE_NAME, &network, shared)
                .map_err(EventError::RateLimited)?;
        }
    }
    let params = request.params;
    let component = match request.event.as_deref() {
        None => {
            if !T::CAN_MOUNT {
                return Err(EventError::UnknownEvent("mount".into()));
            }
            let cache_key = cache_key::<T>(&params, cx);
            if let Some(key) = &cache_key
                && let Some(hit) = engine.render_cache().get(key)
                && let Some(response) = serve_cached::<T>(hit, &scope).await?
            {
                return Ok(Typed::Done(response, None));
            }
            let ticket = engine.render_cache().begin();
            let component = T::mount(params.clone(), cx).await?;
            check(component.check_object_access(cx))?;
            let response = respond_with(&component, &params)?;
            if let (Some(key), Some(ttl)) = (cache_key, T::CACHE_TTL)
                && holds_one_token(&response.html)
            {
                engine.render_cache().insert(
                    key,
                    CachedRender {
                        html: response.html.clone(),
                        state: response.state.clone(),
                        component_id: response.component_id.clone(),
                        optimistic: response.optimistic.clone(),
                    },
                    ttl,
                    T::cache_keys(),
                    ticket,
                );
            }
            return Ok(Typed::Done(response, Some(component)));
        }
        Some(event) => {
            if !T::EVENTS.contains(&event) {
                return Err(EventError::UnknownEvent(event.to_owned()));
            }
            let keys = engine
                .state_keys()
                .ok_or_else(|| EventError::internal("no state keys are configured"))?;
            let token = request
                .state
                .as_deref()
                .ok_or(EventError::InvalidState(StateError::Malformed))?;
            let mut component: T = keys
                .verify(
                    T::TYPE_NAME,
                    token,
                    &Holder::of(cx),
                    engine.clock().now(),
                    engine.state_max_age(),
                )
                .map_err(EventError::InvalidState)?;
            component.restore(cx).await?;
            check(component.check_object_access(cx))?;
            if stream && T::STREAMS.contains(&event) {
                return Ok(Typed::Stream(EventStream::start(
                    scope.clone(),
                    component,
                    event.to_owned(),
                    request.payload,
                    params,
                )));
            }
            component
                .handle(event, request.payload, cx, &Frames::discard())
                .await?;
            component
        }
    };
    let response = respond_with(&component, &params)?;
    Ok(Typed::Done(response, Some(component)))
}

/// The render-cache key of a mount of `T`, if `T` caches and this requester may share in it:
/// a component with permissions is cached per signed-in user, and not at all for anonymous
/// requesters (who cannot be told apart).
fn cache_key<T: Stateful>(params: &Value, cx: &LoadCx) -> Option<String> {
    T::CACHE_TTL?;
    let params = crate::hash::canonical_json(params).ok()?;
    let identity = match T::GUARDED {
        true => Some(cx.identity()?.id.as_str()),
        false => None,
    };
    Some(RenderCache::key(T::TYPE_NAME, &params, identity))
}

/// Whether `html` carries one state token (its root's) and no nested component's: only the
/// root's is issued anew on a cache hit, so a render holding others is not cached (they would
/// reach other requesters bound to this one).
fn holds_one_token(html: &str) -> bool {
    // How a root's `hx-vals` (escaped as an attribute) starts.
    html.matches("{&quot;state&quot;:&quot;").count() == 1
}

/// A cached render of `T`, made this requester's: its state token, issued to whoever mounted
/// it first, is issued anew to this requester, now (in the HTML too). For a guarded `T` the
/// permissions' object checks run again, on the cached state restored for this request (they
/// may depend on more than the user the entry is kept for). A refusal is an error; `None` when
/// the entry is unusable.
async fn serve_cached<T: Stateful>(
    hit: CachedRender,
    scope: &Scope,
) -> Result<Option<EventResponse>, EventError> {
    let engine = scope.engine();
    let Some(keys) = engine.state_keys() else {
        return Ok(None);
    };
    let cx = scope.load_cx();
    // The token is in the HTML verbatim (its characters need no escaping in an attribute).
    let Ok(state) = keys.reissue(
        T::TYPE_NAME,
        &hit.state,
        &Holder::of(cx),
        engine.clock().now(),
    ) else {
        return Ok(None); // signed by a key since retired: render afresh
    };
    if !hit.html.contains(&hit.state) {
        return Ok(None);
    }
    if T::GUARDED {
        let Ok(mut component) = keys.verify_signature::<T>(T::TYPE_NAME, &state) else {
            return Ok(None);
        };
        component.restore(cx).await?;
        check(component.check_object_access(cx))?;
    }
    Ok(Some(EventResponse {
        html: hit.html.replace(&hit.state, &state),
        state,
        component_id: hit.component_id,
        optimistic: hit.optimistic,
    }))
}
