// pjx loading indicators: while a request runs, the elements marked data-pjx-loading in the
// regions it will probably update get the classes pjx-loading and pjx-loading--<value>, and
// their default looks. An optional part of the client runtime, loaded after pjx.js by the
// pages that need it; served by pjx-actix (minified, as pjx-loading.min.js).
(() => {
  if (!window.pjx || pjx.loading) return;
  pjx.loading = true;
  const D = document, { on, done, req, source, regions, keys } = pjx;

  // Loading indicators. A request lights the regions it will probably update: those
  // sharing a key with the region that triggered it (for keyed regions, only the trigger's
  // own instance), plus whatever its data-pjx-loading-extra selector names. Counts are per
  // region id, so overlapping requests keep a shared region lit until the last one ends,
  // and classes are re-applied to fresh elements after every swap.
  const lit = pjx.lit, inFlight = new WeakMap();
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
  pjx.predict = predict;

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
})();
