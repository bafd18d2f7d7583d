"""Gate diagrams: the SVG drawn for a complex, checked against the complex; shapes up to domain renaming."""

import itertools
import xml.etree.ElementTree as ET

import pytest
from conftest import SMALL_NETWORK_CRN, settings

from dmp.crn.io import parse_crn
from dmp.dsd.compiler import compile_crn
from dmp.dsd.diagram import complex_shape, draw_complex, shape_index, toehold_domains, write_shape_diagrams
from dmp.dsd.kernel import structure_of
from dmp.dsd.model import Complex, complement

SVG = "{http://www.w3.org/2000/svg}"


def pairs_of(structure):
    """Base pairs ((strand, index), (strand, index)) of a dot-bracket structure, by a plain stack."""
    stack, pairs = [], []
    for k, part in enumerate(structure):
        for i, symbol in enumerate(part):
            if symbol == "(":
                stack.append((k, i))
            elif symbol == ")":
                pairs.append((stack.pop(), (k, i)))
    return pairs


def parse_drawing(svg_text):
    root = ET.fromstring(svg_text)
    strands = root.findall(f"{SVG}g[@class='strand']")
    domains = {}
    labels = {}
    for line in root.iter(f"{SVG}line"):
        if "domain" in line.get("class", "").split() and line.get("data-strand") is not None:
            key = (int(line.get("data-strand")), int(line.get("data-index")))
            domains[key] = line
    for text in root.iter(f"{SVG}text"):
        if text.get("class") == "label":
            labels[(int(text.get("data-strand")), int(text.get("data-index")))] = text
    return root, strands, domains, labels


def coords(line):
    return tuple(float(line.get(a)) for a in ("x1", "y1", "x2", "y2"))


def check_drawing(svg_text, strands, structure, toeholds):
    """The drawing against the complex it draws (strands, structure, toehold base domains)."""
    root, groups, domains, labels = parse_drawing(svg_text)
    # One arrow per strand, its arrowhead on the last point (the 3' end of the last domain).
    assert len(groups) == len(strands)
    for k, strand in enumerate(strands):
        group = next(g for g in groups if g.get("data-strand") == str(k))
        (polyline,) = group.findall(f"{SVG}polyline")
        assert polyline.get("marker-end") == "url(#arrow3)"
        points = [tuple(map(float, p.split(","))) for p in polyline.get("points").split()]
        drawn = [coords(domains[(k, i)]) for i in range(len(strand))]
        assert points == [p for x1, y1, x2, y2 in drawn for p in ((x1, y1), (x2, y2))]
        # Every domain labelled, in 5'->3' order, and drawn running the same way along the strand.
        assert [domains[(k, i)].get("data-domain") for i in range(len(strand))] == list(strand)
        assert [labels[(k, i)].text for i in range(len(strand))] == list(strand)
        direction = {(x2 > x1) - (x2 < x1) for x1, _, x2, _ in drawn}
        assert len(direction) == 1
        step = direction.pop()
        assert all(step * (b[0] - a[2]) >= -1e-9 for a, b in itertools.pairwise(drawn))
        # Labels sit at their domain.
        for i in range(len(strand)):
            x1, _, x2, _ = drawn[i]
            assert min(x1, x2) <= float(labels[(k, i)].get("x")) <= max(x1, x2)
    # Bound domains: complementary, same x-range, on different rows.
    for (k, i), (m, j) in pairs_of(structure):
        assert strands[m][j] == complement(strands[k][i])
        a, b = coords(domains[(k, i)]), coords(domains[(m, j)])
        assert sorted((a[0], a[2])) == pytest.approx(sorted((b[0], b[2])))
        assert a[1] != b[1]
    # Toeholds marked.
    for (k, i), line in domains.items():
        kind = "toehold" if strands[k][i].rstrip("*") in toeholds else "long"
        assert line.get("class").split() == ["domain", kind]
    style = root.find(f"{SVG}style").text
    assert ".toehold{stroke:#d95f02;stroke-width:7}" in style and ".long{stroke:#1f5f8b;stroke-width:4}" in style


def test_drawing_of_a_translator_gate_matches_the_complex():
    """Soloveichik's translator for A -> B + C: three strands, overhangs that run into the next strand."""
    system = compile_crn(parse_crn("A -> B + C"), "soloveichik2010", settings("dsd")).system
    gate = system.complexes["fr0_T"]
    assert len(gate.strands) == 3
    toeholds = toehold_domains(system)
    assert toeholds == {d for d, n in system.domains.items() if n == 7}
    svg = draw_complex(gate.strands, gate.structure, system.domains, toeholds, gate.kernel)
    check_drawing(svg, gate.strands, gate.structure, toeholds)
    # The unbound overhang of the first product strand is raised above the second strand's bound part.
    _, _, domains, _ = parse_drawing(svg)
    first = [coords(domains[(0, i)])[1] for i in range(4)]
    assert first[0] == first[1] and first[2] < first[1]


@pytest.mark.parametrize("name", ["fr0_L", "fr1_L", "fr1_B0", "X0p"])
def test_drawings_of_other_complexes_match(name):
    system = compile_crn(parse_crn("X0p -> Z0p + Z1m + Yp; A0 + Z0m -> H0m"), "soloveichik2010", settings("dsd")).system
    cplx = system.complexes[name]
    toeholds = toehold_domains(system)
    check_drawing(
        draw_complex(cplx.strands, cplx.structure, system.domains, toeholds), cplx.strands, cplx.structure, toeholds
    )


def test_unusual_structures_still_draw_every_strand():
    # A hairpin (pairs within one strand) and a bulge: drawn with a dashed link / a raised loop.
    for kernel in ("a( b c( d e ) ) f + g( + )", "a( b( + ) e )"):
        strands, structure = structure_of(kernel)
        lengths = {d.rstrip("*"): 7 if d.rstrip("*") in "bd" else 15 for s in strands for d in s}
        svg = draw_complex(strands, structure, lengths, {"b", "d"})
        _, groups, domains, labels = parse_drawing(svg)
        assert len(groups) == len(strands) and len(domains) == len(labels) == sum(map(len, strands))


def test_shape_svg_with_its_domain_key_draws_the_complex(tmp_path):
    system = compile_crn(parse_crn("A + B -> C + D"), "soloveichik2010", settings("dsd")).system
    files = write_shape_diagrams(system, tmp_path)
    assert set(files) == set(system.complexes)
    index = shape_index(system)
    gate = system.complexes["fr0_L"]
    assert files["fr0_L"] == f"{index.of_complex['fr0_L']}.svg"
    shape = index.shapes[index.of_complex["fr0_L"]]
    svg = (tmp_path / files["fr0_L"]).read_text()
    check_drawing(svg, shape.strands, shape.structure, shape.toeholds)
    # Generic labels mapped back through the complex's key give its strands (in some rotation).
    key = index.domain_key["fr0_L"]
    real = [tuple(key[d.rstrip("*")] + ("*" if d.endswith("*") else "") for d in s) for s in shape.strands]
    n = len(real)
    assert any(tuple(real[k:] + real[:k]) == gate.strands for k in range(n))
    assert {
        index.shapes[s].toeholds == {g for g, r in index.domain_key[c].items() if system.domains[r] == 7}
        for c, s in index.of_complex.items()
    } == {True}


def isomorphic(a: Complex, b: Complex, lengths) -> bool:
    """Independent oracle: some strand rotation and a length-keeping bijection of base domains maps a onto b."""
    if len(a.strands) != len(b.strands):
        return False
    n = len(a.strands)
    for k in range(n):
        strands = a.strands[k:] + a.strands[:k]
        if [len(s) for s in strands] != [len(s) for s in b.strands]:
            continue
        mapping, ok = {}, True
        for x, y in zip((d for s in strands for d in s), (d for s in b.strands for d in s), strict=True):
            bx, by = x.rstrip("*"), y.rstrip("*")
            if x.endswith("*") != y.endswith("*") or lengths[bx] != lengths[by] or mapping.setdefault(bx, by) != by:
                ok = False
                break
        ok = ok and len(set(mapping.values())) == len(mapping)
        if ok and pairs_of(a.structure[k:] + a.structure[:k]) == pairs_of(b.structure):
            return True
    return False


def test_isomorphic_complexes_share_a_shape_and_others_do_not():
    system = compile_crn(parse_crn(SMALL_NETWORK_CRN), "soloveichik2010", settings("dsd", max_products=4)).system
    index = shape_index(system)
    assert 1 < len(index.shapes) < len(system.complexes)
    names = list(system.complexes)
    for a, b in itertools.combinations(names, 2):
        same = isomorphic(system.complexes[a], system.complexes[b], system.domains)
        assert same == (index.of_complex[a] == index.of_complex[b]), (a, b)
    # Every signal strand is one shape; the two unimolecular gates with 4 products are one shape.
    assert len({index.of_complex[c.name] for c in system.complexes.values() if c.role == "signal"}) == 1


def test_shape_ignores_names_and_strand_rotation_but_not_structure_or_lengths():
    lengths = {"a": 15, "b": 7, "c": 15, "x": 15, "y": 7, "z": 15, "u": 7}
    toeholds = {"b", "y", "u"}

    def shape(kernel):
        strands, structure = structure_of(kernel)
        cplx = Complex("c", tuple(map(tuple, strands)), tuple(map(tuple, structure)), "fuel")
        return complex_shape(cplx, lengths, toeholds)[0].kernel

    gate = shape("a( b( + c ) ) b*")
    assert shape("x( y( + z ) ) y*") == gate  # renamed
    assert shape("c b*( a*( b* + ) )") == gate  # same complex, strands listed from the other one
    assert shape("a( b + c ) b*") != gate  # b unbound: another structure
    assert shape("a( u( + c ) ) u*") == gate  # toehold renamed to a toehold
    assert shape("b( a( + c ) ) a*") != gate  # toehold and long domain swapped


def test_gates_page_links_every_gates_tsv_row_to_its_shape(tmp_path):
    import base64
    import re
    from html.parser import HTMLParser

    from dmp.dsd.diagram import shape_svgs
    from dmp.dsd.gates_html import write_gates_page
    from dmp.dsd.tables import write_tables
    from dmp.fileio import read_tsv

    system = compile_crn(parse_crn(SMALL_NETWORK_CRN), "soloveichik2010", settings("dsd", max_products=4)).system
    write_tables(system, tmp_path, {})
    rows = read_tsv(tmp_path / "gates.tsv")
    shapes = write_gates_page(system, tmp_path / "gates.tsv", tmp_path / "gates.html")
    index = shape_index(system)
    assert shapes == index.of_complex

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cells, self.open = [], None, 0

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.cells = []
            elif tag == "td":
                self.cells.append("")
                self.open += 1
            elif tag == "div" and self.cells is not None:
                self.cells[-1] += dict(attrs)["class"]

        def handle_endtag(self, tag):
            if tag == "tr" and self.cells:
                self.rows.append(self.cells)
            elif tag == "td":
                self.open -= 1

        def handle_data(self, data):
            if self.open and self.cells:
                self.cells[-1] += data

    text = (tmp_path / "gates.html").read_text()
    parser = Rows()
    parser.feed(text)
    table = parser.rows[len(index.shapes) :]  # the shapes table comes first
    assert len(table) == len(rows)
    for row, cells in zip(rows, table, strict=True):
        assert cells[0] == row["name"]
        assert cells[-3] == index.of_complex[row["name"]]
        assert cells[-1] == f"diagram {index.of_complex[row['name']]}"
    # Each shape embedded once, as the SVG the folder version writes.
    svgs = shape_svgs(index)
    for shape_id, svg in svgs.items():
        (data,) = re.findall(rf'\.{shape_id}{{background-image:url\("data:image/svg\+xml;base64,([^"]+)"\)}}', text)
        assert base64.b64decode(data).decode() == svg
    # Linked version: relative links to files that exist.
    write_shape_diagrams(system, tmp_path / "shapes")
    write_gates_page(system, tmp_path / "gates.tsv", tmp_path / "page" / "gates.html", svg_dir=tmp_path / "shapes")
    links = set(re.findall(r'<img src="([^"]+)"', (tmp_path / "page" / "gates.html").read_text()))
    assert links == {f"../shapes/{s}.svg" for s in index.shapes}
    assert all((tmp_path / "page" / link).is_file() for link in links)
