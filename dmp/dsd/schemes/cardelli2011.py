"""Cardelli, "Strand algebras for DNA computing", Natural Computing 10:407-428 (2011), Fig. 9.

The n x m gate implements X1 + ... + Xn -> Y1 + ... + Ym with one gate complex. Signal
strand of species X (5'->3'): h t_X b_X, with a history domain h, a toehold t_X and a long
domain b_X.

The gate's bottom strand exposes t_X1*. X1 binds and displaces the strand b_X1 t_X2, opening
t_X2* for X2, and so on; the last reactant releases b_Xn t_g and opens the gate's own toehold
t_g*. A fuel strand t_g h1 t_Y1 ... hm t_Ym then binds t_g* and displaces every product
strand hj t_Yj b_Yj at once, which commits the reaction. Free copies of the displaced
strands (helpers) keep the input steps reversible until then.

As Nuskell's `cardelli2011_NM_noGC`: the paper's garbage-collection gates are left out.
Implemented from the paper's figure. No products: a private waste strand takes their place; no
reactants (formation): a source fuel shaped like a signal, in excess, opens the gate.
"""

from __future__ import annotations

from dmp.dsd.model import Complex, DSDSystem, Module
from dmp.dsd.schemes.base import Scheme, Token, closing, paired, unpaired


class Cardelli2011NM(Scheme):
    name = "cardelli2011_NM_noGC"
    reference = "Cardelli, Natural Computing 10:407-428 (2011), Fig. 9 (n x m gate), without garbage collection"
    source_fuel = True

    def domains_of(self, system: DSDSystem, species: str) -> tuple[str, str]:
        return self.short(system, f"{species}_t"), self.long(system, f"{species}_b")

    def module(
        self, system: DSDSystem, index: int, reactants: tuple[str, ...], products: tuple[str, ...], fuel_nM: float
    ) -> Module:
        p = f"r{index}"
        rx = [self.domains_of(system, s) for s in reactants]
        gate_toehold = self.short(system, f"{p}_t")
        # Product strands h_j t_Yj b_Yj; with no products a private waste strand h_0 u takes their place.
        if products:
            outs = [(self.long(system, f"{p}_h{j}"), *self.domains_of(system, s)) for j, s in enumerate(products)]
        else:
            outs = [(self.long(system, f"{p}_h0"), self.short(system, f"{p}_u"), None)]
        next_toeholds = [rx[i + 1][0] for i in range(len(reactants) - 1)] + [gate_toehold]

        spec: list[Token] = []
        for i in range(len(reactants)):
            spec += paired(rx[i][1], next_toeholds[i]) + ["+"]
        for h, t, b in outs:
            spec += paired(h, t) + (unpaired(b) if b else []) + ["+"]
        bottom: list[Token] = []
        for h, t, _ in reversed(outs):
            bottom += closing(t, h)
        for i in reversed(range(len(reactants))):
            bottom += closing(next_toeholds[i], rx[i][1])
        bottom.append((rx[0][0] + "*", "."))
        names = [
            system.add(Complex.from_spec(f"f{p}_G", spec + bottom, "fuel", reaction=index, concentration=fuel_nM)).name
        ]
        fuel = unpaired(gate_toehold, *[d for h, t, _ in outs for d in (h, t)])
        names.append(system.add(Complex.from_spec(f"f{p}_F", fuel, "fuel", reaction=index, concentration=fuel_nM)).name)
        for i in range(len(reactants)):
            helper = unpaired(rx[i][1], next_toeholds[i])
            names.append(
                system.add(
                    Complex.from_spec(f"f{p}_H{i}", helper, "helper", reaction=index, concentration=fuel_nM)
                ).name
            )
        released = [
            self.released_signal(system, s, outs[j][0], f"{s}_{p}_{j}", index).name for j, s in enumerate(products)
        ]
        return Module(index, (reactants, products), names, list(dict.fromkeys(reactants)), released)
