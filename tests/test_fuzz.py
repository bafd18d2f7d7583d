"""Property-based tests (Hypothesis) of the `.crn` and PIL readers/writers and of NN -> CRN translation.

The default run draws a few hundred examples per property; `pytest -m slow` repeats the
reader properties with 10,000 examples each.
"""

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmp.crn.io import format_crn, parse_crn
from dmp.crn.model import CRN, Reaction
from dmp.crn.noncompetitive import is_noncompetitive
from dmp.crn.translate import network_to_crn, reduce_network_crn
from dmp.data.scaling import Scaling
from dmp.dsd.kernel import canonical_kernel
from dmp.dsd.model import Complex, DSDSystem
from dmp.dsd.pil import PILError, parse_pil
from dmp.dsd.tables import format_pil
from dmp.errors import CRNSyntaxError
from dmp.nn.model import Layer, TernaryModel
from dmp.sim.batch import simulate_batch

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Names drawn as a first letter plus a tail: the same language as the regex [A-Za-z][A-Za-z0-9_]{0,6},
# several times cheaper to generate than st.from_regex (it keeps the 10,000-example run short).
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
names = st.builds(
    lambda first, tail: first + tail,
    st.sampled_from(_LETTERS),
    st.text(alphabet=_LETTERS + "0123456789_", max_size=6),
)
rates = st.floats(min_value=1e-12, max_value=1e12, allow_nan=False, allow_infinity=False)


@st.composite
def crns(draw):
    pool = draw(st.lists(names, min_size=1, max_size=8, unique=True))
    side = st.lists(st.sampled_from(pool), max_size=4)
    reactions = []
    for reactants, products, k in draw(st.lists(st.tuples(side, side, rates), max_size=8)):
        if reactants or products:
            reactions.append(Reaction(tuple(reactants), tuple(products), k))
    initial = draw(st.dictionaries(st.sampled_from(pool), rates, max_size=4))
    if not reactions and not initial:
        initial = {pool[0]: 1.0}
    return CRN(reactions, initial)


def as_multisets(crn: CRN):
    return [(Counter(r.reactants), Counter(r.products), r.rate) for r in crn.reactions]


def check_crn_round_trip(crn: CRN) -> None:
    again = parse_crn(format_crn(crn))
    assert as_multisets(again) == as_multisets(crn)
    assert again.initial == crn.initial


@FAST
@given(crns())
def test_crn_round_trip(crn):
    check_crn_round_trip(crn)


crn_alphabet = st.sampled_from(list("AB x_09+-<=>[]@;#.,ke \n\t*()") + ["->", "<=>", "@initial", "[k = ", "2 "])
crn_text = st.lists(crn_alphabet, max_size=40).map("".join)


def check_crn_text(text: str) -> None:
    try:
        crn = parse_crn(text, "fuzz.crn")
    except CRNSyntaxError as exc:
        message = str(exc)
        assert message.startswith("fuzz.crn:") and "\n" not in message
        return
    # Whatever it accepted, it writes back as text that it reads to the same network.
    check_crn_round_trip(crn)


@FAST
@given(st.one_of(crn_text, st.text(max_size=60)))
def test_crn_reader_on_random_text_raises_only_its_own_error(text):
    check_crn_text(text)


domain_names = st.builds(  # [a-z][a-z0-9_]{0,5}
    lambda first, tail: first + tail,
    st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", max_size=5),
)


@st.composite
def pil_systems(draw):
    """Random well-formed complexes: strands of domains, helices from nested pairs."""
    pool = draw(st.lists(domain_names, min_size=1, max_size=6, unique=True))
    lengths = {d: draw(st.integers(1, 40)) for d in pool}
    system = DSDSystem(scheme="fuzz", domains=lengths)
    n = draw(st.integers(1, 5))
    seen: set = set()
    for k in range(n):
        # Build a kernel as a token list: unpaired domains, nested helices, strand breaks.
        tokens = draw(kernel_tokens(pool, depth=0))
        text = " ".join(tokens)
        from dmp.dsd.kernel import structure_of

        strands, structure = structure_of(text)
        if any(not s for s in strands):
            continue
        name = draw(st.sampled_from(["f", "S", "G", "sig"])) + f"{k}"
        # One molecule, one name: the PIL reader refuses a second name for the same complex.
        kernel = Complex(name, tuple(map(tuple, strands)), tuple(map(tuple, structure)), "signal").kernel
        if canonical_kernel(kernel) in seen:
            continue
        seen.add(canonical_kernel(kernel))
        conc = draw(st.sampled_from([0.0, 1.0, 12.5, 1000.0, 0.001]))
        system.complexes[name] = Complex(
            name,
            tuple(map(tuple, strands)),
            tuple(map(tuple, structure)),
            "fuel" if name.startswith("f") else "signal",
            concentration=conc,
        )
    if not system.complexes:
        system.complexes["S0"] = Complex("S0", ((pool[0],),), ((".",),), "signal")
    return system


@st.composite
def kernel_tokens(draw, pool, depth):
    tokens: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["domain", "domain", "helix", "break"] if depth < 2 else ["domain"]))
        domain = draw(st.sampled_from(pool)) + draw(st.sampled_from(["", "*"]))
        if kind == "domain":
            tokens.append(domain)
        elif kind == "helix":
            tokens += [f"{domain}(", *draw(kernel_tokens(pool, depth + 1)), ")"]
        elif tokens and tokens[-1] != "+":
            tokens.append("+")
    if tokens and tokens[-1] == "+":
        tokens.pop()
    return tokens or [draw(st.sampled_from(pool))]


def check_pil_round_trip(system: DSDSystem) -> None:
    again = parse_pil(format_pil(system, ["fuzz"]), "fuzz.pil")
    assert again.domains == {d: n for d, n in system.domains.items()}
    assert set(again.complexes) == set(system.complexes)
    for name, cplx in system.complexes.items():
        other = again.complexes[name]
        assert (other.strands, other.structure, other.role) == (cplx.strands, cplx.structure, cplx.role)
        assert other.concentration == pytest.approx(cplx.concentration, rel=1e-9, abs=1e-9)


@FAST
@given(pil_systems())
def test_pil_round_trip(system):
    check_pil_round_trip(system)


pil_alphabet = st.sampled_from(
    list("ab*()+ =\n@#") + ["length ", "a = 7\n", "nM", "@initial 3 nM", "b( ", " )", "X = ", "short", "7", "\n"]
)
pil_text = st.lists(pil_alphabet, max_size=40).map("".join)


def check_pil_text(text: str) -> None:
    try:
        parse_pil(text, "fuzz.pil")
    except PILError as exc:
        message = str(exc)
        assert message.startswith("fuzz.pil:") and "\n" not in message


@FAST
@given(st.one_of(pil_text, st.text(max_size=60)))
def test_pil_reader_on_random_text_raises_only_its_own_error(text):
    check_pil_text(text)


@pytest.mark.slow
@SLOW
@given(crns())
def test_crn_round_trip_10000(crn):
    check_crn_round_trip(crn)


@pytest.mark.slow
@SLOW
@given(st.one_of(crn_text, st.text(max_size=80)))
def test_crn_reader_random_text_10000(text):
    check_crn_text(text)


@pytest.mark.slow
@SLOW
@given(pil_systems())
def test_pil_round_trip_10000(system):
    check_pil_round_trip(system)


@pytest.mark.slow
@SLOW
@given(st.one_of(pil_text, st.text(max_size=80)))
def test_pil_reader_random_text_10000(text):
    check_pil_text(text)


# ---------------------------------------------------------------------------- NN -> CRN


@st.composite
def ternary_nets(draw):
    sizes = [draw(st.integers(1, 4)) for _ in range(draw(st.integers(2, 4)))]
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    layers = [
        Layer(rng.integers(-1, 2, size=(b, a)).astype(np.int8), np.round(rng.normal(size=b), 3))
        for a, b in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    n = sizes[0]
    model = TernaryModel(
        layers,
        [f"x{i}" for i in range(n)],
        [f"c{j}" for j in range(sizes[-1])],
        Scaling("none", np.zeros(n), np.ones(n)),
    )
    X = np.round(rng.normal(size=(3, n)), 3)
    return model, X


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ternary_nets())
def test_random_ternary_nets_translate_to_crns_that_compute_the_forward_pass(case):
    model, X = case
    full, species_map = network_to_crn(model)
    reduced = reduce_network_crn(full, species_map)
    expected = model.forward_scaled(X)
    for crn in (full, reduced):
        assert is_noncompetitive(crn)
        if not crn.reactions:  # every weight zero: outputs are the biases, held as initial values
            continue
        overrides = [species_map.input_concentrations(x, set(crn.species))[0] for x in X]
        _, values, species = simulate_batch(crn, overrides, t_end=2000.0, points=2, rtol=1e-10, atol=1e-12)
        final = [dict(zip(species, values[-1, b], strict=True)) for b in range(len(X))]
        got = np.array([species_map.read_outputs(f) for f in final])
        np.testing.assert_allclose(got, expected, atol=1e-5)
