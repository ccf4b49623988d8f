//! Streaming answers: an event whose handler takes `frames: &Frames` answers a client that asks
//! for `text/event-stream` with a stream of frames — the component re-rendered from its state
//! at that moment, a named part of it appended to or replaced, other regions updated out of
//! band — and ends with the usual answer (its final render and fan-out) as the last frame.
//!
//! The handler runs inside the stream: the adapter's response body polls it, so a reader that
//! stops reading stops the handler at its next `send` (the buffer between them is bounded),
//! and a client that leaves drops the body, and with it the handler's future.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::task::{Context, Poll};

use parking_lot::Mutex;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

use super::*;
pub use crate::engine::StreamLimits;
use crate::key::Key;
use crate::slot::Markup;

/// One frame of a streaming answer, as it travels (`text/event-stream`, one event each).
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// The component, re-rendered from its state at that moment (with a fresh state token):
    /// the page swaps its region.
    Render {
        /// The component's HTML, stamped like any render of it.
        html: String,
    },
    /// A named part inside the component (`data-pjx-part="<name>"`) gains HTML at its end, or
    /// has its content replaced.
    Part {
        /// The part's name.
        part: String,
        /// Append or replace.
        mode: PartMode,
        /// The HTML (escaped text unless the handler gave [`Markup::trusted`]).
        html: String,
    },
    /// Out-of-band updates of the regions the mutations recorded so far concern (what
    /// [`Frames::updates`] asks for).
    Updates {
        /// The out-of-band fragments.
        html: String,
    },
    /// The last frame of a stream that went well: the answer a request without streaming
    /// gets (the final render with its signed state, the out-of-band fragments of the
    /// mutations not yet sent, the assets the page lacks).
    End {
        /// The answer's body.
        html: String,
        /// For a page that sent a partial manifest: the dirtied keys it must check the regions
        /// it left out against (`X-PJX-Dirtied` of an answer without streaming).
        dirtied: Vec<String>,
        /// The walk had more regions to update than its budget: the page reloads itself.
        refresh: bool,
    },
    /// The last frame of a stream that failed: the error, in pjx's JSON error shape. The page
    /// keeps what the last good frame showed; optimistic patches roll back.
    Error {
        /// The HTTP status the error would have had.
        status: u16,
        /// The error's JSON body (`{"error": {…}}`).
        body: Value,
    },
    /// Nothing to say: keeps proxies from closing an idle stream.
    Heartbeat,
}

/// How a [`Frame::Part`] changes its part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartMode {
    /// At the part's end (a log line, the next tokens of a reply).
    Append,
    /// Instead of the part's content.
    Replace,
}

impl Frame {
    /// The error frame of `error`: its status and pjx's JSON error body. 500s keep their
    /// details in the log, as an answer without streaming does.
    pub fn error(error: &EventError) -> Frame {
        if error.status() >= 500 {
            tracing::error!(target: "pjx::stream", "a streaming event failed: {error}");
        }
        Frame::Error {
            status: error.status(),
            body: error.to_json(),
        }
    }

    /// Whether the frame ends its stream.
    pub fn is_last(&self) -> bool {
        matches!(self, Frame::End { .. } | Frame::Error { .. })
    }

    /// The frame as a server-sent event: `event: <kind>` and one `data:` line of JSON
    /// (a heartbeat is a comment).
    ///
    /// ```
    /// use pjx::stateful::Frame;
    /// let frame = Frame::Render { html: "<p>\n1</p>".into() };
    /// assert_eq!(frame.to_sse(), "event: render\ndata: {\"html\":\"<p>\\n1</p>\"}\n\n");
    /// assert_eq!(Frame::Heartbeat.to_sse(), ": heartbeat\n\n");
    /// ```
    pub fn to_sse(&self) -> String {
        let (event, data) = match self {
            Frame::Render { html } => ("render", serde_json::json!({ "html": html })),
            Frame::Part { part, mode, html } => (
                "part",
                serde_json::json!({
                    "part": part,
                    "mode": match mode { PartMode::Append => "append", PartMode::Replace => "replace" },
                    "html": html,
                }),
            ),
            Frame::Updates { html } => ("updates", serde_json::json!({ "html": html })),
            Frame::End {
                html,
                dirtied,
                refresh,
            } => (
                "end",
                serde_json::json!({ "html": html, "dirtied": dirtied, "refresh": refresh }),
            ),
            Frame::Error { body, .. } => ("error", body.clone()),
            Frame::Heartbeat => return ": heartbeat\n\n".to_owned(),
        };
        // JSON text has no raw line breaks, so one `data:` line holds it.
        format!("event: {event}\ndata: {data}\n\n")
    }
}

/// What a streaming handler sends its frames through: `frames: &Frames` among its parameters.
///
/// ```
/// use pjx::prelude::*;
/// use pjx::stateful::Frames;
/// use serde::{Deserialize, Serialize};
///
/// #[component(name = "job", source = r#"<div><progress value="{{ done }}" max="10"></progress>
/// <ol data-pjx-part="log"></ol><button {{ self.run_event() }}>run</button></div>"#)]
/// #[derive(Serialize, Deserialize)]
/// pub struct Job { done: u32 }
///
/// #[component]
/// impl Job {
///     fn mount() -> Job { Job { done: 0 } }
///     async fn on_run(&mut self, frames: &Frames) -> Result<(), EventError> {
///         for step in 1..=10 {
///             self.done = step;
///             frames.render(self).await?; // the progress bar moves
///             frames.append("log", format!("step {step} done")).await?; // text, escaped
///         }
///         Ok(()) // the last frame: the final render
///     }
/// }
/// ```
///
/// A client that did not ask for a stream (a JSON client, a request without pjx.js's stream
/// reader) gets the final render alone: the frames are then not rendered at all
/// ([`Frames::is_live`] is `false`).
#[derive(Clone)]
pub struct Frames {
    live: Option<Arc<Live>>,
}

struct Live {
    tx: mpsc::Sender<Frame>,
    scope: Scope,
    params: Value,
    /// The keys whose out-of-band updates were already sent, and what the walks told a page
    /// with a partial manifest.
    walked: Mutex<Walked>,
}

#[derive(Default)]
struct Walked {
    /// The recordings walked so far ([`Scope::recorded_since`]).
    recordings: usize,
    dirtied_for_client: BTreeSet<String>,
    refresh: bool,
    /// The URLs of the assets already sent.
    assets: BTreeSet<String>,
}

const CLOSED: &str = "the stream is closed: its client is gone";

impl Frames {
    /// Frames for a client that asked for no stream: sending does nothing.
    pub fn discard() -> Frames {
        Frames { live: None }
    }

    /// Whether frames reach a client (`false` when the client asked for the final answer
    /// alone, so a handler may skip work only a watcher needs).
    pub fn is_live(&self) -> bool {
        self.live.is_some()
    }

    async fn send(&self, frame: Frame) -> Result<(), EventError> {
        let Some(live) = &self.live else {
            return Ok(());
        };
        // Waits while the buffer is full: a slow reader slows the handler down.
        live.tx
            .send(frame)
            .await
            .map_err(|_| EventError::internal(CLOSED))
    }

    /// Sends the component as it is now: the page swaps its region (its state token is
    /// fresh, so the component's own triggers work between frames).
    pub async fn render<T: Stateful>(&self, component: &T) -> Result<(), EventError> {
        let Some(live) = &self.live else {
            return Ok(());
        };
        let html = live
            .scope
            .run_sync(|| respond_with(component, &live.params))?
            .html;
        self.send(Frame::Render { html }).await
    }

    /// Appends to the component's part named `part` (the element marked
    /// `data-pjx-part="<part>"` inside it): text is escaped, [`Markup::trusted`] HTML is kept,
    /// a component is rendered.
    pub async fn append(&self, part: &str, html: impl Into<Markup>) -> Result<(), EventError> {
        self.part(part, PartMode::Append, html.into()).await
    }

    /// Replaces the content of the component's part named `part`.
    pub async fn replace(&self, part: &str, html: impl Into<Markup>) -> Result<(), EventError> {
        self.part(part, PartMode::Replace, html.into()).await
    }

    async fn part(&self, part: &str, mode: PartMode, html: Markup) -> Result<(), EventError> {
        let Some(live) = &self.live else {
            return Ok(());
        };
        let html = live.scope.run_sync(|| html.to_string());
        self.send(Frame::Part {
            part: part.to_owned(),
            mode,
            html,
        })
        .await
    }

    /// Sends the out-of-band updates of the mutations recorded since the last call (or the
    /// start): regions elsewhere on the page follow the stream as it goes, rather than once at
    /// its end. Nothing is sent when no new key was dirtied.
    pub async fn updates(&self) -> Result<(), EventError> {
        let Some(live) = &self.live else {
            return Ok(());
        };
        let html = live.walk("").await;
        if html.is_empty() {
            return Ok(());
        }
        self.send(Frame::Updates { html }).await
    }
}

impl Live {
    /// Walks the keys recorded since the last walk, for a frame whose primary is `primary`:
    /// the fragments, then the assets the page lacks that no frame sent yet.
    async fn walk(&self, primary: &str) -> String {
        // What earlier frames rendered is on the page by now; this frame's primary is not.
        self.scope.forget_rendered();
        self.scope.note_rendered(
            stamp::stamped_ids(primary)
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        );
        let (keys, recordings) = {
            let walked = self.walked.lock();
            self.scope.recorded_since(walked.recordings)
        };
        let mut html = String::new();
        if !keys.is_empty() {
            let report = self
                .scope
                .run(crate::reactive::walk::walk_keys(&self.scope, &keys))
                .await;
            let mut walked = self.walked.lock();
            walked.recordings = walked.recordings.max(recordings);
            walked
                .dirtied_for_client
                .extend(report.dirtied_for_client.iter().map(Key::to_string));
            walked.refresh |= report.over_budget;
            html = report.fragments;
        }
        let mut walked = self.walked.lock();
        for asset in self.scope.missing_assets() {
            if walked.assets.insert(asset.url()) {
                crate::reactive::oob::push_asset(&mut html, &asset);
            }
        }
        html
    }
}

/// The future of a streaming handler: it runs the handler and yields the last frame.
type Task = Pin<Box<dyn Future<Output = Frame>>>;

/// The final answer and the component as the handler left it (for the component harness).
type Outcome = Rc<RefCell<Option<(EventResponse, Box<dyn Any>)>>>;

/// A streaming answer: the frames of one event, in order, the last one an [`Frame::End`] or a
/// [`Frame::Error`]. A `futures` stream; the adapter writes each frame as a server-sent event.
/// Dropping it drops the handler.
pub struct EventStream {
    rx: mpsc::Receiver<Frame>,
    #[cfg_attr(not(feature = "testing"), allow(dead_code))] // read by the harness alone
    outcome: Outcome,
    task: Option<Task>,
    last: Option<Frame>,
    heartbeat: Duration,
    idle: Pin<Box<Sleep>>,
    deadline: Pin<Box<Sleep>>,
    max_duration: Duration,
    done: bool,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("running", &self.task.is_some())
            .field("done", &self.done)
            .finish()
    }
}

impl EventStream {
    /// Starts `T`'s handler for `event` on `component` (restored and allowed: every check ran
    /// before), its frames flowing into the stream.
    pub(super) fn start<T: Stateful>(
        scope: Scope,
        mut component: T,
        event: String,
        payload: Payload,
        params: Value,
    ) -> EventStream {
        let limits = scope.engine().limits().stream;
        let (tx, rx) = mpsc::channel(limits.buffer.max(1));
        let live = Arc::new(Live {
            tx,
            scope: scope.clone(),
            params,
            walked: Mutex::new(Walked::default()),
        });
        let frames = Frames {
            live: Some(Arc::clone(&live)),
        };
        let outcome = Outcome::default();
        let kept = Rc::clone(&outcome);
        let task = scope.run(async move {
            let cx = live.scope.load_cx();
            let handled = component.handle(&event, payload, cx, &frames).await;
            drop(frames);
            match handled {
                Ok(()) => {
                    let (frame, response) = live.end(&component).await;
                    if let Some(response) = response {
                        *kept.borrow_mut() = Some((response, Box::new(component)));
                    }
                    frame
                }
                Err(e) => Frame::error(&e),
            }
        });
        let now = Instant::now();
        EventStream {
            rx,
            outcome,
            task: Some(Box::pin(task)),
            last: None,
            heartbeat: limits.heartbeat,
            idle: Box::pin(tokio::time::sleep_until(now + limits.heartbeat)),
            deadline: Box::pin(tokio::time::sleep_until(now + limits.max_duration)),
            max_duration: limits.max_duration,
            done: false,
        }
    }

    /// Collects every frame but heartbeats, to the last.
    pub async fn collect(&mut self) -> Vec<Frame> {
        let mut frames = Vec::new();
        while let Some(frame) = std::future::poll_fn(|cx| self.poll_frame(cx)).await {
            if frame != Frame::Heartbeat {
                frames.push(frame);
            }
        }
        frames
    }

    /// Once the stream went well to its end: the final answer and the component as its
    /// handler left it.
    #[cfg(feature = "testing")]
    pub(crate) fn outcome<T: 'static>(&self) -> Option<(EventResponse, T)> {
        let (response, component) = self.outcome.borrow_mut().take()?;
        Some((response, *component.downcast::<T>().ok()?))
    }

    fn yielded(&mut self, frame: Frame) -> Poll<Option<Frame>> {
        let next = Instant::now() + self.heartbeat;
        self.idle.as_mut().reset(next);
        Poll::Ready(Some(frame))
    }

    /// The next frame; `None` after the last.
    pub fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<Option<Frame>> {
        if self.done {
            return Poll::Ready(None);
        }
        // The handler first: it runs until it waits (for its own work, or for room in the
        // buffer), filling the buffer as it goes.
        if let Some(task) = self.task.as_mut()
            && let Poll::Ready(last) = task.as_mut().poll(cx)
        {
            self.task = None;
            self.last = Some(last);
        }
        if self.task.is_some() {
            if let Poll::Ready(Some(frame)) = self.rx.poll_recv(cx) {
                return self.yielded(frame);
            }
        } else {
            // Frames the handler sent before it returned, then its last.
            if let Ok(frame) = self.rx.try_recv() {
                return self.yielded(frame);
            }
            self.done = true;
            return Poll::Ready(self.last.take());
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.task = None; // drops the handler
            self.done = true;
            tracing::warn!(target: "pjx::stream", "a stream ran past its maximum duration ({:?}) and was ended", self.max_duration);
            return Poll::Ready(Some(Frame::error(&EventError::StreamTooLong(
                self.max_duration,
            ))));
        }
        if self.idle.as_mut().poll(cx).is_ready() {
            return self.yielded(Frame::Heartbeat);
        }
        Poll::Pending
    }
}

impl futures_core::Stream for EventStream {
    type Item = Frame;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Frame>> {
        self.get_mut().poll_frame(cx)
    }
}

impl Live {
    /// The last frame: the final render and the fan-out of what no `updates` sent (and the
    /// final answer, for the harness).
    async fn end<T: Stateful>(&self, component: &T) -> (Frame, Option<EventResponse>) {
        let response = match self
            .scope
            .run_sync(|| respond_with(component, &self.params))
        {
            Ok(response) => response,
            Err(e) => return (Frame::error(&e), None),
        };
        // The stream's fan-out (also for the dev-mode check that mutations were answered).
        self.scope.begin_fan_out();
        let mut html = response.html.clone();
        html.push_str(&self.walk(&response.html).await);
        let walked = self.walked.lock();
        let end = Frame::End {
            html,
            dirtied: walked.dirtied_for_client.iter().cloned().collect(),
            refresh: walked.refresh,
        };
        (end, Some(response))
    }
}
