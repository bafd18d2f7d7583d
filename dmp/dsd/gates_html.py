"""An HTML page of a system's gates: the rows of gates.tsv, each with the drawing of its complex's shape.

Self-contained by default (each shape's SVG is embedded once, as a CSS background image that
every row of that shape reuses), so that the page survives being copied into a Snakemake
report; with `svg_dir` it links the SVG files written by `write_shape_diagrams` instead.
"""

from __future__ import annotations

import base64
import html
import os
import re
from pathlib import Path

from dmp.dsd.diagram import ShapeIndex, shape_index, shape_svgs
from dmp.dsd.model import DSDSystem
from dmp.errors import DmpError
from dmp.fileio import read_tsv, write_text

_MAX_WIDTH = 520.0  # px: wider drawings are scaled down to this width
_SIZE = re.compile(r'<svg [^>]*width="(?P<w>[\d.]+)" height="(?P<h>[\d.]+)"')
_CSS = (
    "body{font-family:sans-serif;font-size:13px;margin:1em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}"
    "th{background:#f0f0f0;position:sticky;top:0}.kernel,.key{font-family:monospace;font-size:11px;max-width:28em}"
    ".diagram{background-repeat:no-repeat;background-size:contain}"
)


def _size(svg: str) -> tuple[float, float]:
    match = _SIZE.search(svg)
    width, height = (float(match["w"]), float(match["h"])) if match else (_MAX_WIDTH, 120.0)
    scale = min(1.0, _MAX_WIDTH / width)
    return width * scale, height * scale


def _picture(shape_id: str, svg: str, link: str | None) -> str:
    width, height = _size(svg)
    if link is not None:
        return f'<img src="{html.escape(link)}" width="{width:.0f}" height="{height:.0f}" alt="{shape_id}">'
    return (
        f'<div class="diagram {shape_id}" style="width:{width:.0f}px;height:{height:.0f}px" title="{shape_id}"></div>'
    )


def gates_page(
    rows: list[dict[str, str]],
    index: ShapeIndex,
    svgs: dict[str, str],
    links: dict[str, str] | None = None,
    title: str = "Gates",
) -> str:
    """HTML text: a table of shapes, then one row per gates.tsv row with its shape's drawing.

    `svgs` maps shape id -> SVG text; `links` (shape id -> URL) links files instead of embedding.
    A row whose complex is not in `index` keeps its cells and has no drawing.
    """
    css = [_CSS]
    if links is None:
        for shape_id, svg in svgs.items():
            data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
            css.append(f'.{shape_id}{{background-image:url("data:image/svg+xml;base64,{data}")}}')
    link = (lambda s: None) if links is None else links.get
    out = [
        "<!DOCTYPE html>",
        f'<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>',
        f"<style>{''.join(css)}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<p>Strands are arrows from 5' to 3' (arrowhead at the 3' end); toeholds are drawn thick and orange, "
        "long domains blue; bound domains lie above each other, joined by base-pair lines. Each drawing shows a "
        "shape with generic domain names (t: toehold, d: long domain); a row's domain key names the real domains.</p>",
        f"<h2>Shapes ({len(index.shapes)})</h2>",
        "<table><tr><th>shape</th><th>complexes</th><th>kernel (generic)</th><th>diagram</th></tr>",
    ]
    for shape_id, shape in index.shapes.items():
        out.append(
            f'<tr id="{shape_id}"><td>{shape_id}</td><td>{len(index.complexes_of(shape_id))}</td>'
            f'<td class="kernel">{html.escape(shape.kernel)}</td><td>{_picture(shape_id, svgs[shape_id], link(shape_id))}</td></tr>'
        )
    out.append("</table>")
    columns = list(rows[0]) if rows else []
    out += [f"<h2>Complexes ({len(rows)})</h2>", "<table><tr>"]
    out += [f"<th>{html.escape(c)}</th>" for c in columns] + ["<th>shape</th><th>domain key</th><th>diagram</th></tr>"]
    for row in rows:
        cells = "".join(
            f"<td{' class=kernel' if c == 'kernel' else ''}>{html.escape(row.get(c) or '')}</td>" for c in columns
        )
        shape_id = index.of_complex.get(row.get("name", ""))
        if shape_id is None:
            out.append(f"<tr>{cells}<td></td><td></td><td></td></tr>")
            continue
        key = ", ".join(f"{g}={r}" for g, r in index.domain_key[row["name"]].items())
        out.append(
            f'<tr>{cells}<td><a href="#{shape_id}">{shape_id}</a></td><td class="key">{html.escape(key)}</td>'
            f"<td>{_picture(shape_id, svgs[shape_id], link(shape_id))}</td></tr>"
        )
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"


def write_gates_page(
    system: DSDSystem,
    gates_tsv: str | Path,
    out_path: str | Path,
    svg_dir: str | Path | None = None,
    toehold_max: int | None = None,
) -> dict[str, str]:
    """Write the gates page of `system` for its gates.tsv; returns {complex name: shape id}.

    svg_dir None: drawings embedded (one self-contained file). Otherwise the page links
    `<svg_dir>/<shape id>.svg` (as written by `write_shape_diagrams`) by a path relative to the page.
    """
    index = shape_index(system, toehold_max)
    svgs = shape_svgs(index)
    links = None
    if svg_dir is not None:
        relative = os.path.relpath(Path(svg_dir), Path(out_path).parent)
        links = {shape_id: f"{Path(relative).as_posix()}/{shape_id}.svg" for shape_id in index.shapes}
    title = f"Gates of the {system.scheme} system ({len(system.complexes)} complexes)"
    try:
        rows = read_tsv(gates_tsv)
    except FileNotFoundError:
        raise DmpError(f"{gates_tsv}: not found; run `dmp compile` first") from None
    write_text(out_path, gates_page(rows, index, svgs, links, title))
    return dict(index.of_complex)
