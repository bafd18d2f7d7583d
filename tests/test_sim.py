"""GillesPy2-backed simulation against closed-form solutions."""

import math

import numpy as np
import pytest

from dmp.crn.io import parse_crn
from dmp.sim.gillespy import simulate_ode, simulate_ssa


def test_ode_first_order_decay():
    # A -> B with k = 2: A(t) = exp(-2t).
    trajectory = simulate_ode(parse_crn("A -> B [k = 2]; A @initial 1"), 3.0, 31)
    t = trajectory.times
    np.testing.assert_allclose(trajectory.column("A"), np.exp(-2 * t), rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(trajectory.column("B"), 1 - np.exp(-2 * t), rtol=1e-6, atol=1e-10)
    assert t[-1] == 3.0


def test_ode_bimolecular_closed_form():
    # A + B -> C, k = 1, a0 = 1, b0 = 0.5: a(t) = d / (1 - (b0/a0) exp(-d t)), d = a0 - b0.
    trajectory = simulate_ode(parse_crn("A + B -> C; A @initial 1; B @initial 0.5"), 4.0, 9)
    t = trajectory.times
    expected = 0.5 / (1 - 0.5 * np.exp(-0.5 * t))
    np.testing.assert_allclose(trajectory.column("A"), expected, rtol=1e-6)


def test_ode_homodimer_uses_deterministic_mass_action():
    # 2A -> B, k = 1, as GillesPy2 writes it: dA/dt = -2 k A^2, so A(t) = 1 / (1/a0 + 2 k t).
    trajectory = simulate_ode(parse_crn("2 A -> B; A @initial 1"), 5.0, 6)
    np.testing.assert_allclose(trajectory.column("A"), 1 / (1 + 2 * trajectory.times), rtol=1e-6)


def test_ode_trimolecular_custom_propensity():
    # 3F -> G, k = 0.5: dF/dt = -3 k F^3, F(t) = (F0^-2 + 6 k t)^-1/2.
    trajectory = simulate_ode(parse_crn("3 F -> G [k = 0.5]; F @initial 2"), 5.0, 6)
    expected = (0.25 + 3.0 * trajectory.times) ** -0.5
    np.testing.assert_allclose(trajectory.column("F"), expected, rtol=1e-6)


def test_constant_species_stays_fixed():
    trajectory = simulate_ode(parse_crn("K + A -> K + B; K @constant 2; A @initial 1"), 1.0, 3)
    np.testing.assert_allclose(trajectory.column("K"), 2.0)
    assert trajectory.column("A")[-1] == pytest.approx(math.exp(-2.0), rel=1e-6)


def test_ssa_counts_are_scaled_and_seeded():
    crn = parse_crn("A -> B; A + B -> C; A @initial 1")
    first = simulate_ssa(crn, 50.0, 11, seed=5, molecules_per_unit=40)[0]
    again = simulate_ssa(crn, 50.0, 11, seed=5, molecules_per_unit=40)[0]
    np.testing.assert_array_equal(first.values, again.values)
    # Molecule conservation: A + B + 2C = 40 molecules = 1 unit at every time point.
    total = first.column("A") + first.column("B") + 2 * first.column("C")
    np.testing.assert_allclose(total, 1.0)
    # Counts are integers divided by the molecules per unit.
    np.testing.assert_allclose(first.values * 40, np.round(first.values * 40))
