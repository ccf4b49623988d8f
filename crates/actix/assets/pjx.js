// pjx client runtime: tells the server what the page shows, lights loading indicators,
// applies optimistic patches, and moves component assets into <head>. Served by pjx-actix as
// pjx.min.js, what terser makes of this file (`cargo xtask minify`).
(() => {
  if (window.pjx) return; // never initialise twice
  const D = document;
  // htmx 2 (XHR, camelCase events) or htmx 4 (fetch, htmx:noun:verb events, a request's state
  // in detail.ctx): the few places that differ read the request through these.
  const V4 = /^4/.test(htmx.version);
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
  const resHeader = (e, n) => V4 ? res(e).headers && res(e).headers.get(n) : e.detail.xhr.getResponseHeader(n);
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

  // Loading indicators. A request lights the regions it will probably update: those
  // sharing a key with the region that triggered it (for keyed regions, only the trigger's
  // own instance), plus whatever its data-pjx-loading-extra selector names. Counts are per
  // region id, so overlapping requests keep a shared region lit until the last one ends,
  // and classes are re-applied to fresh elements after every swap.
  const lit = new Map(), inFlight = new WeakMap();
  const predict = (elt) => {
    const ids = new Set(), root = elt.closest("[data-pjx-id]");
    if (root) {
      const want = keys(root), load = root.dataset.pjxLoad;
      for (const r of regions()) {
        const d = r.dataset;
        if (keys(r).some((k) => want.includes(k)) && (d.pjxLoad == null || d.pjxLoad === load)) ids.add(d.pjxId);
      }
    }
    const extra = elt.closest("[data-pjx-loading-extra]");
    if (extra) {
      try {
        for (const el of D.querySelectorAll(extra.dataset.pjxLoadingExtra)) {
          const r = el.closest("[data-pjx-id]");
          if (r) ids.add(r.dataset.pjxId);
        }
      } catch { /* an invalid selector lights nothing */ }
    }
    return ids;
  };
  const CLASS = /^pjx-loading(--.+)?$/;
  const paint = () => {
    for (const el of D.querySelectorAll(".pjx-loading")) {
      const r = el.closest("[data-pjx-id]");
      if (!r || !lit.has(r.dataset.pjxId)) el.classList.remove(...[...el.classList].filter((c) => CLASS.test(c)));
    }
    for (const r of regions()) {
      if (!lit.has(r.dataset.pjxId)) continue;
      for (const el of [r, ...r.querySelectorAll("[data-pjx-loading]")]) {
        if (el.dataset.pjxLoading && el.closest("[data-pjx-id]") === r)
          el.classList.add("pjx-loading", "pjx-loading--" + el.dataset.pjxLoading);
      }
    }
  };
  on("beforeSend", "before:request", (e) => {
    const ids = predict(source(e));
    if (!ids.size) return;
    inFlight.set(req(e), ids);
    for (const id of ids) lit.set(id, (lit.get(id) || 0) + 1);
    paint();
  });
  // afterRequest fires on success, error, abort and timeout alike (maybe twice when the
  // trigger left the page): release each request once.
  done((e) => {
    const ids = inFlight.get(req(e));
    if (!ids) return;
    inFlight.delete(req(e));
    for (const id of ids) {
      const n = lit.get(id) - 1;
      n > 0 ? lit.set(id, n) : lit.delete(id);
    }
    paint();
  });
  // One repaint after a response's swaps, not one per swap: a response can swap thousands.
  let repaint = false;
  const later = () => repaint || (repaint = true, queueMicrotask(() => { repaint = false; paint(); }));
  on("afterSwap", "after:swap", later);
  on("oobAfterSwap", "after:settle", later);
  on("afterSettle", "", later);

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

  // Optimistic UI. A trigger's data-pjx-optimistic is the patch ({field: value}) the server
  // computed for its event when it rendered the component. On send, the component's elements
  // bound to those fields (data-pjx-bind="field"; with data-pjx-bind-attr="name", that
  // attribute instead of the text) show the new values at once. Success swaps in the
  // server's HTML; any failure (network, 4xx, 5xx, timeout, abort) undoes every change.
  // Text is saved as the element's child nodes, so markup inside a bound element comes back
  // exactly (the very nodes); an attribute as its value, or null when it was absent.
  const undo = new WeakMap();
  const put = (el, attr, v) => attr
    ? (v == null || v === false ? el.removeAttribute(attr) : el.setAttribute(attr, v === true ? "" : v))
    : Array.isArray(v) ? el.replaceChildren(...v) : (el.textContent = v == null ? "" : v);
  const text = (v) => typeof v === "object" && v !== null ? JSON.stringify(v) : v;
  on("beforeSend", "before:request", (e) => {
    const elt = source(e), root = elt.closest && elt.closest("[data-pjx-component]");
    let patch;
    try { patch = root && JSON.parse(elt.getAttribute("data-pjx-optimistic")); } catch { /* no patch */ }
    if (!patch) return;
    const saved = [[root, "data-pjx-pending", root.getAttribute("data-pjx-pending")]];
    for (const el of root.querySelectorAll("[data-pjx-bind]")) {
      const f = el.dataset.pjxBind, attr = el.dataset.pjxBindAttr || null;
      if (!Object.hasOwn(patch, f) || el.closest("[data-pjx-component]") !== root) continue;
      saved.push([el, attr, attr ? el.getAttribute(attr) : [...el.childNodes]]);
      put(el, attr, text(patch[f]));
    }
    root.setAttribute("data-pjx-pending", "");
    undo.set(req(e), saved);
  });
  done((e) => {
    const saved = undo.get(req(e));
    if (!saved) return;
    undo.delete(req(e));
    if (ok(e)) return saved[0][0].removeAttribute("data-pjx-pending");
    for (const [el, attr, v] of saved.reverse()) put(el, attr, v);
    const root = saved[saved.length - 1][0]; // reversed: the root is last
    (root.isConnected ? root : D).dispatchEvent(new CustomEvent("pjx:rollback", { bubbles: true }));
  });
  // Errors come as JSON {"error": {status, code, message, field?, retry_after?}}: re-sent as a
  // pjx:error event (detail: that object) from the element that made the request. Any other
  // failed response, a network error or a timeout gets the same event with a generic detail.
  const fail = (e, detail) => {
    const elt = source(e);
    (elt && elt.isConnected ? elt : D).dispatchEvent(new CustomEvent("pjx:error", { bubbles: true, detail }));
  };
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

  // Stale state (code state_expired: the token is too old, or someone signed in or out in this
  // browser since): mount the component afresh in place of its root, so the user can go on.
  // The mount sends what the root's hx-vals carry (its mount params; the stale state is
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

  // Default looks, every one overridable through --pjx-* custom properties.
  const style = D.createElement("style");
  style.id = "pjx-style";
  style.textContent = `
.pjx-loading--skeleton{pointer-events:none;color:transparent!important;border-radius:var(--pjx-skeleton-radius,6px);
background:linear-gradient(90deg,var(--pjx-skeleton-color,#7f7f7f1f) 25%,var(--pjx-skeleton-highlight,#7f7f7f4d) 50%,var(--pjx-skeleton-color,#7f7f7f1f) 75%) 0 0/200% 100%;
animation:pjx-shimmer var(--pjx-skeleton-speed,1.2s) linear infinite}
.pjx-loading--skeleton *{visibility:hidden}
.pjx-loading--spinner{position:relative;pointer-events:none}
.pjx-loading--spinner::before{content:"";position:absolute;inset:0;border-radius:inherit;background:var(--pjx-spinner-overlay,#0000000f);backdrop-filter:blur(var(--pjx-spinner-blur,1px))}
.pjx-loading--spinner::after{content:"";position:absolute;top:50%;left:50%;box-sizing:border-box;
width:var(--pjx-spinner-size,1.1em);height:var(--pjx-spinner-size,1.1em);margin:calc(var(--pjx-spinner-size,1.1em)/-2);border-radius:50%;
border:var(--pjx-spinner-thickness,2px) solid var(--pjx-spinner-track,#7f7f7f4d);border-top-color:var(--pjx-spinner-color,currentColor);
animation:pjx-spin var(--pjx-spinner-speed,.6s) linear infinite}
@keyframes pjx-shimmer{to{background-position:-200% 0}}
@keyframes pjx-spin{to{transform:rotate(1turn)}}`;
  D.head.append(style);

  if (V4) htmx.registerExtension("pjx", Object.fromEntries(Object.entries(X).map(([k, fs]) =>
    [k, (target, detail) => { for (const f of fs) f({ target, detail }); }])));

  window.pjx = { manifest: () => manifest(D.body).header, predict, lit, version: 2 };
})();
