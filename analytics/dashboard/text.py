"""Text from outside (the URL, the API, a user) shown as text, never as markdown or HTML.

Streamlit renders the body of st.toast, st.error, st.caption, st.info... as markdown: a link
or an image in a URL parameter or an API error message would become a clickable link or a
remote image. `plain` escapes every character markdown (and Streamlit's `:icon:`/`:color[]`
extensions) gives a meaning, so the text shows exactly as it was written.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark.
_MARKUP = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=\"'^])")


def plain(text: object) -> str:
    """`text` escaped so that markdown shows it literally (newlines become spaces)."""
    flat = " ".join(str(text).split())
    return _MARKUP.sub(r"\\\1", flat)


def hover_safe(text: object) -> str:
    """`text` for Plotly labels and hover text (which allow some HTML): tags shown as text."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
