"""Gate diagrams: one SVG drawing per distinct complex shape of a DSD system.

A shape is a complex up to renaming of its domains (lengths kept) and rotation of its strand
order: every fan-out gate with three products of a network is one shape, drawn once with
generic domain labels (t1, t2, ... for toeholds, d1, d2, ... for long domains); each complex
records its shape and which of its domains each generic label stands for.

Drawing conventions (those of DSD papers): each strand is an arrow from 5' to 3' with its
arrowhead at the 3' end; the strand with the most bound domains lies at the bottom, drawn
3'->5' from left to right, and the strands bound to it lie above it, 5'->3', each bound
domain straight above its partner with short lines for the base pairs. Single-stranded
overhangs continue beside the bound part; an overhang that would run into a neighbouring
strand is raised one lane. Toeholds are drawn thicker and in another colour.

The SVG is written as plain XML text by hand: the drawing is a few lines and labels, and a
plotting library (matplotlib's SVG backend) would add a large dependency at this point of the
workflow and write paths without the per-domain attributes (`data-strand`, `data-domain`) that
make the drawing checkable and linkable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from dmp.dsd.kernel import format_kernel, pair_table, parse_kernel
from dmp.dsd.model import Complex, DSDSystem, base_domain
from dmp.fileio import write_text

# Without a recorded toehold length, domains up to this many nt are toeholds: dmp's default
# release cutoff (dsd.enumeration.release_cutoff), the longest domain that melts off on its own.
DEFAULT_TOEHOLD_MAX = 8

# Geometry in px.
_NT_PX = 6.0  # width per nucleotide
_CHAR_PX = 7.0  # width per label character (11 px sans-serif)
_ROW = 30.0  # distance between a strand and the strand bound to it
_LANE = 24.0  # height of one raised overhang lane
_INSET = 2.0  # gap at each end of a domain, so that domain boundaries show
_KINK = 10.0  # sideways step of a raised overhang
_MARGIN = 24.0
_COLOURS = {"long": "#1f5f8b", "toehold": "#d95f02"}
_STYLE = (
    ".backbone{fill:none;stroke:#888;stroke-width:1.5}"
    ".domain{stroke-linecap:butt}.long{stroke:#1f5f8b;stroke-width:4}.toehold{stroke:#d95f02;stroke-width:7}"
    ".bp{stroke:#999;stroke-width:1}.pair-link{stroke:#999;stroke-width:1;stroke-dasharray:3 3;fill:none}"
    "text{font-family:sans-serif;font-size:11px}.label{text-anchor:middle}.end{font-size:9px;fill:#555}"
    ".legend{font-size:10px;fill:#333}"
)


# ------------------------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class Shape:
    """A complex shape: generic strands and structure, generic domain lengths, toehold labels."""

    strands: tuple[tuple[str, ...], ...]
    structure: tuple[tuple[str, ...], ...]
    lengths: tuple[tuple[str, int], ...]  # (generic base label, nt), in label order
    kernel: str  # generic kernel notation (the shape's key)

    @property
    def toeholds(self) -> set[str]:
        return {label for label, _ in self.lengths if label.startswith("t")}


@dataclass
class ShapeIndex:
    """Shapes of a system by id, and for each complex its shape id and generic->real domain names."""

    shapes: dict[str, Shape] = field(default_factory=dict)
    of_complex: dict[str, str] = field(default_factory=dict)
    domain_key: dict[str, dict[str, str]] = field(default_factory=dict)  # complex -> {generic: real base}

    def complexes_of(self, shape_id: str) -> list[str]:
        return [name for name, s in self.of_complex.items() if s == shape_id]


def toehold_domains(system: DSDSystem, max_length: int | None = None) -> set[str]:
    """Base domains counted as toeholds: at most `max_length` nt (default: the system's toehold length)."""
    if max_length is None:
        max_length = int(system.meta.get("toehold_length", DEFAULT_TOEHOLD_MAX))  # type: ignore[call-overload]
    return {name for name, length in system.domains.items() if length <= max_length}


def complex_shape(cplx: Complex, lengths: Mapping[str, int], toeholds: set[str]) -> tuple[Shape, dict[str, str]]:
    """The shape of a complex and the map generic label -> real base domain.

    Over every rotation of the strand order, domains are renamed in order of first appearance
    (t1, t2, ... toeholds; d1, d2, ... others) and the smallest generic kernel is the shape.
    Domain lengths are part of the key, so equal kernels mean equal drawings.
    """
    strands, pairs = parse_kernel(cplx.kernel)
    sizes = [len(s) for s in strands]
    total, offset, best = sum(sizes), 0, None
    for k in range(len(strands)):
        rotated = strands[k:] + strands[:k]
        moved = [((i - offset) % total, (j - offset) % total) for i, j in pairs]
        offset += sizes[k]
        key: dict[str, str] = {}
        renamed = [[_generic(d, key, lengths, toeholds) for d in s] for s in rotated]
        kernel = format_kernel(renamed, moved)
        label_lengths = tuple((label, int(lengths[real])) for real, label in key.items())
        candidate = (kernel, label_lengths, renamed, moved, key)
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    assert best is not None
    kernel, label_lengths, renamed, moved, key = best
    structure = _structure(renamed, moved)
    shape = Shape(tuple(map(tuple, renamed)), structure, label_lengths, kernel)
    return shape, {label: real for real, label in key.items()}


def _generic(domain: str, key: dict[str, str], lengths: Mapping[str, int], toeholds: set[str]) -> str:
    base = base_domain(domain)
    if base not in key:
        kind = "t" if base in toeholds else "d"
        key[base] = f"{kind}{sum(v.startswith(kind) for v in key.values()) + 1}"
    return key[base] + ("*" if domain.endswith("*") else "")


def _structure(strands: list[list[str]], pairs: list[tuple[int, int]]) -> tuple[tuple[str, ...], ...]:
    symbol = {}
    for i, j in pairs:
        symbol[min(i, j)], symbol[max(i, j)] = "(", ")"
    out, position = [], 0
    for strand in strands:
        out.append(tuple(symbol.get(position + k, ".") for k in range(len(strand))))
        position += len(strand)
    return tuple(out)


def shape_index(system: DSDSystem, toehold_max: int | None = None) -> ShapeIndex:
    """Group the system's complexes by shape; shape ids `shape01`, ... in order of first appearance."""
    toeholds = toehold_domains(system, toehold_max)
    index = ShapeIndex()
    ids: dict[str, str] = {}
    for cplx in system.complexes.values():
        shape, key = complex_shape(cplx, system.domains, toeholds)
        shape_id = ids.setdefault(shape.kernel + repr(shape.lengths), f"shape{len(ids) + 1:02d}")
        index.shapes.setdefault(shape_id, shape)
        index.of_complex[cplx.name] = shape_id
        index.domain_key[cplx.name] = key
    return index


# ------------------------------------------------------------------------------------------- layout


@dataclass
class _Strand:
    orientation: int  # +1: 5'->3' drawn left to right; -1: right to left
    level: int  # 0 bottom, 1 bound to the bottom strand, ...
    x: list[float]  # left edge of each domain, 5'->3' order
    anchored: list[bool]  # drawn straight above/below its partner
    lane: list[int] = field(default_factory=list)  # raised lanes of each domain (0 = on the strand's row)


def _place(widths: list[float], orientation: int, fixed: dict[int, float]) -> list[float]:
    """Left edges of a strand's domains: `fixed` ones as given, the others contiguous beside them."""
    order = list(range(len(widths))) if orientation > 0 else list(range(len(widths)))[::-1]  # left to right
    x: dict[int, float] = dict(fixed)
    if not x:
        x[order[0]] = 0.0
    first = next(p for p, i in enumerate(order) if i in x)
    for p in range(first + 1, len(order)):  # rightwards from the first fixed domain
        i, prev = order[p], order[p - 1]
        if i not in x:
            x[i] = x[prev] + widths[prev]
    for p in range(first - 1, -1, -1):  # leftwards
        i, nxt = order[p], order[p + 1]
        x[i] = x[nxt] - widths[i]
    return [x[i] for i in range(len(widths))]


def _layout(strands: Sequence[Sequence[str]], pairs: dict, widths: list[list[float]]) -> list[_Strand]:  # type: ignore[type-arg]
    n = len(strands)
    bound = [sum((k, i) in pairs and pairs[(k, i)][0] != k for i in range(len(s))) for k, s in enumerate(strands)]
    # The bottom strand: most bound domains, then fewest single-stranded ones (a gate's template
    # strand rather than an output strand with a long overhang), then the last one listed.
    base = max(range(n), key=lambda k: (bound[k], bound[k] - len(strands[k]), k))
    placed: dict[int, _Strand] = {base: _Strand(-1, 0, _place(widths[base], -1, {}), [False] * len(strands[base]))}
    queue = [base]
    while len(placed) < n:
        while queue:
            p = queue.pop(0)
            parent = placed[p]
            for child in dict.fromkeys(pairs[(p, i)][0] for i in range(len(strands[p])) if (p, i) in pairs):
                if child in placed:
                    continue
                fixed = {
                    j: parent.x[pairs[(child, j)][1]]
                    for j in range(len(strands[child]))
                    if pairs.get((child, j), (None,))[0] == p
                }
                x = _place(widths[child], -parent.orientation, fixed)
                anchored = [j in fixed for j in range(len(strands[child]))]
                placed[child] = _Strand(-parent.orientation, parent.level + 1, x, anchored)
                queue.append(child)
        if len(placed) < n:  # a strand no pair reaches: a row of its own above the others
            loose = next(k for k in range(n) if k not in placed)
            top = max(s.level for s in placed.values()) + 1
            placed[loose] = _Strand(1, top, _place(widths[loose], 1, {}), [False] * len(strands[loose]))
            queue.append(loose)
    layout = [placed[k] for k in range(n)]
    _raise_overhangs(layout, widths)
    return layout


def _raise_overhangs(layout: list[_Strand], widths: list[list[float]]) -> None:
    """Give each run of unanchored domains (above the bottom row) the lowest lane where it hits nothing."""
    occupied: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for k, strand in enumerate(layout):
        strand.lane = [0] * len(strand.x)
        for i, x in enumerate(strand.x):
            if strand.anchored[i] or strand.level == 0:
                occupied.setdefault((strand.level, 0), []).append((x, x + widths[k][i]))
    for k, strand in enumerate(layout):
        if strand.level == 0 or not any(strand.anchored):
            continue
        fixed = [x for x, a in zip(strand.x, strand.anchored, strict=True) if a]
        for run in _runs([not a for a in strand.anchored]):
            left = min(strand.x[i] for i in run)
            right = max(strand.x[i] + widths[k][i] for i in run)
            # A raised end overhang also moves a little outwards, so that its kink shows.
            side = 1 if left >= max(fixed) else -1 if right <= min(fixed) else 0
            lane = 0
            while any(
                a < right + _kink(lane, side) - 0.5 and left + _kink(lane, side) + 0.5 < b
                for a, b in occupied.get((strand.level, lane), [])
            ):
                lane += 1
            occupied.setdefault((strand.level, lane), []).append((left + _kink(lane, side), right + _kink(lane, side)))
            for i in run:
                strand.lane[i] = lane
                strand.x[i] += _kink(lane, side)


def _kink(lane: int, side: int) -> float:
    return _KINK * side if lane else 0.0


def _runs(flags: list[bool]) -> list[list[int]]:
    """Maximal runs of consecutive indices whose flag is set."""
    runs: list[list[int]] = []
    for i, flag in enumerate(flags):
        if flag and runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        elif flag:
            runs.append([i])
    return runs


# ------------------------------------------------------------------------------------------- SVG


def _domain_widths(strands: Sequence[Sequence[str]], lengths: Mapping[str, int]) -> dict[str, float]:
    """One width per base domain (so partners match): its length, or more if its label needs it."""
    widths: dict[str, float] = {}
    for domain in (d for s in strands for d in s):
        base = base_domain(domain)
        need = max(_NT_PX * lengths[base], _CHAR_PX * (len(base) + 1) + 2 * _INSET + 4)
        widths[base] = max(widths.get(base, 0.0), need)
    return widths


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def draw_complex(
    strands: Sequence[Sequence[str]],
    structure: Sequence[Sequence[str]],
    lengths: Mapping[str, int],
    toeholds: set[str],
    title: str = "",
) -> str:
    """SVG text of one complex: strands as 5'->3' arrows, labelled domains, bound domains paired.

    `lengths` gives each base domain's length in nt, `toeholds` the base domains drawn as toeholds.
    Each domain is a `<line class="domain toehold|long" data-strand=K data-index=I data-domain=NAME>`
    running from its 5' side (x1, y1) to its 3' side (x2, y2).
    """
    base_widths = _domain_widths(strands, lengths)
    widths = [[base_widths[base_domain(d)] for d in s] for s in strands]
    pairs = pair_table(structure)
    layout = _layout(strands, pairs, widths)
    levels = max(s.level for s in layout) + 1
    row_y = [0.0] * levels
    for level in range(1, levels):
        below = max((max(s.lane, default=0) for s in layout if s.level == level - 1), default=0)
        row_y[level] = row_y[level - 1] - _ROW - _LANE * below
    ends: dict[tuple[int, int], tuple[float, float, float, float]] = {}  # (5' x, 5' y, 3' x, 3' y)
    for k, strand in enumerate(layout):
        for i, x in enumerate(strand.x):
            y = row_y[strand.level] - _LANE * strand.lane[i]
            left, right = x + _INSET, x + widths[k][i] - _INSET
            ends[(k, i)] = (left, y, right, y) if strand.orientation > 0 else (right, y, left, y)
    body = _strand_elements(strands, layout, ends, toeholds) + _pair_elements(pairs, layout, ends)
    xs = [v for e in ends.values() for v in (e[0], e[2])]
    ys = [v for e in ends.values() for v in (e[1], e[3])]
    x0, x1 = min(xs) - _MARGIN, max(xs) + _MARGIN
    y0, y1 = min(ys) - _MARGIN, max(ys) + _MARGIN + 12
    body += _legend(x0 + 8, y1 + 4)
    height = y1 - y0 + 22
    header = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_fmt(x1 - x0)}" height="{_fmt(height)}" '
        f'viewBox="{_fmt(x0)} {_fmt(y0)} {_fmt(x1 - x0)} {_fmt(height)}">'
    )
    marker = (
        '<defs><marker id="arrow3" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>'
    )
    lines = [header, f"<title>{escape(title)}</title>" if title else "", f"<style>{_STYLE}</style>", marker]
    return "\n".join(line for line in [*lines, *body, "</svg>"] if line) + "\n"


def _strand_elements(strands, layout, ends, toeholds) -> list[str]:  # noqa: ANN001
    out = []
    for k, strand in enumerate(layout):
        points = " ".join(
            f"{_fmt(e[0])},{_fmt(e[1])} {_fmt(e[2])},{_fmt(e[3])}" for e in (ends[(k, i)] for i in range(len(strand.x)))
        )
        out.append(f'<g class="strand" data-strand="{k}">')
        out.append(f'<polyline class="backbone" points="{points}" marker-end="url(#arrow3)"/>')
        for i, domain in enumerate(strands[k]):
            x5, y5, x3, y3 = ends[(k, i)]
            kind = "toehold" if base_domain(domain) in toeholds else "long"
            out.append(
                f'<line class="domain {kind}" data-strand="{k}" data-index="{i}" data-domain={quoteattr(domain)} '
                f'x1="{_fmt(x5)}" y1="{_fmt(y5)}" x2="{_fmt(x3)}" y2="{_fmt(y3)}"/>'
            )
            label_y = y5 + 15 if strand.level == 0 else y5 - 7
            out.append(
                f'<text class="label" data-strand="{k}" data-index="{i}" x="{_fmt((x5 + x3) / 2)}" '
                f'y="{_fmt(label_y)}">{escape(domain)}</text>'
            )
        x5, y5 = ends[(k, 0)][:2]
        x = x5 - 4 * strand.orientation
        span = (x - 12, x) if strand.orientation > 0 else (x, x + 12)
        crowded = any(
            abs(e[1] - y5) < 1 and min(e[0], e[2]) - 4 < span[1] and span[0] < max(e[0], e[2]) + 4
            for (m, _), e in ends.items()
            if m != k
        )
        if not crowded:  # the 5' mark beside the strand's first domain, where another strand leaves room
            anchor = "end" if strand.orientation > 0 else "start"
            out.append(f'<text class="end" x="{_fmt(x)}" y="{_fmt(y5 + 3)}" text-anchor="{anchor}">5\'</text>')
        out.append("</g>")
    return out


def _pair_elements(pairs, layout, ends) -> list[str]:  # noqa: ANN001
    """Base-pair ticks between aligned partners; a dashed link for any other pair (hairpins)."""
    out = ['<g class="pairs">']
    for (k, i), (m, j) in sorted(pairs.items()):
        if (k, i) > (m, j):
            continue
        a, b = ends[(k, i)], ends[(m, j)]
        left, right = min(a[0], a[2]), max(a[0], a[2])
        aligned = abs(layout[k].level - layout[m].level) == 1 and (left, right) == (min(b[0], b[2]), max(b[0], b[2]))
        if aligned:
            ticks = max(2, int((right - left) // 7))
            for t in range(ticks):
                x = _fmt(left + (right - left) * (t + 0.5) / ticks)
                out.append(f'<line class="bp" x1="{x}" y1="{_fmt(a[1])}" x2="{x}" y2="{_fmt(b[1])}"/>')
        else:
            cx = (a[0] + a[2] + b[0] + b[2]) / 4
            out.append(
                f'<path class="pair-link" d="M{_fmt((a[0] + a[2]) / 2)},{_fmt(a[1])} Q{_fmt(cx)},'
                f'{_fmt(min(a[1], b[1]) - _ROW)} {_fmt((b[0] + b[2]) / 2)},{_fmt(b[1])}"/>'
            )
    out.append("</g>")
    return out


def _legend(x: float, y: float) -> list[str]:
    out = ['<g class="legend">']
    for k, (kind, text) in enumerate((("toehold", "toehold"), ("long", "long domain"))):
        left = x + 110 * k
        out.append(
            f'<line class="domain {kind} key" x1="{_fmt(left)}" y1="{_fmt(y)}" x2="{_fmt(left + 22)}" y2="{_fmt(y)}"/>'
        )
        out.append(f'<text class="legend" x="{_fmt(left + 27)}" y="{_fmt(y + 4)}">{text}</text>')
    out.append(f'<text class="legend" x="{_fmt(x + 220)}" y="{_fmt(y + 4)}">arrowhead: 3\' end</text>')
    out.append("</g>")
    return out


def draw_shape(shape: Shape, title: str = "") -> str:
    """SVG of a shape with its generic labels."""
    return draw_complex(shape.strands, shape.structure, dict(shape.lengths), shape.toeholds, title or shape.kernel)


def shape_svgs(index: ShapeIndex) -> dict[str, str]:
    """SVG text of every shape of an index, titled with its id, its number of complexes and its kernel."""
    svgs = {}
    for shape_id, shape in index.shapes.items():
        count = len(index.complexes_of(shape_id))
        title = f"{shape_id} ({count} complex{'es' if count != 1 else ''}): {shape.kernel}"
        svgs[shape_id] = draw_shape(shape, title)
    return svgs


def write_shape_diagrams(system: DSDSystem, out_dir: str | Path, toehold_max: int | None = None) -> dict[str, str]:
    """Write `<shape id>.svg` for every distinct complex shape into `out_dir`; returns {complex name: file name}."""
    index = shape_index(system, toehold_max)
    for shape_id, svg in shape_svgs(index).items():
        write_text(Path(out_dir) / f"{shape_id}.svg", svg)
    return {name: f"{shape_id}.svg" for name, shape_id in index.of_complex.items()}
