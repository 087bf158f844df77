"""The page header's "Copy link" and "Print" buttons.

Streamlit has no clipboard API, so this is a few lines of the app's own JavaScript in the page
(st.html with scripts allowed; no iframe, so `location` is the page's own). The link is the
page's URL, whose query parameters carry only filters (never an identifier or a secret). Where
the browser refuses the clipboard (a plain-HTTP address, a denied permission) the link shows in a
text field, selected, to copy by hand.
"""

from __future__ import annotations

import streamlit as st

COPIED = "Link copied"
COPY_BY_HAND = "Copy this link:"

_BAR = """
<style>
.share-bar { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.share-bar button {
  font: inherit; font-size: .875rem; line-height: 1.4; padding: .25rem .75rem;
  min-height: 2rem; border-radius: .5rem; border: 1px solid rgba(49, 51, 63, .2);
  background: transparent; color: inherit; cursor: pointer;
}
.share-bar svg { width: 1.1em; height: 1.1em; vertical-align: -.2em; fill: currentColor; }
.share-bar button:hover, .share-bar button:focus-visible { border-color: #0F62FE; color: #0F62FE; }
.share-status { font-size: .875rem; color: #198038; }
.share-url { flex: 1 1 16rem; min-width: 0; font: inherit; font-size: .8rem; padding: .25rem; }
</style>
<div class="share-bar" role="group" aria-label="Share this page">
  <button type="button" data-share="copy" title="Copy the link to this page, filters included"
    >__LINK_ICON__ Copy link</button>
  <button type="button" data-share="print" title="Print this page or save it as PDF"
    >__PRINT_ICON__ Print</button>
  <span class="share-status" role="status" aria-live="polite"></span>
  <input class="share-url" type="text" readonly hidden aria-label="Link to this page">
</div>
<script>
(() => {
  for (const bar of document.querySelectorAll(".share-bar:not([data-ready])")) {
    bar.dataset.ready = "true";
    const status = bar.querySelector(".share-status");
    const field = bar.querySelector(".share-url");
    bar.querySelector('[data-share="copy"]').addEventListener("click", async () => {
      const link = window.location.href;
      try {
        await navigator.clipboard.writeText(link);
        field.hidden = true;
        status.textContent = "__COPIED__";
        setTimeout(() => { status.textContent = ""; }, 6000);  // the URL changes with filters
      } catch (refused) {
        field.value = link;
        field.hidden = false;
        field.select();
        status.textContent = "__COPY_BY_HAND__";
      }
    });
    bar.querySelector('[data-share="print"]').addEventListener("click", () => window.print());
  }
})();
</script>
"""
# Material Symbols "link" and "print" (Apache-2.0), inline: no icon font or emoji needed.
_LINK_ICON = (
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3.9 12c0-1.71 1.39-3.1 3.1-3.1h4V7H7'
    "c-2.76 0-5 2.24-5 5s2.24 5 5 5h4v-1.9H7c-1.71 0-3.1-1.39-3.1-3.1zM8 13h8v-2H8v2zm9-6h-4v1.9h4"
    'c1.71 0 3.1 1.39 3.1 3.1s-1.39 3.1-3.1 3.1h-4V17h4c2.76 0 5-2.24 5-5s-2.24-5-5-5z"/></svg>'
)
_PRINT_ICON = (
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M19 8H5c-1.66 0-3 1.34-3 3v6h4v4h12v-4h4'
    "v-6c0-1.66-1.34-3-3-3zm-3 11H8v-5h8v5zm3-7c-.55 0-1-.45-1-1s.45-1 1-1 1 .45 1 1-.45 1-1 1zm-1"
    '-9H6v4h12V3z"/></svg>'
)
_BAR = (
    _BAR.replace("__COPIED__", COPIED)
    .replace("__COPY_BY_HAND__", COPY_BY_HAND)
    .replace("__LINK_ICON__", _LINK_ICON)
    .replace("__PRINT_ICON__", _PRINT_ICON)
)


def share_bar() -> None:
    """Copy link and Print, under the page's title (hidden when printing)."""
    st.html(_BAR, unsafe_allow_javascript=True)
