"""Plain-text tables for a terminal: figures exactly as the API sends them.

A suppressed count stays the string the API gave ("<5", "<10"); a complementary hidden
cell (JSON null) is shown as a dash and explained under the table, never as 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

HIDDEN = "–"
HIDDEN_NOTE = (
    f"{HIDDEN} = niet getoond: te weinig mensen, of verborgen zodat een kleine groep niet "
    "terug te rekenen is."
)
TITLE_WIDTH = 48


def cell(value: Any) -> str:
    """One figure as text; booleans in Dutch, floats as the API rounded them."""
    if value is None:
        return HIDDEN
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return str(value)


def shorten(text: str, width: int = TITLE_WIDTH) -> str:
    """A title that fits a column; the id beside it says which one it is."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _numeric(text: str) -> bool:
    return text == HIDDEN or text.lstrip("<-").replace(".", "", 1).isdigit()


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns padded to their widest cell; figures right-aligned, text left-aligned."""
    texts = [[cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in texts]) for i, h in enumerate(headers)]
    numeric = [all(_numeric(r[i]) for r in texts) and bool(texts) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in texts)
    return "\n".join(out)


def has_hidden(rows: Sequence[Sequence[Any]]) -> bool:
    """Whether a table needs the note that explains the dash."""
    return any(v is None for row in rows for v in row)
