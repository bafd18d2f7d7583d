"""CRN-to-DSD translation schemes, by the names the field (and Nuskell) gives them.

    soloveichik2010       1-2 reactants, any products (fan-outs as cascades), formation by a source fuel
    cardelli2011_NM_noGC  any reactants and products, formation by a source fuel
    srinivas2017          any reactants and products, formation by a source fuel (Science 2017 oscillator)
    qian2011_3D_var1      any reactants and products, formation; reversible reactions as one gate pair
    qian2011_3D           as drawn in the paper: only degradation and reversible reactions verify

Reversible reactions (`A <=> B`, read as two reactions) become two irreversible modules in the
schemes without reversible gates.
"""

from __future__ import annotations

from dmp.dsd.schemes.base import DomainLengths, Scheme, SchemeError
from dmp.dsd.schemes.cardelli2011 import Cardelli2011NM
from dmp.dsd.schemes.qian2011 import Qian2011, Qian2011Var1
from dmp.dsd.schemes.soloveichik2010 import Soloveichik2010
from dmp.dsd.schemes.srinivas2017 import Srinivas2017

SCHEMES: dict[str, type[Scheme]] = {
    cls.name: cls for cls in (Soloveichik2010, Cardelli2011NM, Qian2011, Qian2011Var1, Srinivas2017)
}


def get_scheme(name: str, lengths: DomainLengths | None = None) -> Scheme:
    """The scheme called `name`; SchemeError lists the known ones otherwise."""
    try:
        cls = SCHEMES[name]
    except KeyError:
        raise SchemeError(f"unknown translation scheme {name!r}; known schemes: {', '.join(SCHEMES)}") from None
    return cls(lengths or DomainLengths())


__all__ = ["SCHEMES", "DomainLengths", "Scheme", "SchemeError", "get_scheme"]
