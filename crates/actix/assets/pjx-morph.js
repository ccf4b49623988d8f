// pjx morph glue: a region's out-of-band update morphs the region in place instead of
// replacing it, so focus, caret, scroll positions, open <details> and the text being typed
// survive. htmx 2 morphs with idiomorph (loaded before this file); htmx 4 with its own
// outerMorph. An optional part of pjx.js, loaded by pages with regions; served by pjx-actix.
(() => {
  const D = document, V4 = typeof PJX_V4 < "u" ? PJX_V4 : /^4/.test(htmx.version), TMP = "pjx-morph-";
  if (!window.pjx || pjx.morph || !(V4 || window.Idiomorph)) return;
  // Both morphs match elements across the old and new trees by id: a region without one gets
  // a temporary id made of its data-pjx-id for the swap, so keyed rows keep their elements
  // when an update reorders them.
  const tag = (root) => {
    for (const el of root.querySelectorAll("[data-pjx-id]")) if (!el.id) el.id = TMP + el.dataset.pjxId;
    if (root.dataset && root.dataset.pjxId != null && !root.id) root.id = TMP + root.dataset.pjxId;
  };
  const untag = () => { for (const el of D.querySelectorAll(`[id^="${TMP}"]`)) el.removeAttribute("id"); };
  // A region morphs unless its old or new root says data-pjx-morph="false".
  const morphs = (old, el) => el && old.matches("[data-pjx-id]")
    && old.dataset.pjxMorph !== "false" && el.getAttribute("data-pjx-morph") !== "false";
  // The focused field keeps what the user typed, unless the update answers a request sent
  // from that same form or region (a successful submit still clears its own form).
  const own = (src) => {
    const a = D.activeElement, f = a && a !== D.body && (a.form || a.closest("[data-pjx-id]"));
    return !!(f && src && src.nodeType === 1 && (f.contains(src) || src.contains(f)));
  };
  // An open <details> stays open (the server renders them closed; the user opened it).
  const kept = (el, attr, gone) => gone && attr === "open" && el.tagName === "DETAILS";
  if (V4) {
    let morphed = [];
    htmx.registerExtension("pjx-morph", {
      htmx_before_swap: (_, d) => {
        for (const t of d.tasks || []) {
          if (t.type !== "oob" || t.swapSpec.style !== "outerHTML" || !morphs(t.target, t.fragment.firstElementChild)) continue;
          t.swapSpec.style = "outerMorph";
          tag(t.target); tag(t.fragment);
          morphed.push(t.target);
        }
        d.ctx.pjxOwn = own(d.ctx.sourceElement);
      },
      htmx_before_morph_attr: (el, d) => !kept(el, d.attrName, d.newValue == null),
      htmx_finally_swap: (_, d) => {
        if (!morphed.length) return;
        // htmx 4 never overwrites the focused field's value: an answer to its own request does.
        const a = D.activeElement;
        if (d.ctx.pjxOwn && a && "defaultValue" in a && morphed.some((t) => t.contains(a))) a.value = a.defaultValue;
        morphed = [];
        untag();
      },
    });
  } else {
    let src = null;
    D.addEventListener("htmx:beforeSwap", (e) => { src = e.detail.elt; });
    D.addEventListener("htmx:oobBeforeSwap", (e) => {
      const d = e.detail, t = d.target, el = d.fragment.firstElementChild;
      if (!morphs(t, el)) return;
      d.shouldSwap = false;
      tag(t); tag(d.fragment);
      const nodes = Idiomorph.morph(t, el, {
        morphStyle: "outerHTML", ignoreActiveValue: !own(src), restoreFocus: true,
        callbacks: { beforeAttributeUpdated: (attr, el, how) => !kept(el, attr, how === "remove") },
      });
      untag();
      for (const n of nodes || []) if (n.nodeType === 1) { htmx.process(n); htmx.trigger(n, "htmx:oobAfterSwap", d); }
    });
  }
  pjx.morph = true;
})();
