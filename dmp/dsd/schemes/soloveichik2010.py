"""Soloveichik, Seelig & Winfree, "DNA as a universal substrate for chemical kinetics", PNAS 107:5393 (2010).

Signal strand of species X (5'->3'): h a_X b_X c_X, with a history domain h that differs per
source and plays no part in any reaction, toeholds a_X and c_X, and a long recognition
domain b_X.

- X1 -> Y1 + ... + Ym (Fig. 2): gate L holds an output strand b c d1 a_Y1 ... dm a_Ym on the
  bottom strand c* b* a_X1*; X1 binds the open toehold a_X1* and releases the output strand,
  which binds translator T at c_X1* and displaces the products (strands dj a_Yj b_Yj c_Yj,
  bound by their history dj and toehold a_Yj).
- X1 + X2 -> ... (Fig. 3): L also holds a strand b_X1 c_X1 a_X2 that X1 displaces, opening the
  toehold a_X2* for X2; the same strand free in solution (the buffer) makes that first step
  reversible, so X1 is not trapped when X2 is absent.

- No products: L alone (its output strand is a waste). No reactants (formation): a source fuel,
  a strand shaped like the signal of a private species, in excess, feeds an L gate (Nuskell's
  generalisation `-> X` as `f -> X`).

Implemented from the paper's figures; gates take one or two reactants, as in the paper. A gate
reading the same species twice (`A + A -> A`) is not verified: a released A can take the first
input site back (Nuskell's own runs fail it too).
"""

from __future__ import annotations

from dmp.dsd.model import Complex, DSDSystem, Module
from dmp.dsd.schemes.base import Scheme, Token, closing, paired, unpaired


class Soloveichik2010(Scheme):
    name = "soloveichik2010"
    reference = "Soloveichik, Seelig & Winfree, PNAS 107:5393-5398 (2010), Figs. 2 and 3"
    max_reactants = 2
    source_fuel = True

    def domains_of(self, system: DSDSystem, species: str) -> tuple[str, str, str]:
        return (
            self.short(system, f"{species}_a"),
            self.long(system, f"{species}_b"),
            self.short(system, f"{species}_c"),
        )

    def module(
        self, system: DSDSystem, index: int, reactants: tuple[str, ...], products: tuple[str, ...], fuel_nM: float
    ) -> Module:
        p = f"r{index}"
        rx = [self.domains_of(system, s) for s in reactants]
        px = [self.domains_of(system, s) for s in products]
        history = [self.long(system, f"{p}_d{j}") for j in range(len(products))]
        a0 = rx[0][0]
        b_last, c_last = rx[-1][1], rx[-1][2]

        # Gate L: input strands for all but the last reactant, then the output strand, then the bottom.
        spec: list[Token] = []
        bottom: list[Token] = []
        for i in range(len(reactants) - 1):
            b, c = rx[i][1], rx[i][2]
            a_next = rx[i + 1][0]
            spec += paired(b, c, a_next) + ["+"]
            bottom = closing(a_next, c, b) + bottom
        tail = [t for j in range(len(products)) for t in unpaired(history[j], px[j][0])]
        spec += paired(b_last, c_last) + tail + ["+"]
        bottom = closing(c_last, b_last) + bottom + [(a0 + "*", ".")]
        names = [
            system.add(Complex.from_spec(f"f{p}_L", spec + bottom, "fuel", reaction=index, concentration=fuel_nM)).name
        ]
        # Buffer strands: free copies of the input strands of L (bimolecular case).
        for i in range(len(reactants) - 1):
            strand = unpaired(rx[i][1], rx[i][2], rx[i + 1][0])
            names.append(
                system.add(
                    Complex.from_spec(f"f{p}_B{i}", strand, "helper", reaction=index, concentration=fuel_nM)
                ).name
            )
        # Translator T: the products, bound by history and toehold, on the bottom strand ... c_last*.
        released = []
        if products:
            spec = []
            bottom = [(c_last + "*", ".")]
            for j in range(len(products)):
                a, b, c = px[j]
                spec += paired(history[j], a) + unpaired(b, c) + ["+"]
                bottom = closing(history[j], a)[::-1] + bottom
            names.append(
                system.add(
                    Complex.from_spec(f"f{p}_T", spec + bottom, "fuel", reaction=index, concentration=fuel_nM)
                ).name
            )
            released = [
                self.released_signal(system, species, history[j], f"{species}_{p}_{j}", index).name
                for j, species in enumerate(products)
            ]
        return Module(index, (reactants, products), names, list(dict.fromkeys(reactants)), released)
