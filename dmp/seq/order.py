"""Ordering sheets for a DNA synthesis vendor: a bulk-entry CSV and 96-well plate layouts.

order_bulk.csv has the columns vendors' bulk-entry forms take (Name, Sequence, Scale,
Purification). order_plate.xlsx has one sheet per 96-well plate with the columns Well Position,
Name, Sequence, filled column by column (A1, B1, ..., H1, A2, ..., H12), the order in which
multichannel pipettes take a plate. Strands are grouped by role (signals, gate strands, fuels,
helpers) and every plate holds one role only, so a plate can be handled as one set.

Purification: strands annealed into gates, and strands longer than `long_nt`, get the gate or
long-strand purification (PAGE by default: synthesis errors accumulate with length and a
truncated gate strand leaks); all others the default (standard desalting). Strands carrying a
dye or a quencher (reporters) get `labelled_purification` (HPLC by default) and their
modifications written inline in the vendor's notation: `/56-ROXN/ACGT...` for a 5' label,
`...ACGT/3IAbRQSp/` for a 3' label (IDT's codes, see dmp.dsd.reporters).
"""

from __future__ import annotations

import datetime
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from dmp.fileio import atomic_path, write_text
from dmp.seq.model import ORDER_ROLES
from dmp.seq.settings import OrderSettings

ROWS = "ABCDEFGH"
COLUMNS = 12
WELLS = len(ROWS) * COLUMNS
BULK_HEADER = ("Name", "Sequence", "Scale", "Purification")
PLATE_HEADER = ("Well Position", "Name", "Sequence")
FIXED_TIME = datetime.datetime(2000, 1, 1)  # workbook and zip timestamps: same inputs, same bytes


@dataclass(frozen=True)
class OrderLine:
    name: str
    sequence: str
    role: str
    scale: str
    purification: str


def well_positions(count: int) -> list[str]:
    """Wells of one plate in fill order: down each column, then the next column (A1, B1, ..., H1, A2, ...)."""
    if count > WELLS:
        raise ValueError(f"a plate has {WELLS} wells, not {count}")
    return [f"{ROWS[i % len(ROWS)]}{i // len(ROWS) + 1}" for i in range(count)]


def order_lines(
    strands: list[tuple[str, str, str]], settings: OrderSettings, labels: dict[str, tuple[str, str]] | None = None
) -> list[OrderLine]:
    """(name, sequence, role) strands as order lines, grouped by role in ORDER_ROLES order, stable within a role.

    `labels` maps a strand name to its (5', 3') modification codes ('' for none).
    """
    rank = {role: k for k, role in enumerate(ORDER_ROLES)}
    labels = labels or {}
    lines = []
    for name, sequence, role in sorted(strands, key=lambda s: rank.get(s[2], len(rank))):
        five, three = labels.get(name, ("", ""))
        if five or three:
            purification = settings.labelled_purification
            sequence = f"{five}{sequence}{three}"
        elif role == "gate":
            purification = settings.gate_purification
        elif len(sequence) > settings.long_nt:
            purification = settings.long_purification
        else:
            purification = settings.purification
        lines.append(OrderLine(name, sequence, role, settings.scale, purification))
    return lines


def plates(lines: list[OrderLine]) -> list[tuple[str, list[tuple[str, OrderLine]]]]:
    """Plates of at most 96 strands, one role per plate; each plate named 'Plate N <role>'."""
    out: list[tuple[str, list[tuple[str, OrderLine]]]] = []
    by_role: dict[str, list[OrderLine]] = {}
    for line in lines:
        by_role.setdefault(line.role, []).append(line)
    for role, members in by_role.items():
        for start in range(0, len(members), WELLS):
            chunk = members[start : start + WELLS]
            out.append((f"Plate {len(out) + 1} {role}", list(zip(well_positions(len(chunk)), chunk, strict=True))))
    return out


def format_bulk(lines: list[OrderLine]) -> str:
    """CSV text (comma-separated, no quoting needed: names and sequences have no commas)."""
    rows = [",".join(BULK_HEADER)]
    for line in lines:
        for field in (line.name, line.scale, line.purification):
            if "," in field or '"' in field:
                raise ValueError(f"order field {field!r} contains a comma or quote")
        rows.append(",".join((line.name, line.sequence, line.scale, line.purification)))
    return "\n".join(rows) + "\n"


def write_order_bulk(path: str | Path, lines: list[OrderLine]) -> None:
    write_text(path, format_bulk(lines))


class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile whose members all carry one fixed timestamp (zipfile stamps the current time otherwise)."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):  # type: ignore[no-untyped-def,override]
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_TIME.timetuple()[:6])
            zinfo.compress_type = self.compression
            zinfo.external_attr = 0o600 << 16
            zinfo_or_arcname = zinfo
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):  # type: ignore[no-untyped-def,override]
        # openpyxl writes worksheets from temporary files, which would carry their own mtime
        data = Path(filename).read_bytes()
        self.writestr(arcname or Path(filename).name, data, compress_type, compresslevel)


def workbook_bytes(layout: list[tuple[str, list[tuple[str, OrderLine]]]]) -> bytes:
    """The plate workbook as .xlsx bytes, identical for identical layouts."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    book.remove(book.active)
    for title, wells in layout:
        sheet = book.create_sheet(title=title[:31])
        sheet.append(PLATE_HEADER)
        for well, line in wells:
            sheet.append((well, line.name, line.sequence))
        sheet.column_dimensions["A"].width = 14
        sheet.column_dimensions["B"].width = max([len("Name")] + [len(line.name) for _, line in wells]) + 2
        sheet.column_dimensions["C"].width = max([len("Sequence")] + [len(line.sequence) for _, line in wells]) + 2
    book.properties.creator = "dmp"
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    buffer = BytesIO()
    # openpyxl's save_workbook stamps `modified` with the current time; its writer does not.
    with _FixedTimeZip(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    return buffer.getvalue()


def write_order_plate(path: str | Path, layout: list[tuple[str, list[tuple[str, OrderLine]]]]) -> None:
    data = workbook_bytes(layout)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
