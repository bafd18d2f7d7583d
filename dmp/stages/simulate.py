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

        states, species = simulate_one(crn, times), crn.species
    else:
        from dmp.sim.gillespy import simulate_ssa

        trajectory = simulate_ssa(crn, t_end, points, seed=seed, molecules_per_unit=molecules_per_unit)[0]
        states, species = trajectory.values, trajectory.species
    if not np.isfinite(states).all():
        raise DmpError(f"{crn_path}: the simulation left the range of floating-point numbers (values overflow)")
    header = "time," + ",".join(species)
    rows = [",".join(f"{v:.12g}" for v in row) for row in np.column_stack([times, states])]
    text = "\n".join([header, *rows]) + "\n"
    if out is not None:
        write_text(out, text)
    return text
