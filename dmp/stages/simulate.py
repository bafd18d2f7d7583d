"""`dmp simulate`: any .crn file from its own initial concentrations, ODE or SSA, as CSV."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from dmp.crn.io import read_crn, warn_inert_species
from dmp.errors import DmpError, DmpWarning
from dmp.fileio import write_text
from dmp.stages.common import writes_together

# Outside these end times a run is valid but almost certainly a typing slip (formal time units).
UNUSUAL_T_END = (1e-9, 1e12)
MAX_POINTS = 1_000_000
MAX_SSA_MOLECULES = 1e8  # an SSA simulates each reaction event: 1e8 molecules is already minutes


def check_times(t_end: float, points: int) -> None:
    """Refuse an end time that is not a positive finite number, or a point count out of range; warn if unusual."""
    if not math.isfinite(t_end) or t_end <= 0:
        raise DmpError(f"--t-end must be a positive finite number, got {t_end}")
    if not 2 <= points <= MAX_POINTS:
        raise DmpError(f"--points must be between 2 and {MAX_POINTS}, got {points}")
    if not UNUSUAL_T_END[0] <= t_end <= UNUSUAL_T_END[1]:
        warnings.warn(
            f"--t-end {t_end:g} is outside {UNUSUAL_T_END[0]:g}..{UNUSUAL_T_END[1]:g}", DmpWarning, stacklevel=2
        )


@writes_together
def simulate(
    crn_path: str | Path,
    t_end: float,
    method: str,
    seed: int,
    out: str | Path | None,
    points: int = 101,
    molecules_per_unit: int = 100,
    timeout: float | None = None,
) -> str:
    """Simulate a .crn file; writes `out` (if given) and returns the CSV text.

    ODE: SciPy's BDF on dmp's sparse mass-action model (its cost grows with the CRN, not with its
    square, as GillesPy2's model build does); SSA: GillesPy2.
    """
    check_times(t_end, points)
    crn = read_crn(crn_path)
    warn_inert_species(crn, str(crn_path))
    times = np.linspace(0.0, float(t_end), int(points))
    if method == "ode":
        from dmp.sim.batch import simulate_one

        try:
            states, species = simulate_one(crn, times), crn.species
        except DmpError as exc:
            raise DmpError(f"{crn_path}: {exc}") from None
    else:
        from dmp.sim.gillespy import simulate_ssa

        molecules = sum(crn.initial.values()) * molecules_per_unit
        if molecules > MAX_SSA_MOLECULES:
            raise DmpError(
                f"{crn_path}: the SSA would start with {molecules:g} molecules (concentrations x --molecules-per-unit "
                f"{molecules_per_unit}), more than {MAX_SSA_MOLECULES:g}; every one is at least one event to simulate"
            )
        runs = simulate_ssa(crn, t_end, points, seed=seed, molecules_per_unit=molecules_per_unit, timeout=timeout)
        if runs is None:
            raise DmpError(
                f"{crn_path}: the SSA did not reach --t-end {t_end:g} within --timeout {timeout:g} s (molecule "
                "counts that grow without bound never finish); raise --timeout to wait longer"
            )
        trajectory = runs[0]
        states, species = trajectory.values, trajectory.species
    if not np.isfinite(states).all():
        raise DmpError(f"{crn_path}: the simulation left the range of floating-point numbers (values overflow)")
    header = "time," + ",".join(species)
    rows = [",".join(f"{v:.12g}" for v in row) for row in np.column_stack([times, states])]
    text = "\n".join([header, *rows]) + "\n"
    if out is not None:
        write_text(out, text)
    return text
