"""Qian, Soloveichik & Winfree, "Efficient Turing-universal computation with DNA polymers", DNA 16, LNCS 6518 (2011).

Three-domain signals (5'->3'): h_X t r_X, a history domain h_X and a recognition domain r_X
per species, and one toehold t shared by every species. A gate reads a signal from either
side: forwards through `t r_X` (as a reactant), backwards through `h_X t` (as a product).

Gate for X1 + ... + Xn -> Y1 + ... + Ym: one bottom strand
    [f*] t* h_Ym* ... t* h_Y1* t* r_Xn* ... t* r_X1* t*            (5'->3')
holding the strands r_Xi t (one per reactant) and h_Yj t r_Yj (the products, bound by history
and toehold). X1 binds the open 3' toehold and displaces r_X1 t, which opens the toehold for
X2, and so on; then a fuel strand t h_Yj displaces each product in turn. Every step is a
toehold exchange, so the gate also runs backwards: the products, entering through the other
end, take the reactants back out with the help of the strands r_Xi t.

- Reversible reactions (Fig. 2): the gate in its initial state and in its final state (the
  reactants bound, the fuels t h_Yj in place of the products) are both supplied; the pair
  implements X1 + ... <=> Y1 + ... with no net fuel consumption.
- Irreversible reactions (Fig. 1): one more strand f on the gate, which a fuel t f displaces
  at the end; f cannot bind back, so the gate cannot run backwards past that step.
  `qian2011_3D` puts f after the products, as the figure does (and Nuskell's qian2011_3D.ts):
  the products are then released before the irreversible step, and a product strand from
  elsewhere can enter a gate whose products have left and release its reactants again, so
  the module does not implement the irreversible reaction (crnverifier rejects it).
  `qian2011_3D_var1` puts the irreversible step between the reactants and the products
  (strands f and g t, fuel t f g), as Nuskell's qian2011_3D_var1.ts (Shin, Winfree & Badelt).

The fuels t h_Y and helpers r_X t belong to a species, not to a reaction: every gate that
produces Y (or consumes X) uses the same strand, at the sum of the modules' concentrations.
Formation (no reactants) needs no special gate: the fuel t h_Y1 opens it directly.
"""

from __future__ import annotations

import dataclasses

from dmp.dsd.model import Complex, DSDSystem, Module
from dmp.dsd.schemes.base import Scheme, Token, closing, paired, unpaired

TOEHOLD = "uni_t"  # the universal toehold; species domains are named <species>_h and <species>_r


class Qian2011(Scheme):
    name = "qian2011_3D"
    reference = (
        "Qian, Soloveichik & Winfree, DNA 16, LNCS 6518:123-140 (2011), Fig. 1 (irreversible; products released "
        "before the irreversible step) and Fig. 2 (reversible)"
    )
    min_reactants = 0
    reversible_gates = True
    commit_first = False  # var1: the irreversible step before the products' release

    def toehold(self, system: DSDSystem) -> str:
        return self.short(system, TOEHOLD)

    def history(self, system: DSDSystem, species: str) -> str:
        return self.long(system, f"{species}_h")

    def recognition(self, system: DSDSystem, species: str) -> str:
        return self.long(system, f"{species}_r")

    def signal_tokens(self, system: DSDSystem, species: str, history: str) -> list[Token]:
        return unpaired(history, self.toehold(system), self.recognition(system, species))

    def _shared(self, system: DSDSystem, name: str, spec: list[Token], role: str, nM: float) -> str:
        """A strand that belongs to a species (used by every gate of that species): concentrations add up."""
        cplx = Complex.from_spec(name, spec, role, concentration=nM)
        known = system.complexes.get(name)
        if known is None:
            system.add(cplx)
        else:
            system.add(cplx)  # checks that the structure is the same
            system.complexes[name] = dataclasses.replace(known, concentration=known.concentration + nM)
        return name

    def species_fuels(self, system: DSDSystem, reactants: tuple[str, ...], products: tuple[str, ...], nM: float):
        """Helpers r_X t (one per distinct reactant) and fuels t h_Y (one per distinct product)."""
        t = self.toehold(system)
        names = []
        for x in dict.fromkeys(reactants):
            names.append(self._shared(system, f"f{x}_rt", unpaired(self.recognition(system, x), t), "helper", nM))
        for y in dict.fromkeys(products):
            names.append(self._shared(system, f"f{y}_th", unpaired(t, self.history(system, y)), "fuel", nM))
        return names

    def _bottom_and_tops(self, system: DSDSystem, reactants: tuple[str, ...], products: tuple[str, ...]):
        t = self.toehold(system)
        reactant_tops = [paired(self.recognition(system, x), t) for x in reactants]
        product_tops = [paired(self.history(system, y), t) + unpaired(self.recognition(system, y)) for y in products]
        return t, reactant_tops, product_tops

    def module(
        self, system: DSDSystem, index: int, reactants: tuple[str, ...], products: tuple[str, ...], fuel_nM: float
    ) -> Module:
        p = f"r{index}"
        t, reactant_tops, product_tops = self._bottom_and_tops(system, reactants, products)
        f = self.long(system, f"{p}_f")
        spec: list[Token] = []
        for top in reactant_tops:
            spec += top + ["+"]
        if self.commit_first:
            g = self.long(system, f"{p}_g")
            spec += paired(f) + ["+"] + paired(g, t) + ["+"]
        for top in product_tops:
            spec += top + ["+"]
        # The gate's last strand f: the fuel t f displaces it (var1: a second fuel t f g, leaving the gate inert).
        spec += paired(f) + ["+"]
        bottom: list[Token] = closing(f)
        for y in reversed(products):
            bottom += closing(t, self.history(system, y))
        if self.commit_first:
            bottom += closing(t, g, f)
        for x in reversed(reactants):
            bottom += closing(t, self.recognition(system, x))
        bottom.append((t + "*", "."))
        names = [
            system.add(Complex.from_spec(f"f{p}_G", spec + bottom, "fuel", reaction=index, concentration=fuel_nM)).name
        ]
        fuel = unpaired(t, f, g) if self.commit_first else unpaired(t, f)
        names.append(system.add(Complex.from_spec(f"f{p}_F", fuel, "fuel", reaction=index, concentration=fuel_nM)).name)
        names += self.species_fuels(system, reactants, products, fuel_nM)
        return Module(
            index, (reactants, products), names, list(dict.fromkeys(reactants)), list(dict.fromkeys(products))
        )

    def reversible_module(
        self, system: DSDSystem, index: int, reactants: tuple[str, ...], products: tuple[str, ...], fuel_nM: float
    ) -> Module:
        """Fig. 2: the gate before (G+) and after (G-) the reaction; together they run it both ways."""
        p = f"r{index}"
        t = self.toehold(system)
        # The bottom strand (5'->3'): t* h_Ym* ... t* h_Y1* t* r_Xn* ... t* r_X1* t*, in both gates.
        domains = [d for y in reversed(products) for d in (t + "*", self.history(system, y) + "*")]
        domains += [d for x in reversed(reactants) for d in (t + "*", self.recognition(system, x) + "*")]
        domains.append(t + "*")
        # G+: reactant strands r_X t and the products; the open toehold at the 3' end takes X1.
        spec: list[Token] = []
        for x in reactants:
            spec += paired(self.recognition(system, x), t) + ["+"]
        for y in products:
            spec += paired(self.history(system, y), t) + unpaired(self.recognition(system, y)) + ["+"]
        forward = spec + [(d, ")") for d in domains[:-1]] + [(domains[-1], ".")]
        # G-: the reactants bound through t r_X, fuels t h_Y; the open toehold at the 5' end takes Ym.
        spec = []
        for x in reactants:
            spec += unpaired(self.history(system, x)) + paired(t, self.recognition(system, x)) + ["+"]
        for y in products:
            spec += paired(t, self.history(system, y)) + ["+"]
        backward = spec + [(domains[0], ".")] + [(d, ")") for d in domains[1:]]
        names = [
            system.add(Complex.from_spec(f"f{p}_Gf", forward, "fuel", reaction=index, concentration=fuel_nM)).name,
            system.add(Complex.from_spec(f"f{p}_Gb", backward, "fuel", reaction=index, concentration=fuel_nM)).name,
        ]
        names += self.species_fuels(system, reactants, products, fuel_nM)
        return Module(
            index, (reactants, products), names, list(dict.fromkeys(reactants)), list(dict.fromkeys(products))
        )


class Qian2011Var1(Qian2011):
    name = "qian2011_3D_var1"
    reference = (
        "Qian, Soloveichik & Winfree, DNA 16, LNCS 6518:123-140 (2011), Fig. 2 (reversible) and Fig. 1 with the "
        "irreversible step moved before the products' release (as Nuskell's qian2011_3D_var1)"
    )
    commit_first = True
