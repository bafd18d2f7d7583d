"""Fluorophore-quencher reporters: which dye reads which output rail, and how a reading becomes a class.

A reporter is a duplex. Its base strand carries the complement of a rail's toehold and
branch-migration domain and the fluorophore; its top strand covers the branch-migration domain
and carries the quencher at the same end of the helix, far from the toehold. The rail's signal
strand binds the toehold, displaces the quencher strand and leaves the fluorophore unquenched
in the complex Lum_Y (signal strand on the base strand): formally Y -> Lum_Y. The layout is the
seesaw reporter's (Qian & Winfree, Science 332:1196, 2011; Cherry & Qian, Nature 559:370, 2018):
the strand released carries the quencher, so an excess of it in the annealed reporter is harmless.

Dyes are read in separate channels; a plate reader or qPCR instrument separates about four
(FAM, HEX, ROX, Cy5 are the usual four-plex). Rails are given dyes class by class and wells
hold `dyes_per_well` rails each, so both rails of a class share a well when that number is even.

Modification codes are IDT's (Integrated DNA Technologies) notation, written inline in the
sequence of an order line: a 5' code before the first base, a 3' code after the last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Dye:
    """A fluorophore, its excitation/emission maxima and the quencher that matches it, with vendor codes."""

    name: str
    excitation_nm: int
    emission_nm: int
    code_5: str  # IDT code of the dye on a 5' end
    code_3: str  # ... on a 3' end
    quencher: str
    quencher_5: str
    quencher_3: str

    def code(self, end: str) -> str:
        return self.code_5 if end == "5'" else self.code_3

    def quencher_code(self, end: str) -> str:
        return self.quencher_5 if end == "5'" else self.quencher_3


# Iowa Black FQ absorbs from about 420 to 620 nm, Iowa Black RQ from about 500 to 700 nm (IDT).
_FQ = ("Iowa Black FQ", "/5IABkFQ/", "/3IABkFQ/")
_RQ = ("Iowa Black RQ", "/5IAbRQ/", "/3IAbRQSp/")
DYES: dict[str, Dye] = {
    d.name: d
    for d in (
        Dye("FAM", 495, 520, "/56-FAM/", "/36-FAM/", *_FQ),
        Dye("HEX", 535, 556, "/5HEX/", "/3HEX/", *_FQ),
        Dye("Cy3", 550, 564, "/5Cy3/", "/3Cy3Sp/", *_RQ),
        Dye("TAMRA", 559, 583, "/56-TAMN/", "/36-TAMSp/", *_RQ),
        Dye("ROX", 588, 608, "/56-ROXN/", "/3ROXN/", *_RQ),
        Dye("Cy5", 648, 668, "/5Cy5/", "/3Cy5Sp/", *_RQ),
    )
}


@dataclass(frozen=True)
class Channel:
    """Where and in which colour one rail is read."""

    rail: str
    dye: str
    well: int  # 1-based


def assign_dyes(rails: list[str], dyes: tuple[str, ...], per_well: int) -> list[Channel]:
    """Rails in order (Y0+, Y0-, Y1+, ...) into wells of `per_well`, each taking the dyes in order."""
    if per_well < 1 or per_well > len(dyes):
        raise ValueError(f"per_well must be between 1 and {len(dyes)}, got {per_well}")
    return [Channel(rail, dyes[k % per_well], k // per_well + 1) for k, rail in enumerate(rails)]


def calibrated_concentration(
    signal: np.ndarray, blank: np.ndarray, full: np.ndarray, reporter_nM: float | np.ndarray
) -> np.ndarray:
    """Fluorescent product (nM) from end-point readings, against a blank and a fully triggered reporter.

    Fluorescence is linear in the unquenched reporter: a well reads `blank` with no reporter
    triggered and `full` with every reporter triggered (excess of the rail's own signal strand).
    """
    signal, blank, full = (np.asarray(a, dtype=np.float64) for a in (signal, blank, full))
    return np.asarray(reporter_nM, dtype=np.float64) * (signal - blank) / (full - blank)


def outputs_from_reporters(lum_plus_nM: np.ndarray, lum_minus_nM: np.ndarray, unit_nM: float) -> np.ndarray:
    """y_j = (Lum_{Yj+} - Lum_{Yj-}) / unit: the network's outputs in formal units, read off the reporters."""
    return (np.asarray(lum_plus_nM, dtype=np.float64) - np.asarray(lum_minus_nM, dtype=np.float64)) / unit_nM


def read_class(y: np.ndarray) -> np.ndarray:
    """The class of each row of outputs: argmax_j y_j, as the network decides."""
    return np.argmax(np.asarray(y, dtype=np.float64), axis=-1)
