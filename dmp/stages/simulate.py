"""`dmp simulate`: any .crn file from its own initial concentrations, ODE or SSA, as CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dmp.crn.io import read_crn, require_known_species


def simulate(
    crn_path: str | Path,
    t_end: float,
    method: str,
    seed: int,
    out: str | Path | None,
    points: int = 101,
    molecules_per_unit: int = 100,
) -> str:
    """Simulate a .crn file; writes `out` (if given) and returns the CSV text."""
    from dmp.sim.gillespy import simulate_ode, simulate_ssa

    crn = read_crn(crn_path)
    require_known_species(crn, str(crn_path))
    if method == "ode":
        trajectory = simulate_ode(crn, t_end, points)
    else:
        trajectory = simulate_ssa(crn, t_end, points, seed=seed, molecules_per_unit=molecules_per_unit)[0]
    if out is not None:
        trajectory.write_csv(out)
    header = "time," + ",".join(trajectory.species)
    rows = [",".join(f"{v:.12g}" for v in row) for row in np.column_stack([trajectory.times, trajectory.values])]
    return "\n".join([header, *rows]) + "\n"
