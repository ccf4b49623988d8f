// pjx client runtime: tells the server what the page shows, lights loading indicators,
// applies optimistic patches, and moves component assets into <head>. Served by pjx-actix; no build step.
(() => {
  if (window.pjx) return; // never initialise twice
  const D = document;
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

  D.addEventListener("htmx:configRequest", (e) => {
    if (e.detail.path === SYNC) return;
    const h = e.detail.headers, elt = e.detail.elt, root = elt.closest && elt.closest("[data-pjx-id]");
    const { header, omitted } = manifest(elt);
    h["X-PJX-Mounted"] = header;
    h["X-PJX-Assets"] = json(loadedAssets());
    if (root) h["X-PJX-Trigger"] = json({ id: root.dataset.pjxId });
    e.detail.pjxOmitted = omitted;
  });
  // After a partial manifest's response is applied: the regions left out that are still on
  // the page (the response replaced neither them nor a region holding them) and that a dirtied
  // key concerns are walked by the sync route; nothing is sent when there are none.
  D.addEventListener("htmx:afterRequest", (e) => {
    const cfg = e.detail.requestConfig, xhr = e.detail.xhr;
    const omitted = cfg && cfg.pjxOmitted;
    if (!omitted || !e.detail.successful) return;
    let dirtied;
    try { dirtied = JSON.parse(xhr.getResponseHeader("X-PJX-Dirtied")); } catch { /* none */ }
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
  D.addEventListener("htmx:beforeSend", (e) => {
    const ids = predict(e.detail.elt);
    if (!ids.size) return;
    inFlight.set(e.detail.xhr, ids);
    for (const id of ids) lit.set(id, (lit.get(id) || 0) + 1);
    paint();
  });
  // afterRequest fires on success, error, abort and timeout alike (maybe twice when the
  // trigger left the page): release each request once.
  D.addEventListener("htmx:afterRequest", (e) => {
    const ids = inFlight.get(e.detail.xhr);
    if (!ids) return;
    inFlight.delete(e.detail.xhr);
    for (const id of ids) {
      const n = lit.get(id) - 1;
      n > 0 ? lit.set(id, n) : lit.delete(id);
    }
    paint();
  });
  // One repaint after a response's swaps, not one per swap: a response can swap thousands.
  let repaint = false;
  const later = () => repaint || (repaint = true, queueMicrotask(() => { repaint = false; paint(); }));
  for (const ev of ["htmx:afterSwap", "htmx:oobAfterSwap", "htmx:afterSettle"]) D.addEventListener(ev, later);

  // Component assets arrive as tags marked data-pjx-asset; they belong in <head>, once.
  D.addEventListener("htmx:beforeSwap", (e) => {
    const text = e.detail.serverResponse;
    if (typeof text !== "string" || !text.includes("data-pjx-asset")) return;
    const t = D.createElement("template");
    t.innerHTML = text;
    const have = new Set(loadedAssets());
    for (const el of t.content.querySelectorAll("[data-pjx-asset]")) {
      el.remove();
      const url = el.dataset.pjxAsset;
      if (have.has(url)) continue;
      have.add(url);
      const css = el.tagName === "LINK", tag = D.createElement(css ? "link" : "script");
      if (css) { tag.rel = "stylesheet"; tag.href = url; } else tag.src = url;
      tag.dataset.pjxAsset = url;
      D.head.append(tag);
    }
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
  D.addEventListener("htmx:beforeSend", (e) => {
    const elt = e.detail.elt, root = elt.closest && elt.closest("[data-pjx-component]");
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
    undo.set(e.detail.xhr, saved);
  });
  D.addEventListener("htmx:afterRequest", (e) => {
    const saved = undo.get(e.detail.xhr);
    if (!saved) return;
    undo.delete(e.detail.xhr);
    if (e.detail.successful) return saved[0][0].removeAttribute("data-pjx-pending");
    for (const [el, attr, v] of saved.reverse()) put(el, attr, v);
    const root = saved[saved.length - 1][0]; // reversed: the root is last
    (root.isConnected ? root : D).dispatchEvent(new CustomEvent("pjx:rollback", { bubbles: true }));
  });
  // Errors come as JSON {"error": {status, code, message, field?, retry_after?}}: re-sent as a
  // pjx:error event (detail: that object) from the element that made the request. Any other
  // failed response, a network error or a timeout gets the same event with a generic detail.
  const fail = (e, detail) => {
    const elt = e.detail.elt;
    (elt && elt.isConnected ? elt : D).dispatchEvent(new CustomEvent("pjx:error", { bubbles: true, detail }));
  };
  const REASONS = { 413: "the request is too large", 431: "the request's headers are too large", 429: "too many requests" };
  D.addEventListener("htmx:responseError", (e) => {
    const xhr = e.detail.xhr;
    let error;
    try { error = JSON.parse(xhr.responseText).error; } catch { /* not ours */ }
    fail(e, error && typeof error === "object" ? error : {
      status: xhr.status, code: "http_" + xhr.status,
      message: REASONS[xhr.status] || ("the server answered " + xhr.status + (xhr.statusText ? " " + xhr.statusText : "")),
    });
  });
  D.addEventListener("htmx:sendError", (e) => fail(e, { status: 0, code: "network_error", message: "the request could not reach the server" }));
  D.addEventListener("htmx:timeout", (e) => fail(e, { status: 0, code: "timeout", message: "the server did not answer in time" }));

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

  window.pjx = { manifest: () => manifest(D.body).header, predict, lit, version: 2 };
})();
