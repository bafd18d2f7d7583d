"""Summary tables as a small self-contained HTML page (Snakemake's report shows HTML inline)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dmp.fileio import write_text

_STYLE = (
    "body{font-family:sans-serif;font-size:13px;margin:1em}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em 0}"
    "th,td{border:1px solid #bbb;padding:3px 8px;text-align:right}"
    "th{background:#eee}td:first-child,th:first-child{text-align:left}"
)


def cell(value: Any) -> str:
    """A table cell: floats with 4 significant digits, None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:.4g}"
    return str(value)


def write_tables(
    path: str | Path, title: str, sections: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]], notes=()
) -> None:
    """Write an HTML page with one table per (heading, header, rows) section and notes as paragraphs."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"]
    parts.append(f"<style>{_STYLE}</style></head><body><h2>{html.escape(title)}</h2>")
    for heading, header, rows in sections:
        parts.append(f"<h3>{html.escape(heading)}</h3><table><tr>")
        parts.extend(f"<th>{html.escape(str(h))}</th>" for h in header)
        parts.append("</tr>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>")
        parts.append("</table>")
    parts.extend(f"<p>{html.escape(note)}</p>" for note in notes)
    parts.append("</body></html>\n")
    write_text(path, "".join(parts))
