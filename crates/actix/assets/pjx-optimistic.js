// pjx optimistic patches: a trigger's data-pjx-optimistic shows at once and is rolled back if
// the request fails. An optional part of the client runtime, loaded after pjx.js by the pages
// that need it; served by pjx-actix (minified, as pjx-optimistic.min.js).
(() => {
  if (!window.pjx || pjx.optimistic) return;
  pjx.optimistic = true;
  const D = document, { on, done, req, source, ok } = pjx;

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
})();
