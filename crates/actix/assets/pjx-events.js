// pjx events glue, for pages with components: a component whose state went stale is mounted
// afresh. An optional part of the client runtime, loaded after pjx.js by the pages that need
// it; served by pjx-actix (minified, as pjx-events.min.js).
(() => {
  if (!window.pjx || pjx.events) return;
  pjx.events = true;
  const D = document;

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
})();
