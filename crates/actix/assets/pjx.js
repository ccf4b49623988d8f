// pjx client runtime, core: tells the server what the page shows, moves component assets into
// <head>, reports errors, mounts afresh a component whose state went stale, and loads the
// optional parts a page needs (loading indicators, optimistic patches, morphing, the stream
// reader). Served by pjx-actix minified for each htmx line, as terser makes of this file
// (`cargo xtask minify`: pjx.v2.min.js and pjx.v4.min.js).
(() => {
  if (window.pjx) return; // never initialise twice
  const D = document;
  // htmx 2 (XHR, camelCase events) or htmx 4 (fetch, htmx:noun:verb events, a request's state
  // in detail.ctx): the few places that differ read the request through these.
  // `PJX_V4` is defined when minifying: each line gets a file of its own, without the other's code.
  const V4 = typeof PJX_V4 < "u" ? PJX_V4 : /^4/.test(htmx.version);
  // Under htmx 4 the handlers form an extension ("pjx"): htmx 4 fires its events on the
  // requesting element, which an outerHTML swap may have taken off the page (the event then
  // never reaches the document); an extension hears every one.
  const X = {};
  const on = (v2, v4, f) => V4
    ? v4 && (X["htmx_" + v4.replace(/:/g, "_")] ||= []).push(f)
    : v2 && D.addEventListener("htmx:" + v2, f);
  const ctx = (e) => e.detail.ctx || {};
  // The request's identity (a key for what it lit or patched), element, and response.
  const req = (e) => V4 ? ctx(e) : e.detail.xhr;
  const source = (e) => V4 ? ctx(e).sourceElement : e.detail.elt;
  const res = (e) => V4 ? ctx(e).response || {} : e.detail.xhr;
  // (A streamed answer's end carries its headers: the stream reader puts them in pjxH.)
  const resHeader = (e, n) => (req(e).pjxH || {})[n] || (V4 ? res(e).headers && res(e).headers.get(n) : e.detail.xhr.getResponseHeader(n));
  const resText = (e) => V4 ? ctx(e).text : e.detail.xhr.responseText;
  // Success: a 2xx/3xx answer that htmx went on to apply.
  const ok = (e) => V4 ? res(e).status < 400 && !/^error/.test(ctx(e).status) : e.detail.successful;
  // Completion: htmx 2's afterRequest fires on every outcome; htmx 4's finally:request does.
  const done = (f) => on("afterRequest", "finally:request", f);
  const regions = () => D.querySelectorAll("[data-pjx-id]");
  const keys = (el) => (el.dataset.pjxReacts || "").split(" ").filter(Boolean);
  // Header values must be Latin-1: escape everything else as JSON \u escapes.
  const json = (v) =>
    JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));

  // What is mounted, compactly: {"t":[types],"m":[[id, type index, hash prefix, load|null, depth]]},
  // depth being the number of listed regions holding the region (omitted when 0). A 16-digit
  // hash prefix is plenty to tell states apart.
  const encode = (els, page) => {
    const t = [], at = {}, m = [], open = [];
    for (const el of els) {
      while (open.length && !open[open.length - 1].contains(el)) open.pop();
      const d = el.dataset, ty = d.pjxType || "", depth = open.length;
      open.push(el);
      if (!(ty in at)) at[ty] = t.push(ty) - 1;
      const e = [d.pjxId, at[ty], (d.pjxHash || "").slice(0, 16)];
      if (d.pjxLoad != null || depth) e.push(d.pjxLoad == null ? null : d.pjxLoad);
      if (depth) e.push(depth);
      m.push(e);
    }
    const v = { t, m };
    if (page) {
      // Partial: every type on the page, listed or not, for the server to say which dirtied
      // keys concern them.
      for (const el of page) { const ty = el.dataset.pjxType || ""; if (!(ty in at)) at[ty] = t.push(ty) - 1; }
      v.p = 1;
    }
    return json(v);
  };
  // actix-web refuses a request head over 128 KiB: X-PJX-Mounted stays under BUDGET. A page
  // too large for it lists the regions the request most likely concerns — those holding the
  // trigger and every region with the same load key, then every unkeyed region, then the
  // rest in page order, each with the regions holding it — and marks the list partial.
  const BUDGET = 32 * 1024;
  // An entry's size in the header: exact for text that JSON escapes, else counted.
  const PLAIN = /^[\x20-\x7e]*$/, size = (t) => t == null ? 4 : PLAIN.test(t) && !/["\\]/.test(t) ? t.length + 2 : json(t).length;
  const cost = (r) => size(r.dataset.pjxId) + size(r.dataset.pjxLoad) + 30;
  const holder = (r) => r.parentElement && r.parentElement.closest("[data-pjx-id]");
  const manifest = (elt) => {
    const all = [...regions()];
    // Every entry is at least 26 bytes: only a page that may fit is encoded whole first.
    if (all.length * 26 <= BUDGET) {
      const full = encode(all);
      if (full.length <= BUDGET) return { header: full, omitted: null };
    }
    const keep = new Set();
    let room = BUDGET - BUDGET / 16; // the rest: the type table and the estimates' slack
    const add = (el) => {
      const chain = [];
      let n = 0;
      for (let r = el; r && !keep.has(r); r = holder(r)) { chain.push(r); n += cost(r); }
      if (n > room) return false;
      room -= n;
      for (const r of chain) keep.add(r);
      return true;
    };
    const own = [];
    for (let r = elt && elt.closest && elt.closest("[data-pjx-id]"); r; r = holder(r)) own.push(r);
    const loads = new Set(own.map((r) => r.dataset.pjxLoad).filter((l) => l != null));
    const want = [...own];
    if (loads.size) want.push(...all.filter((r) => loads.has(r.dataset.pjxLoad)));
    want.push(...all.filter((r) => r.dataset.pjxLoad == null), ...all);
    // Regions are much alike: once a few in a row no longer fit, none will.
    let misses = 0;
    for (const r of want) {
      if (keep.has(r)) continue;
      if (add(r)) misses = 0; else if (++misses > 16 || room < 64) break;
    }
    const listed = all.filter((r) => keep.has(r));
    return { header: encode(listed, all), omitted: all.filter((r) => !keep.has(r)) };
  };
  // Whether a dirtied wire key (`todos`, `todos:7`) concerns a region: a whole key every region
  // reacting to it; a keyed key the keyed regions of that instance and every unkeyed one.
  const concerns = (el, key) => keys(el).some((name) => key === name ||
    (key.startsWith(name + ":") && (el.dataset.pjxLoad == null || el.dataset.pjxLoad === key.slice(name.length + 1))));
  const SYNC = "/_pjx/sync";
  const loadedAssets = () => [...D.querySelectorAll("link[rel=stylesheet][href],script[src]")]
    .map((el) => el.getAttribute("href") || el.getAttribute("src"));

  on("configRequest", "config:request", (e) => {
    const d = V4 ? ctx(e).request : e.detail;
    if ((V4 ? d.action : d.path) === SYNC) return;
    const h = d.headers, elt = source(e), root = elt.closest && elt.closest("[data-pjx-id]");
    const { header, omitted } = manifest(elt);
    h["X-PJX-Mounted"] = header;
    h["X-PJX-Assets"] = json(loadedAssets());
    if (root) h["X-PJX-Trigger"] = json({ id: root.dataset.pjxId });
    (V4 ? ctx(e) : e.detail).pjxOmitted = omitted;
    // htmx 4 inherits no attribute implicitly: a component's state, in its root's hx-vals,
    // rides along with its triggers' own hx-vals as under htmx 2 (the trigger's keys win).
    const comp = V4 && elt.parentElement && elt.parentElement.closest("[data-pjx-component][hx-vals]");
    if (comp) {
      try {
        const vals = JSON.parse(comp.getAttribute("hx-vals")), body = d.body;
        for (const k in vals) if (!body.has(k)) body.set(k, vals[k]);
      } catch { /* not JSON: not pjx's */ }
    }
  });
  // After a partial manifest's response is applied: the regions left out that are still on
  // the page (the response replaced neither them nor a region holding them) and that a dirtied
  // key concerns are walked by the sync route; nothing is sent when there are none.
  done((e) => {
    const cfg = V4 ? ctx(e) : e.detail.requestConfig;
    const omitted = cfg && cfg.pjxOmitted;
    if (!omitted || !ok(e)) return;
    let dirtied;
    try { dirtied = JSON.parse(resHeader(e, "X-PJX-Dirtied")); } catch { /* none */ }
    if (!Array.isArray(dirtied) || !dirtied.length) return;
    setTimeout(() => {
      const stale = omitted.filter((el) => el.isConnected && dirtied.some((k) => concerns(el, k)));
      if (stale.length) htmx.ajax("POST", SYNC, { source: D.body, swap: "none", values: { keys: json(dirtied), mounted: encode(stale) } });
    }, 0);
  });

  // Component assets arrive as tags marked data-pjx-asset; they belong in <head>, once.
  const moveAssets = (root) => {
    const have = new Set(loadedAssets());
    for (const el of root.querySelectorAll("[data-pjx-asset]")) {
      el.remove();
      const url = el.dataset.pjxAsset;
      if (have.has(url)) continue;
      have.add(url);
      const css = el.tagName === "LINK", tag = D.createElement(css ? "link" : "script");
      if (css) { tag.rel = "stylesheet"; tag.href = url; } else tag.src = url;
      tag.dataset.pjxAsset = url;
      D.head.append(tag);
    }
  };
  // htmx 2 hands over the answer's text; htmx 4 the parsed fragments of its swaps.
  D.addEventListener(V4 ? "htmx:before:swap" : "htmx:beforeSwap", (e) => {
    if (V4) return (e.detail.tasks || []).forEach((t) => t.fragment && moveAssets(t.fragment));
    const text = e.detail.serverResponse;
    if (typeof text !== "string" || !text.includes("data-pjx-asset")) return;
    const t = D.createElement("template");
    t.innerHTML = text;
    moveAssets(t.content);
    e.detail.serverResponse = t.innerHTML;
  });

  // Errors come as JSON {"error": {status, code, message, field?, retry_after?}}: re-sent as a
  // pjx:error event (detail: that object) from the element that made the request. Any other
  // failed response, a network error or a timeout gets the same event with a generic detail.
  const fail = (e, detail) => {
    const elt = source(e);
    (elt && elt.isConnected ? elt : D).dispatchEvent(new CustomEvent("pjx:error", { bubbles: true, detail }));
  };
  // Stale state (code state_expired: the token is too old, or someone signed in or out in this
  // browser since): the component is mounted afresh in place of its root, so the user can go
  // on. The mount sends what the root's hx-vals carry (its mount params; the stale state is
  // ignored). The event is not re-sent: it was meant for the state the page showed.
  D.addEventListener("pjx:error", (e) => {
    const root = e.detail && e.detail.code === "state_expired" && e.target.closest
      && e.target.closest("[data-pjx-component]");
    if (!root || root.hasAttribute("data-pjx-remounting")) return;
    root.setAttribute("data-pjx-remounting", "");
    htmx.ajax("POST", "/components/" + encodeURIComponent(root.dataset.pjxComponent),
      { source: root, target: root, swap: "outerHTML" })
      .finally(() => root.removeAttribute("data-pjx-remounting"));
  });
  const REASONS = { 413: "the request is too large", 431: "the request's headers are too large", 429: "too many requests" };
  // htmx 4 swaps 4xx/5xx answers too: an error answer that is not HTML (pjx's JSON errors,
  // an empty body, a server's plain-text error) never replaces what the page shows; an
  // error page in HTML is swapped, as htmx 4 does.
  if (V4) on("", "after:request", (e) => {
    const c = ctx(e), r = c.response;
    if (r && r.status >= 400 && !(/\S/.test(c.text || "") && /html/.test(r.headers.get("Content-Type")))) c.swap = "none";
  });
  on("responseError", "response:error", (e) => {
    const r = res(e);
    let error;
    try { error = JSON.parse(resText(e)).error; } catch { /* not ours */ }
    fail(e, error && typeof error === "object" ? error : {
      status: r.status, code: "http_" + r.status,
      message: REASONS[r.status] || ("the server answered " + r.status + ((r.raw || r).statusText ? " " + (r.raw || r).statusText : "")),
    });
  });
  const NET = { status: 0, code: "network_error", message: "the request could not reach the server" };
  const LATE = { status: 0, code: "timeout", message: "the server did not answer in time" };
  on("sendError", "error", (e) => {
    // htmx 4's one error event: a timeout, or a fetch that got no answer (not a failed swap).
    if (!V4) return fail(e, NET);
    const c = ctx(e);
    if (c.request && c.request.signal.reason === "timeout") fail(e, LATE);
    else if (c.request && !c.response) fail(e, NET);
  });
  if (!V4) on("timeout", "", (e) => fail(e, LATE));

  // Optional parts, each a file of its own loaded only by pages that need it: the server adds
  // the ones a full page needs next to this file; a part whose marker first arrives with an
  // htmx update is loaded here, after the swap. A part's URL is this file's with the part's
  // name after "pjx-" (the hash covers every part). On htmx 2 the morph glue needs idiomorph,
  // whose URL this file's tag names: scripts added with async off run in the order added.
  const PARTS = { loading: "[data-pjx-loading]", optimistic: "[data-pjx-optimistic]", morph: "[data-pjx-id]", stream: "[data-pjx-stream]" };
  const me = D.currentScript, self = me && me.getAttribute("src"), IM = !V4 && me && me.dataset.pjxIdiomorph;
  const load = (src) => {
    if (D.querySelector(`script[src="${src}"]`)) return;
    const s = D.createElement("script");
    s.src = src;
    s.async = false;
    D.head.append(s);
  };
  let queued;
  const need = () => queued || (queued = 1, queueMicrotask(() => {
    queued = 0;
    for (const p in PARTS) {
      if (!self || !D.querySelector(PARTS[p])) continue;
      if (p == "morph" && IM && !window.Idiomorph) load(IM);
      load(self.replace(/pjx\.(?=[^/]*$)/, "pjx-" + p + "."));
    }
  }));
  on("afterSwap", "after:swap", need);
  on("oobAfterSwap", "after:settle", need);
  need();

  // Under htmx 4 the parts add their handlers to this extension's lists.
  for (const k of ["before:request", "after:settle"]) on("", k, () => {});
  if (V4) htmx.registerExtension("pjx", Object.fromEntries(Object.keys(X).map((k) =>
    [k, (target, detail) => { for (const f of X[k]) f({ target, detail }); }])));

  // What the parts use: `on` (a handler for an htmx 2 and an htmx 4 event), `done` (for a request's
  // end), the request's identity, element and success.
  window.pjx = { manifest: () => manifest(D.body).header, lit: new Map(), version: 3, V4, on, done, req, source, ok, keys, regions };
})();
