"""DNA thermodynamics with ViennaRNA (Mathews 2004 DNA parameters): the only module that imports RNA.

Every quantity the scores and checks need comes from here: unpaired probabilities of a strand,
the free energy of binding of two strands, the equilibrium fraction of strands in a dimer, the
ensemble defect and the MFE structure of a multi-strand complex. Temperature (°C) and salt
(monovalent, mol/L) come from the config; ViennaRNA models no Mg2+, so 1 M Na+ stands in for the
usual 12.5 mM Mg2+ strand-displacement buffer.

Multi-strand sequences are joined with '&' in the complex's strand order; ViennaRNA returns
structures without the '&' separators, and so do these functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import RNA

GAS_CONSTANT = 0.0019872036  # kcal/(mol K)

_LOADED = False


def _load_dna() -> None:
    global _LOADED
    if not _LOADED:
        RNA.params_load_DNA_Mathews2004()
        _LOADED = True


@dataclass(frozen=True)
class Thermo:
    """ViennaRNA at one temperature (°C) and monovalent salt concentration (mol/L)."""

    temperature: float = 25.0
    salt: float = 1.0

    def _md(self, bpp: bool) -> RNA.md:
        _load_dna()
        md = RNA.md()
        md.temperature = self.temperature
        md.salt = self.salt
        md.compute_bpp = 1 if bpp else 0
        return md

    @property
    def rt(self) -> float:
        """RT in kcal/mol."""
        return GAS_CONSTANT * (self.temperature + 273.15)

    def ensemble_energy(self, sequence: str) -> float:
        """Ensemble free energy (kcal/mol) of one strand, or of several joined by '&' (connected or not)."""
        fc = RNA.fold_compound(sequence, self._md(bpp=False))
        return float(fc.pf()[1])

    def unpaired_probabilities(self, sequence: str) -> tuple[list[float], float]:
        """Probability that each base of a single strand is unpaired, and the strand's ensemble energy."""
        fc = RNA.fold_compound(sequence, self._md(bpp=True))
        _, energy = fc.mfe()
        fc.exp_params_rescale(energy)
        _, ensemble = fc.pf()
        paired = [0.0] * (len(sequence) + 1)
        for i, row in enumerate(fc.bpp()):
            for j, p in enumerate(row):
                if p:
                    paired[i] += p
                    paired[j] += p
        return [max(0.0, 1.0 - p) for p in paired[1:]], float(ensemble)

    def binding_energy(self, a: str, b: str, energy_a: float | None = None, energy_b: float | None = None) -> float:
        """ΔG (kcal/mol, 1 M standard state) of A + B -> AB: the dimer ensemble against the two monomers.

        The dimer ensemble is ViennaRNA's co-folding partition function of A&B (which includes the
        duplex initiation penalty); the monomer energies may be passed in when already known.
        """
        if energy_a is None:
            energy_a = self.ensemble_energy(a)
        if energy_b is None:
            energy_b = energy_a if a == b else self.ensemble_energy(b)
        return self.ensemble_energy(f"{a}&{b}") - energy_a - energy_b

    def dimer_fraction(self, dG: float, concentration_M: float, homo: bool = False) -> float:
        """Fraction of strands in the dimer at equilibrium, each strand at `concentration_M`.

        Hetero: A + B <-> AB with [A]0 = [B]0 = c, so x = K (c - x)^2. Homo: 2A <-> AA with
        [A]0 = c, so x = K (c - 2x)^2 and the fraction of strands in dimers is 2x / c. The smaller
        root of each quadratic is written in the form that stays exact for very large K. (Closed
        forms of one-reaction equilibria, written out because they are two lines each.)
        """
        Kc = math.exp(min(-dG / self.rt, 300.0)) * concentration_M
        if homo:
            # 4K x^2 - (4Kc + 1) x + K c^2 = 0  ->  x/c = 2Kc / (4Kc + 1 + sqrt(8Kc + 1))
            return min(1.0, 4 * Kc / (4 * Kc + 1 + math.sqrt(8 * Kc + 1)))
        # K x^2 - (2Kc + 1) x + K c^2 = 0  ->  x/c = 2Kc / (2Kc + 1 + sqrt(4Kc + 1))
        return min(1.0, 2 * Kc / (2 * Kc + 1 + math.sqrt(4 * Kc + 1)))

    def mfe_energy(self, sequence: str) -> float:
        """MFE (kcal/mol) of one strand folded alone."""
        fc = RNA.fold_compound(sequence, self._md(bpp=False))
        return float(fc.mfe()[1])

    def mfe_binding(self, a: str, b: str, energy_a: float | None = None, energy_b: float | None = None) -> float:
        """ΔG_bind = MFE(A·B) - MFE(A) - MFE(B) (kcal/mol): how a lab checks two strands for a dimer.

        ViennaRNA's co-folding MFE includes the duplex initiation penalty; a dimer with no
        intermolecular base pair scores 0. Monomer MFEs may be passed in when already known.
        """
        if energy_a is None:
            energy_a = self.mfe_energy(a)
        if energy_b is None:
            energy_b = self.mfe_energy(b)
        fc = RNA.fold_compound(f"{a}&{b}", self._md(bpp=False))
        return float(fc.mfe_dimer()[1]) - energy_a - energy_b

    def duplex(self, a: str, b: str) -> tuple[float, int, int, int, int]:
        """Best intermolecular-only duplex of A and B (ViennaRNA's duplexfold): energy and paired spans.

        Returns (energy kcal/mol, first, last paired base of A, first, last paired base of B), 0-based;
        no intramolecular structure is considered, so a strand cannot look inert by folding on itself.
        duplexfold reads the global model (temperature set here; salt stays ViennaRNA's default
        1.021 M, which differs from 1 M by about 0.01 kcal/mol per duplex).
        """
        _load_dna()
        if RNA.cvar.temperature != self.temperature:
            RNA.cvar.temperature = self.temperature
        d = RNA.duplexfold(a, b)
        left, right = d.structure.split("&")
        return float(d.energy), d.i - len(left), d.i - 1, d.j - 1, d.j + len(right) - 2

    def stack_energies(self) -> list[list[float]]:
        """Nearest-neighbour stack ΔG (kcal/mol) of 5'-XY-3' paired with its complement, X, Y in A, C, G, T."""
        P = RNA.param(self._md(bpp=False))
        kind = {"CG": 1, "GC": 2, "AT": 5, "TA": 6}
        comp = {"A": "T", "C": "G", "G": "C", "T": "A"}
        return [[P.stack[kind[x + comp[x]]][kind[comp[y] + y]] / 100.0 for y in "ACGT"] for x in "ACGT"]

    def kd_energy(self, kd_M: float) -> float:
        """ΔG_bind (kcal/mol) at which the dissociation constant equals `kd_M` (mol/L): RT ln K_d."""
        return self.rt * math.log(kd_M)

    def mfe(self, strands: list[str]) -> tuple[str, float]:
        """MFE structure (no '&') and energy of the complex formed by `strands` in this order."""
        fc = RNA.fold_compound("&".join(strands), self._md(bpp=False))
        structure, energy = fc.mfe()
        return structure, float(energy)

    def complex_analysis(self, strands: list[str], target: str) -> tuple[str, float]:
        """MFE structure and normalised ensemble defect (0..1) of a complex against its target.

        `target` is the intended dot-bracket without '&'. The defect is ViennaRNA's ensemble
        defect: the expected fraction of nucleotides paired differently from the target.
        """
        fc = RNA.fold_compound("&".join(strands), self._md(bpp=True))
        structure, energy = fc.mfe()
        fc.exp_params_rescale(energy)
        fc.pf()
        return structure, float(fc.ensemble_defect(target))


def vienna_version() -> str:
    return str(RNA.__version__)


def pair_table(structure: str) -> list[int]:
    """Partner index of each base (-1 if unpaired) of a dot-bracket without '&'."""
    partner = [-1] * len(structure)
    stack: list[int] = []
    for i, symbol in enumerate(structure):
        if symbol == "(":
            stack.append(i)
        elif symbol == ")":
            j = stack.pop()
            partner[i], partner[j] = j, i
    return partner
