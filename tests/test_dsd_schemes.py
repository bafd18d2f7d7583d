"""Translation schemes: gate structures written by hand from the papers' figures."""

import pytest
from conftest import settings

from dmp.crn.io import parse_crn
from dmp.dsd.compiler import compile_crn
from dmp.dsd.kernel import canonical_kernel, format_kernel, parse_kernel
from dmp.dsd.schemes import SchemeError


def kernels(crn_text, scheme, **changes):
    system = compile_crn(parse_crn(crn_text), scheme, settings("dsd", **changes)).system
    return {name: c.kernel for name, c in system.complexes.items()}, system


def test_soloveichik2010_unimolecular_matches_fig2():
    # Fig. 2: X1 -> X2 + X3. Gate L holds the output strand b1 c1 d a2 d' a3 on c1* b1* a1*;
    # translator T holds the products (bound by history d and toehold a) on a3* d'* a2* d* c1*.
    k, system = kernels("A -> B + C", "soloveichik2010")
    assert k["A"] == "A_h A_a A_b A_c"
    assert k["fr0_L"] == "A_b( A_c( r0_d0 B_a r0_d1 C_a + ) ) A_a*"
    assert k["fr0_T"] == "r0_d0( B_a( B_b B_c + r0_d1( C_a( C_b C_c + ) ) ) ) A_c*"
    assert k["B_r0_0"] == "r0_d0 B_a B_b B_c"
    assert system.domains["A_a"] == 7 and system.domains["A_b"] == 15 and system.domains["r0_d0"] == 15


def test_soloveichik2010_bimolecular_matches_fig3():
    # Fig. 3: X1 + X2 -> X3. L also holds b1 c1 a2, which X1 displaces to open a2*; a free copy
    # of that strand (the buffer) makes the first step reversible.
    k, system = kernels("A + B -> C", "soloveichik2010")
    assert k["fr0_L"] == "A_b( A_c( B_a( + B_b( B_c( r0_d0 C_a + ) ) ) ) ) A_a*"
    assert k["fr0_B0"] == "A_b A_c B_a"
    assert system.complexes["fr0_B0"].role == "helper"
    assert k["fr0_T"] == "r0_d0( C_a( C_b C_c + ) ) B_c*"


def test_cardelli2011_nm_gate_matches_fig9():
    # Fig. 9, n x m gate for A + B -> C + D: strands b_A t_B, b_B t_g and the products h t b on the
    # bottom t_D* h1* t_C* h0* t_g* b_B* t_B* b_A* t_A*; one fuel t_g h0 t_C h1 t_D releases both.
    k, system = kernels("A + B -> C + D", "cardelli2011_NM_noGC")
    assert k["A"] == "A_h A_t A_b"
    assert k["fr0_G"] == "A_b( B_t( + B_b( r0_t( + r0_h0( C_t( C_b + r0_h1( D_t( D_b + ) ) ) ) ) ) ) ) A_t*"
    assert k["fr0_F"] == "r0_t r0_h0 C_t r0_h1 D_t"
    assert k["fr0_H0"] == "A_b B_t" and k["fr0_H1"] == "B_b r0_t"
    assert k["C_r0_0"] == "r0_h0 C_t C_b"


def test_qian2011_var1_gate_commits_between_reactants_and_products():
    # Bottom (5'->3'): f* t* h_C* t* g* f* t* r_B* t* r_A* t*. The reactant strands r t, then f and
    # g t (the irreversible step: fuel t f g), then the product h_C t r_C, then f again.
    k, system = kernels("A + B -> C", "qian2011_3D_var1")
    assert k["A"] == "A_h uni_t A_r" and system.domains["uni_t"] == 7 and system.domains["A_r"] == 15
    assert k["fr0_G"] == (
        "A_r( uni_t( + B_r( uni_t( + r0_f( + r0_g( uni_t( + C_h( uni_t( C_r + r0_f( + ) ) ) ) ) ) ) ) ) ) uni_t*"
    )
    assert k["fr0_F"] == "uni_t r0_f r0_g"
    # The species' own strands, shared by every gate of that species.
    assert k["fA_rt"] == "A_r uni_t" and k["fC_th"] == "uni_t C_h"
    assert system.complexes["fA_rt"].role == "helper" and system.complexes["fA_rt"].reaction is None


def test_qian2011_fig1_releases_products_before_the_irreversible_step():
    k, _ = kernels("A -> B + C", "qian2011_3D")
    assert k["fr0_G"] == "A_r( uni_t( + B_h( uni_t( B_r + C_h( uni_t( C_r + r0_f( + ) ) ) ) ) ) ) uni_t*"
    assert k["fr0_F"] == "uni_t r0_f"


def test_qian2011_reversible_pair_is_one_gate_in_two_states():
    # Fig. 2: the same bottom t* h_D* t* h_C* t* r_B* t* r_A* t*; G+ open at the 3' end, G- at the 5' end.
    k, system = kernels("A + B <=> C + D", "qian2011_3D_var1")
    assert k["fr0_Gf"] == "A_r( uni_t( + B_r( uni_t( + C_h( uni_t( C_r + D_h( uni_t( D_r + ) ) ) ) ) ) ) ) uni_t*"
    assert k["fr0_Gb"] == "A_h uni_t( A_r( + B_h uni_t( B_r( + uni_t( C_h( + uni_t( D_h( + uni_t* ) ) ) ) ) ) ) )"
    assert system.meta["reversible_pairs"] == [[0, 1]]
    assert system.modules[1].complexes == [] and system.modules[1].reaction == (("C", "D"), ("A", "B"))


FUEL_1X = {"fuel_excess": 1, "fuel_bound_margin": 1, "unit_nM": 10}


def test_shared_species_strands_add_up_and_are_written_once():
    from dmp.dsd.tables import format_pil

    system = compile_crn(parse_crn("A -> B; A + C -> B"), "qian2011_3D_var1", settings("dsd", **FUEL_1X)).system
    fuels = [m.complexes for m in system.modules]
    assert "fA_rt" in fuels[0] and "fA_rt" in fuels[1] and "fB_th" in fuels[0] and "fB_th" in fuels[1]
    # Two modules at 10 nM each (A, an input, at 1 unit; each fires at most once): 20 nM of each shared strand.
    assert system.complexes["fr0_G"].concentration == 10.0
    assert system.complexes["fA_rt"].concentration == 20.0 and system.complexes["fB_th"].concentration == 20.0
    assert format_pil(system).count("fA_rt = ") == 1


def test_srinivas2017_reactant_and_produce_gates():
    # Reactant gate: bottom s_B* m_B* f_B* s_A* m_A* f_A*, strands m_A s_A f_B and the flux m_B s_B h0.
    # Produce gate: bottom f_D* h1* f_C* h0* s_B*, products h0 f_C m_C s_C and h1 f_D m_D s_D;
    # the helper f_C h1 f_D releases the second product.
    k, system = kernels("A + B -> C + D", "srinivas2017")
    assert k["A"] == "A_h A_f A_m A_s"
    assert k["fr0_R"] == "A_m( A_s( B_f( + B_m( B_s( r0_h0 + ) ) ) ) ) A_f*"
    assert k["fr0_B0"] == "A_m A_s B_f" and system.complexes["fr0_B0"].role == "helper"
    assert k["fr0_P"] == "r0_h0( C_f( C_m C_s + r0_h1( D_f( D_m D_s + ) ) ) ) B_s*"
    assert k["fr0_H"] == "C_f r0_h1 D_f"
    assert k["D_r0_1"] == "r0_h1 D_f D_m D_s"
    # One product: the flux strand also carries the product's toehold and releases it whole.
    k, _ = kernels("A -> B", "srinivas2017")
    assert k["fr0_R"] == "A_m( A_s( r0_h0 B_f + ) ) A_f*"
    assert k["fr0_P"] == "r0_h0( B_f( B_m B_s + ) ) A_s*"


def test_formation_goes_through_a_source_fuel():
    # `-> A`: a strand shaped like a signal of a private species, in excess, feeds the scheme's gate.
    k, system = kernels("-> A", "soloveichik2010")
    assert k["fr0_S"] == "r0src_h r0src_a r0src_b r0src_c" and system.complexes["fr0_S"].role == "fuel"
    assert k["fr0_L"] == "r0src_b( r0src_c( r0_d0 A_a + ) ) r0src_a*"
    assert system.modules[0].reaction == ((), ("A",)) and system.modules[0].reactant_signals == []
    k, _ = kernels("-> A", "cardelli2011_NM_noGC")
    assert k["fr0_S"] == "r0src_h r0src_t r0src_b"


ALL_SCHEMES = ["soloveichik2010", "cardelli2011_NM_noGC", "qian2011_3D", "qian2011_3D_var1", "srinivas2017"]


@pytest.mark.parametrize("scheme", ALL_SCHEMES)
def test_every_gate_pairs_complementary_domains(scheme):
    _, system = kernels("A + B -> C + 2 D; C -> A + B + D + E; -> A; B ->; A + A -> B; C <=> D + E", scheme)
    for cplx in system.complexes.values():
        assert cplx.pairs_are_complementary(), (scheme, cplx.name, cplx.kernel)


def test_three_reactants_refused_naming_reaction_and_scheme():
    crn = parse_crn("A -> B\nA + B + C -> D\n", "net.crn")
    with pytest.raises(SchemeError) as info:
        compile_crn(crn, "soloveichik2010", settings("dsd"), source="net.crn")
    assert str(info.value) == (
        "net.crn: reaction 2 'A + B + C -> D' (line 2): scheme soloveichik2010 cannot implement it: "
        "it has 3 reactants; the scheme's gates take at most 2"
    )
    # The n x m gate of Cardelli 2011 takes any number of reactants.
    compile_crn(crn, "cardelli2011_NM_noGC", settings("dsd"))


def test_reserved_names_and_unknown_scheme_refused():
    with pytest.raises(SchemeError, match="species fuel is not a valid formal species name"):
        compile_crn(parse_crn("fuel -> B"), "soloveichik2010", settings("dsd"))
    with pytest.raises(SchemeError, match="unknown translation scheme 'qian2011'; known schemes: soloveichik2010"):
        compile_crn(parse_crn("A -> B"), "qian2011", settings("dsd"))


def test_fuel_concentration_is_excess_over_largest_signal():
    crn = parse_crn("A -> B; B @initial 2.5")
    system = compile_crn(crn, "soloveichik2010", settings("dsd", unit_nM=10, fuel_excess=4, input_units=1)).system
    # Largest signal: B at 2.5 units = 25 nM; fuels at 4 x 25 = 100 nM. A is an input at 1 unit.
    assert system.complexes["fr0_L"].concentration == 100.0
    assert system.complexes["B"].concentration == 25.0
    assert system.complexes["A"].concentration == 10.0
    assert system.meta["inputs"] == ["A"]


def test_declared_inputs_leave_an_unproduced_hidden_rail_at_zero():
    # A hidden neuron with no incoming weight and bias -0.3: its plus rail Hp is consumed by the
    # ReLU reaction but nothing produces it. In the formal CRN it stays at 0, so ReLU(-0.3) = 0;
    # supplying it like an input (1 unit) would make the neuron output 0.7.
    crn = parse_crn("X -> Y; Hp + Hm -> Hm; Hm @initial 0.3")
    options = settings("dsd", unit_nM=10, fuel_excess=4, input_units=1)
    guessed = compile_crn(crn, "soloveichik2010", options).system
    assert guessed.meta["inputs"] == ["X", "Hp"]  # without a species map: every unproduced source
    system = compile_crn(crn, "soloveichik2010", options, ["X"]).system
    assert system.meta["inputs"] == ["X"]
    assert system.complexes["X"].concentration == 10.0
    assert system.complexes["Hp"].concentration == 0.0
    assert system.complexes["Hm"].concentration == 3.0


@pytest.mark.parametrize(
    "kernel",
    ["a( b( + ) ) c*", "x( y + z( + ) ) w", "a b c", "a( + b( c + ) ) d"],
)
def test_kernel_parse_format_round_trip(kernel):
    strands, pairs = parse_kernel(kernel)
    assert format_kernel(strands, pairs) == kernel


def test_canonical_kernel_ignores_strand_rotation():
    # The same three-stranded complex written from each of its strands.
    a = "a( b( + c( + ) ) ) d*"
    b = "c( + ) b*( a*( d* + ) )"
    assert canonical_kernel(a) != a or canonical_kernel(b) != b
    assert canonical_kernel(a) == canonical_kernel(b)
