// pjx stream reader: the answer to a streaming event (text/event-stream) applied frame by
// frame as it arrives — the component's region swapped, a named part of it appended to or
// replaced, other regions updated out of band — then the last frame handed to htmx as the
// answer's body, as if it had come alone. An optional part of pjx.js, loaded by pages with a
// streaming trigger (data-pjx-stream); served by pjx-actix.
(() => {
  if (!window.pjx || pjx.stream) return;
  const D = document, V4 = pjx.V4, SSE = /^text\/event-stream/;
  const streams = (elt) => !!(elt && elt.closest && elt.closest("[data-pjx-stream]"));
  const CUT = { error: { status: 0, code: "stream_cut", message: "the stream ended before its last frame" } };
  // One stream: the component it belongs to, the text not yet parsed, its last frame.
  const begin = (elt) => {
    const root = elt.closest("[data-pjx-component-id]");
    return { id: root && root.getAttribute("data-pjx-component-id"), buf: "", seen: 0 };
  };
  const swap = (target, html, style) => V4
    ? htmx.swap({ text: html, target, swap: style })
    : htmx.swap(target, html, { swapStyle: style, swapDelay: 0, settleDelay: 0 });
  const root = (st) => [...D.querySelectorAll("[data-pjx-component-id]")].find((el) => el.getAttribute("data-pjx-component-id") === st.id);
  const frame = (st, ev, d) => {
    const el = root(st);
    if (ev === "render") el && swap(el, d.html, "outerHTML");
    else if (ev === "part") {
      const p = el && [...el.querySelectorAll("[data-pjx-part]")].find((p) => p.dataset.pjxPart === d.part);
      p && swap(p, d.html, d.mode === "append" ? "beforeend" : "innerHTML");
    } else if (ev === "updates") swap(D.body, d.html, "none"); // out-of-band fragments only
    else if (ev === "end" || ev === "error") st.last = [ev, d];
  };
  // Server-sent events: blocks end with a blank line; pjx sends one `data:` line of JSON each,
  // and heartbeats as comments.
  const read = (st, text) => {
    let buf = st.buf + text, i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      let ev = "message", data = "";
      for (const line of buf.slice(0, i).split("\n")) {
        if (line.startsWith("event:")) ev = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      buf = buf.slice(i + 2);
      if (data) frame(st, ev, JSON.parse(data));
    }
    st.buf = buf;
  };
  // Streams in flight, each with its abort: a page that is left stops them at once (a page
  // kept in the back/forward cache would otherwise keep its handlers running).
  const live = new Set();
  addEventListener("pagehide", () => { for (const stop of live) stop(); });
  const latin1 = (v) => JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  const end = (st) => {
    const [ev, d] = st.last || ["error", CUT];
    if (ev === "end" && d.refresh) location.reload();
    return ev === "end" ? d : null;
  };

  pjx.on("configRequest", "config:request", (e) => {
    if (!V4) {
      if (streams(e.detail.elt)) e.detail.headers.Accept = "text/event-stream";
      return;
    }
    const c = e.detail.ctx;
    if (!streams(c.sourceElement)) return;
    c.request.headers.Accept = "text/event-stream";
    // A stream lasts as long as the server lets it (htmx 4 would abort it after 60 s).
    c.request.timeout = 0;
    const st = begin(c.sourceElement);
    // htmx 4 fetches through ctx.fetch: the frames are read here, and htmx gets the last one
    // as the answer (a success as HTML, an error as pjx's JSON error with its status).
    c.fetch = async (url, init) => {
      const r = await fetch(url, init);
      if (!SSE.test(r.headers.get("Content-Type") || "")) return r;
      clearTimeout(c.requestTimeout);
      const rd = r.body.getReader(), dec = new TextDecoder(), stop = () => rd.cancel();
      live.add(stop);
      try {
        for (;;) {
          const { done, value } = await rd.read();
          if (done) break;
          read(st, dec.decode(value, { stream: true }));
        }
      } finally { live.delete(stop); }
      const ok = end(st), err = st.last ? st.last[1] : CUT;
      // The answer goes into the component as the frames left it.
      c.target = root(st) || c.target;
      return ok
        ? new Response(ok.html, { headers: { "Content-Type": "text/html; charset=utf-8", "X-PJX-Dirtied": latin1(ok.dirtied) } })
        : new Response(JSON.stringify(err), { status: err.error.status || 502, headers: { "Content-Type": "application/json" } });
    };
  });
  if (!V4) {
    // htmx 2 reads through XHR: Chromium reports every chunk as a readystatechange while
    // loading, and the last chunk before htmx's load handler runs.
    D.addEventListener("htmx:beforeSend", (e) => {
      const xhr = e.detail.xhr, elt = e.detail.elt;
      if (!streams(elt)) return;
      const st = begin(elt), stop = () => xhr.abort();
      live.add(stop);
      xhr.addEventListener("loadend", () => live.delete(stop));
      xhr.addEventListener("readystatechange", () => {
        if (xhr.readyState < 3 || !SSE.test(xhr.getResponseHeader("Content-Type") || "")) return;
        xhr.pjxStream = st;
        const text = xhr.responseText;
        read(st, text.slice(st.seen));
        st.seen = text.length;
      });
      // On the swap's target itself: a render frame may have taken it off the page, and
      // htmx 2 fires beforeSwap on it alone. This runs before pjx.js's own listener.
      e.detail.target.addEventListener("htmx:beforeSwap", (e) => {
        const d = e.detail;
        if (d.xhr !== xhr || !xhr.pjxStream) return;
        const ok = end(st);
        if (ok) {
          // htmx swaps the last frame, into the component as the frames left it.
          d.serverResponse = ok.html;
          d.target = root(st) || d.target;
          xhr.pjxH = { "X-PJX-Dirtied": JSON.stringify(ok.dirtied) };
          return;
        }
        // A failed stream: nothing is swapped, and the request counts as failed (optimistic
        // patches roll back), with the error as pjx:error.
        d.shouldSwap = false;
        d.isError = true;
        const at = root(st) || D;
        at.dispatchEvent(new CustomEvent("pjx:error", { bubbles: true, detail: (st.last ? st.last[1] : CUT).error }));
      });
    });
  }
  // The streams in flight, each by its stop (tests wait for none).
  pjx.stream = live;
})();
