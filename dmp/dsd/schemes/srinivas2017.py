"""Srinivas, Parkin, Seelig, Winfree & Soloveichik, "Enzyme-free nucleic acid dynamical systems", Science 358 (2017).

The architecture of the paper's DNA oscillator (a three-reaction rock-paper-scissors CRN, built
in the wet lab), described for general reactions in Srinivas' PhD thesis (Caltech 2015, Ch. 3,
Figs. 3.4-3.7): a reactant gate consumes the reactants and releases a flux strand, a produce
gate turns the flux strand into the products.

Signal strand of species X (5'->3'): h f_X m_X s_X, a history domain h (per source), toeholds
f_X and s_X and a long domain m_X.

- Reactant gate for X1 + ... + Xn: bottom s_Xn* m_Xn* [f_X(i+1)* s_Xi* m_Xi*]... f_X1* with
  the open toehold f_X1*, holding the strands m_Xi s_Xi f_X(i+1) (each displaced by Xi, which
  opens f_X(i+1)* for the next reactant; free copies of them, the helpers, make these steps
  reversible) and the flux strand m_Xn s_Xn + tail, displaced by the last reactant for good.
  The tail is empty without products, h with several products, h f_Y1 with one product Y1.
- Produce gate: bottom [f_Yk* h_k*]... f_Y1* h* s_Xn*; the flux strand binds s_Xn* and
  displaces the first product h f_Y1 m_Y1 s_Y1 (with one product, completely; with several,
  it then hangs on f_Y1 alone and falls off); a helper strand f_Y1 h_2 f_Y2 ... h_k f_Yk then
  displaces the other products h_j f_Yj m_Yj s_Yj at once.
- Formation (no reactants): a source fuel shaped like a signal, in excess, feeds a reactant
  gate (Fig. 3.7); degradation (no products): a reactant gate alone (Fig. 3.6).

Written from the construction above; Nuskell encodes the same one as `srinivas2015.ts`. As in
soloveichik2010, whose reactant gate this is, `A + A -> A` is not verified (a released A can take
the first input site back; Nuskell's runs of srinivas2015 fail it too).
"""

from __future__ import annotations

from dmp.dsd.model import Complex, DSDSystem, Module
from dmp.dsd.schemes.base import Scheme, Token, closing, paired, unpaired


class Srinivas2017(Scheme):
    name = "srinivas2017"
    reference = (
        "Srinivas et al., Science 358:eaal2052 (2017), Fig. 2 (reactant and produce gates), as generalised in "
        "Srinivas, PhD thesis, Caltech (2015), Ch. 3, Figs. 3.4-3.7"
    )
    max_reactants = None
    source_fuel = True

    def domains_of(self, system: DSDSystem, species: str) -> tuple[str, str, str]:
        return (
            self.short(system, f"{species}_f"),
            self.long(system, f"{species}_m"),
            self.short(system, f"{species}_s"),
        )

    def module(
        self, system: DSDSystem, index: int, reactants: tuple[str, ...], products: tuple[str, ...], fuel_nM: float
    ) -> Module:
        p = f"r{index}"
        rx = [self.domains_of(system, s) for s in reactants]
        px = [self.domains_of(system, s) for s in products]
        histories = [self.long(system, f"{p}_h{j}") for j in range(len(products))]
        tail = [histories[0], px[0][0]] if len(products) == 1 else histories[:1]
        names = [self._reactant_gate(system, index, rx, tail, fuel_nM)]
        for i in range(len(reactants) - 1):
            helper = unpaired(rx[i][1], rx[i][2], rx[i + 1][0])
            names.append(self._add(system, f"f{p}_B{i}", helper, "helper", index, fuel_nM))
        released = []
        if products:
            names += self._produce_gate(system, index, rx[-1][2], px, histories, fuel_nM)
            released = [
                self.released_signal(system, s, histories[j], f"{s}_{p}_{j}", index).name
                for j, s in enumerate(products)
            ]
        return Module(index, (reactants, products), names, list(dict.fromkeys(reactants)), released)

    def _add(self, system: DSDSystem, name: str, spec: list[Token], role: str, index: int, nM: float) -> str:
        return system.add(Complex.from_spec(name, spec, role, reaction=index, concentration=nM)).name

    def _reactant_gate(
        self, system: DSDSystem, index: int, rx: list[tuple[str, str, str]], tail: list[str], nM: float
    ) -> str:
        spec: list[Token] = []
        bottom: list[Token] = []
        for i in range(len(rx) - 1):
            _, m, s = rx[i]
            f_next = rx[i + 1][0]
            spec += paired(m, s, f_next) + ["+"]
            bottom = closing(f_next, s, m) + bottom
        _, m_last, s_last = rx[-1]
        spec += paired(m_last, s_last) + unpaired(*tail) + ["+"]
        bottom = closing(s_last, m_last) + bottom + [(rx[0][0] + "*", ".")]
        return self._add(system, f"fr{index}_R", spec + bottom, "fuel", index, nM)

    def _produce_gate(
        self,
        system: DSDSystem,
        index: int,
        s_last: str,
        px: list[tuple[str, str, str]],
        histories: list[str],
        nM: float,
    ) -> list[str]:
        spec: list[Token] = []
        bottom: list[Token] = [(s_last + "*", ".")]
        for j, (f, m, s) in enumerate(px):
            spec += paired(histories[j], f) + unpaired(m, s) + ["+"]
            bottom = closing(histories[j], f)[::-1] + bottom
        names = [self._add(system, f"fr{index}_P", spec + bottom, "fuel", index, nM)]
        if len(px) > 1:
            helper = [px[0][0]] + [d for j in range(1, len(px)) for d in (histories[j], px[j][0])]
            names.append(self._add(system, f"fr{index}_H", unpaired(*helper), "fuel", index, nM))
        return names
