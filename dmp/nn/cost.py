"""DNA cost of a ternary network, predicted from its weights: strands and nucleotides per scheme.

The prediction follows the pipeline's own construction without running it:

1. CRN (dmp.crn.translate, full translation): every input rail and every hidden output rail
   whose value has at least one non-zero outgoing weight gets one fan-out reaction with one
   product per non-zero weight; every hidden neuron adds a ReLU pair Z+ -> H+ + A and
   A + Z- -> H- (species Z+, Z-, A, H+, H-); an output rail exists if a fan-out produces it or
   the bias starts it.
2. Fan-out splitting (dmp.dsd.cascade): a reaction with k > m products (m = max_products)
   becomes 1 + ceil((k - m) / (m - 1)) gates joined by link species, each link one more product.
3. Gates (dmp.dsd.schemes): one signal strand per formal species and, per reaction with n
   reactants and p products, a fixed set of distinct strands whose lengths are sums of
   toeholds (T) and long domains (L). Counted from the schemes' figures, as the DSD stage
   counts them (distinct strands, dmp.dsd.tables.distinct_strands):

   scheme                 signal strand   reaction (n reactants, p >= 1 products)
   soloveichik2010        2L + 2T         n + p + 2 strands, 2n(L + 2T) + p(4L + 4T) nt
   cardelli2011_NM_noGC   2L + T          n + p + 2 strands, 2n(L + T) + 2T + p(4L + 3T) nt

   (Soloveichik: gate L's input strands and bottom, its output strand, translator bottom and
   one released signal per product; the buffer strands equal the gate's input strands.
   Cardelli: one gate strand per reactant, the gate bottom, the fuel strand and one product
   strand per product; the helpers equal the gate's reactant strands.)

The counts are exact for the full CRN (dsd.crn = full); tests compare them with compiled systems.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SCHEMES = ("soloveichik2010", "cardelli2011_NM_noGC")
INPUT_ENCODINGS = ("dual_rail", "shifted")


@dataclass(frozen=True)
class CostSettings:
    """The DSD settings the cost depends on (the dsd section's keys of the same names, and crn.inputs)."""

    toehold_length: int
    domain_length: int
    max_products: int
    inputs: str  # crn.inputs

    def __post_init__(self) -> None:
        if self.max_products < 2:
            raise ValueError("dsd.max_products must be at least 2 (a cascade gate releases a link and a product)")
        if self.inputs not in INPUT_ENCODINGS:
            raise ValueError(f"crn.inputs: {self.inputs!r} is not one of {', '.join(INPUT_ENCODINGS)}")


@dataclass(frozen=True)
class CrnShape:
    """What the DNA cost depends on: formal species and reactions by (reactants, products)."""

    species: int
    reactions: tuple[tuple[int, int], ...]  # (n reactants, p products) per gate, after splitting

    @property
    def modules(self) -> int:
        return len(self.reactions)


@dataclass(frozen=True)
class DnaCost:
    """Predicted size of the compiled DNA system of one scheme."""

    scheme: str
    strands: int
    nucleotides: int
    modules: int
    species: int


def cascade(products: int, max_products: int) -> tuple[int, ...]:
    """Products per gate after splitting a fan-out of `products` products (links included)."""
    if products <= max_products:
        return (products,)
    gates = 1 + math.ceil((products - max_products) / (max_products - 1))
    last = products - (gates - 1) * (max_products - 1)
    return (max_products,) * (gates - 1) + (last,)


def crn_shape(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], settings: CostSettings) -> CrnShape:
    """Species and gate shapes of the split full CRN of a ternary ReLU network."""
    species = 0
    reactions: list[tuple[int, int]] = []

    def fan_out(products: int) -> None:
        nonlocal species
        gates = cascade(products, settings.max_products)
        reactions.extend((1, p) for p in gates)
        species += len(gates) - 1  # link species

    last = len(weights) - 1
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        w = np.asarray(w)
        fan = (w != 0).sum(axis=0)  # non-zero outgoing weights per source value
        single_rail = k == 0 and settings.inputs == "shifted"
        for count in fan[fan > 0]:
            for _ in range(1 if single_rail else 2):
                fan_out(int(count))
        if k == 0:  # input species exist only where they feed a reaction
            species += int((fan > 0).sum()) * (1 if single_rail else 2)
        if k < last:  # ReLU pair per hidden neuron: Z+, Z-, A, H+, H- and two reactions
            species += 5 * w.shape[0]
            reactions.extend([(1, 2), (2, 1)] * w.shape[0])
        else:
            species += _output_rails(w, np.asarray(b), single_rail)
    return CrnShape(species, tuple(reactions))


def _output_rails(w: np.ndarray, b: np.ndarray, single_rail: bool) -> int:
    """Output rails a fan-out produces or a bias starts."""
    if single_rail:  # one rail per input: w > 0 feeds Y+, w < 0 feeds Y-
        plus, minus = (w > 0).any(axis=1), (w < 0).any(axis=1)
    else:  # dual-rail sources: every non-zero weight feeds both rails
        plus = minus = (w != 0).any(axis=1)
    return int((plus | (b > 0)).sum() + (minus | (b < 0)).sum())


def scheme_cost(shape: CrnShape, scheme: str, toehold: int = 7, long: int = 15) -> DnaCost:
    """Strands and nucleotides of the scheme's compilation of a CRN of this shape."""
    T, L = toehold, long
    if scheme == "soloveichik2010":
        signal = 2 * L + 2 * T

        def module(n: int, p: int) -> int:
            return 2 * n * (L + 2 * T) + p * (4 * L + 4 * T)
    elif scheme == "cardelli2011_NM_noGC":
        signal = 2 * L + T

        def module(n: int, p: int) -> int:
            return 2 * n * (L + T) + 2 * T + p * (4 * L + 3 * T)
    else:
        raise ValueError(f"no cost model for scheme {scheme!r}; known: {', '.join(SCHEMES)}")
    if any(p < 1 for _, p in shape.reactions):
        raise ValueError("the cost model covers reactions with at least one product (all a network's CRN has)")
    strands = shape.species + sum(n + p + 2 for n, p in shape.reactions)
    nucleotides = shape.species * signal + sum(module(n, p) for n, p in shape.reactions)
    return DnaCost(scheme, strands, nucleotides, shape.modules, shape.species)


def network_cost(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    settings: CostSettings,
    schemes: Sequence[str] = SCHEMES,
) -> dict[str, DnaCost]:
    """Predicted strands and nucleotides per scheme of a network given as weight matrices and biases."""
    shape = crn_shape(weights, biases, settings)
    return {s: scheme_cost(shape, s, settings.toehold_length, settings.domain_length) for s in schemes}


def weight_nucleotides(scheme: str, settings: CostSettings, first_layer: bool = False) -> int:
    """Marginal nucleotides of one more non-zero weight (ignoring cascade links): the training penalty's unit."""
    rails = 1 if first_layer and settings.inputs == "shifted" else 2
    T, L = settings.toehold_length, settings.domain_length
    per_product = 4 * L + 4 * T if scheme == "soloveichik2010" else 4 * L + 3 * T
    if scheme not in SCHEMES:
        raise ValueError(f"no cost model for scheme {scheme!r}; known: {', '.join(SCHEMES)}")
    return rails * per_product
