// pjx stream reader: the answer to a streaming event (text/event-stream) applied frame by
// frame as it arrives — the component's region swapped, a named part of it appended to or
// replaced, other regions updated out of band — then the last frame handed to htmx as the
// answer's body, as if it had come alone. An optional part of pjx.js, loaded by pages with a
// streaming trigger (data-pjx-stream); served by pjx-actix.
(() => {
  if (!window.pjx || pjx.stream) return;
  const D = document, V4 = typeof PJX_V4 < "u" ? PJX_V4 : /^4/.test(htmx.version);
  const SSE = /^text\/event-stream/, ID = "data-pjx-component-id";
  const streams = (elt) => elt && elt.closest && elt.closest("[data-pjx-stream]");
  const CUT = { error: { status: 0, code: "stream_cut", message: "the stream was cut" } };
  const swap = (target, html, style) => V4
    ? htmx.swap({ text: html, target, swap: style })
    : htmx.swap(target, html, { swapStyle: style, swapDelay: 0, settleDelay: 0 });
  // Streams in flight, each by its abort: a page that is left stops them at once (a page kept
  // in the back/forward cache would otherwise keep its handlers running).
  const live = new Set();
  addEventListener("pagehide", () => { for (const stop of live) stop(); });
  // One stream: its component (found anew each time: a render frame replaces it), the text
  // not yet read, and how it ended (st.end or st.error).
  const begin = (elt) => {
    const st = { id: elt.closest(`[${ID}]`).getAttribute(ID), buf: "" };
    st.root = () => [...D.querySelectorAll(`[${ID}]`)].find((el) => el.getAttribute(ID) === st.id);
    // pjx's frames are `event: <kind>` and one `data:` line of JSON; heartbeats are comments.
    st.read = (text) => {
      const blocks = (st.buf + text).split("\n\n");
      st.buf = blocks.pop();
      for (const b of blocks) {
        const m = /^event: (\w+)\ndata: (.*)/.exec(b);
        if (!m) continue;
        const d = JSON.parse(m[2]), el = st.root();
        if (m[1] == "render") el && swap(el, d.html, "outerHTML");
        else if (m[1] == "part") {
          const p = el && [...el.querySelectorAll("[data-pjx-part]")].find((p) => p.dataset.pjxPart === d.part);
          p && swap(p, d.html, d.mode == "append" ? "beforeend" : "innerHTML");
        } else if (m[1] == "updates") swap(D.body, d.html, "none"); // out-of-band fragments only
        else st[m[1]] = d; // end, error
      }
    };
    // The end frame (none after an error); its headers go where pjx.js reads an answer's.
    st.done = () => {
      const d = st.end;
      if (d && d.refresh) location.reload();
      st.h = d && { "X-PJX-Dirtied": JSON.stringify(d.dirtied) };
      return d;
    };
    return st;
  };

  pjx.on("configRequest", "config:request", (e) => {
    const c = V4 ? e.detail.ctx : e.detail, elt = V4 ? c.sourceElement : c.elt;
    if (!streams(elt)) return;
    (V4 ? c.request : c).headers.Accept = "text/event-stream";
    if (!V4) return;
    // htmx 4 fetches through ctx.fetch: the frames are read here, and htmx gets the end as the
    // answer (or the error, as pjx's JSON error with its status). A stream lasts as long as
    // the server lets it (htmx 4 would abort it after 60 s).
    c.request.timeout = 0;
    const st = begin(elt);
    c.fetch = async (url, init) => {
      const r = await fetch(url, init);
      if (!SSE.test(r.headers.get("Content-Type"))) return r;
      clearTimeout(c.requestTimeout);
      const rd = r.body.getReader(), dec = new TextDecoder(), stop = () => rd.cancel();
      live.add(stop);
      try {
        for (let x; !(x = await rd.read()).done;) st.read(dec.decode(x.value, { stream: true }));
      } finally { live.delete(stop); }
      const d = st.done(), err = st.error || CUT;
      // The answer goes into the component as the frames left it.
      c.target = st.root() || c.target;
      c.pjxH = st.h;
      return d
        ? new Response(d.html, { headers: { "Content-Type": "text/html" } })
        : new Response(JSON.stringify(err), { status: err.error.status || 502, headers: { "Content-Type": "application/json" } });
    };
  });
  // htmx 2 reads through XHR: Chromium reports every chunk as a readystatechange while
  // loading, and the last one before htmx's load handler runs.
  if (!V4) pjx.on("beforeSend", 0, (e) => {
    const { xhr, elt, target } = e.detail;
    if (!streams(elt)) return;
    const st = begin(elt), stop = () => xhr.abort();
    let seen = 0;
    live.add(stop);
    xhr.addEventListener("loadend", () => live.delete(stop));
    xhr.addEventListener("readystatechange", () => {
      if (xhr.readyState < 3 || !SSE.test(xhr.getResponseHeader("Content-Type"))) return;
      xhr.pjxS = st;
      st.read(xhr.responseText.slice(seen));
      seen = xhr.responseText.length;
    });
    // On the swap's target itself: a render frame may have taken it off the page, and htmx 2
    // fires beforeSwap on it alone. This runs before pjx.js's own listener.
    target.addEventListener("htmx:beforeSwap", (e) => {
      const d = e.detail;
      if (d.xhr != xhr || !xhr.pjxS) return;
      const end = st.done();
      xhr.pjxH = st.h;
      if (end) {
        // htmx swaps the end, into the component as the frames left it.
        d.serverResponse = end.html;
        d.target = st.root() || d.target;
        return;
      }
      // A failed stream: nothing is swapped, and the request counts as failed (optimistic
      // patches roll back), with the error as pjx:error.
      d.shouldSwap = false;
      d.isError = true;
      (st.root() || D).dispatchEvent(new CustomEvent("pjx:error", { bubbles: true, detail: (st.error || CUT).error }));
    });
  });
  // The streams in flight (tests wait for none).
  pjx.stream = live;
})();
