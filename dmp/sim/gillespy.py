"""Simulate any CRN with GillesPy2: deterministic (ODESolver, LSODA) or stochastic (SSA).

Species are given neutral names (s0, s1, ...) inside GillesPy2 so that any `.crn` name is
safe in its propensity expressions. Mass action throughout: an ODE rate is k * [A] * [B]; for
the SSA one concentration unit maps to `molecules_per_unit` molecules and the volume is set to
that number, so GillesPy2's stochastic propensity k * a * b / vol matches the ODE rate.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dmp.crn.model import CRN
from dmp.errors import DmpError
from dmp.fileio import atomic_path

METHODS = ("ode", "ssa")
_PAUSED = 33  # GillesPy2 SimulationReturnCode.PAUSED: the run stopped at its timeout


@dataclass
class Trajectory:
    """Concentrations over time: `values[t, s]` of `species[s]` at `times[t]` (one trajectory)."""

    times: np.ndarray
    species: list[str]
    values: np.ndarray

    def final(self) -> dict[str, float]:
        return {name: float(v) for name, v in zip(self.species, self.values[-1], strict=True)}

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.species.index(name)]

    def write_csv(self, path: str | Path) -> None:
        """CSV with header `time,<species...>`, one row per time point."""
        header = "time," + ",".join(self.species)
        with atomic_path(path) as tmp:
            np.savetxt(
                tmp, np.column_stack([self.times, self.values]), delimiter=",", header=header, comments="", fmt="%.12g"
            )


def _quiet_gillespy() -> None:
    logging.getLogger("GillesPy2").setLevel(logging.ERROR)


def _propensities(reactants: tuple[str, ...], names: dict[str, str], k: str) -> tuple[str, str]:
    """Custom mass-action propensities (stochastic, deterministic) for any reaction order.

    GillesPy2's built-in mass action stops at order two; higher orders use the standard
    combinatorial form k * prod C(n_s, m_s) * m_s! / vol^(order-1).
    """
    counts: dict[str, int] = {}
    for r in reactants:
        counts[r] = counts.get(r, 0) + 1
    stochastic, deterministic = [k], [k]
    for species, m in counts.items():
        s = names[species]
        deterministic.append(f"pow({s}, {m})" if m > 1 else s)
        falling = " * ".join(f"({s} - {i})" if i else s for i in range(m))
        stochastic.append(f"({falling})")
    order = len(reactants)
    vol = f" / pow(vol, {order - 1})" if order > 1 else (" * vol" if order == 0 else "")
    return " * ".join(stochastic) + vol, " * ".join(deterministic)


def build_model(
    crn: CRN,
    t_end: float,
    points: int,
    initial: dict[str, float] | None = None,
    discrete: bool = False,
    molecules_per_unit: int = 1,
):  # -> gillespy2.Model
    """A GillesPy2 model of `crn`; `initial` overrides the CRN's initial concentrations."""
    import gillespy2

    _quiet_gillespy()
    species = crn.species
    names = {name: f"s{i}" for i, name in enumerate(species)}
    scale = molecules_per_unit if discrete else 1
    model = gillespy2.Model(name="crn", volume=float(scale))
    values = dict(crn.initial)
    if initial:
        unknown = sorted(set(initial) - set(species))
        if unknown:
            raise DmpError(f"initial concentration given for unknown species {unknown[0]}")
        values.update(initial)
    for name in species:
        value = crn.constant.get(name, values.get(name, 0.0)) * scale
        model.add_species(
            gillespy2.Species(
                name=names[name],
                initial_value=int(round(value)) if discrete else float(value),
                mode="discrete" if discrete else "continuous",
                boundary_condition=name in crn.constant,
            )
        )
    for index, reaction in enumerate(crn.reactions):
        model.add_parameter(gillespy2.Parameter(name=f"k{index}", expression=repr(float(reaction.rate))))
        reactants: dict[str, int] = {}
        for r in reaction.reactants:
            reactants[names[r]] = reactants.get(names[r], 0) + 1
        products: dict[str, int] = {}
        for p in reaction.products:
            products[names[p]] = products.get(names[p], 0) + 1
        if reaction.order <= 2:
            model.add_reaction(
                gillespy2.Reaction(name=f"r{index}", reactants=reactants, products=products, rate=f"k{index}")
            )
        else:
            stochastic, deterministic = _propensities(reaction.reactants, names, f"k{index}")
            model.add_reaction(
                gillespy2.Reaction(
                    name=f"r{index}",
                    reactants=reactants,
                    products=products,
                    propensity_function=stochastic,
                    ode_propensity_function=deterministic,
                )
            )
    model.timespan(np.linspace(0.0, float(t_end), int(points)))
    return model


def _check_times(t_end: float, points: int) -> None:
    if not t_end > 0:
        raise DmpError(f"--t-end must be positive, got {t_end}")
    if points < 2:
        raise DmpError(f"need at least 2 time points, got {points}")


def simulate_ode(
    crn: CRN,
    t_end: float,
    points: int = 101,
    initial: dict[str, float] | None = None,
    rtol: float = 1e-9,
    atol: float = 1e-11,
) -> Trajectory:
    """Deterministic mass-action trajectory with GillesPy2's ODESolver (SciPy LSODA)."""
    from gillespy2 import ODESolver

    _check_times(t_end, points)
    model = build_model(crn, t_end, points, initial)
    result = ODESolver(model=model).run(
        integrator="lsoda", integrator_options={"rtol": rtol, "atol": atol, "nsteps": 10**6}
    )
    data = result[0]
    species = crn.species
    values = np.column_stack([data[f"s{i}"] for i in range(len(species))]) if species else np.zeros((points, 0))
    return Trajectory(np.asarray(data["time"], dtype=float), species, values)


def uniform_runs(times: np.ndarray) -> list[np.ndarray]:
    """Split increasing output times into runs of equal spacing, each starting where the last ended."""
    times = np.asarray(times, dtype=np.float64)
    runs, i = [], 0
    while i < len(times) - 1:
        step = times[i + 1] - times[i]
        j = i + 1
        while j + 1 < len(times) and np.isclose(times[j + 1] - times[j], step, rtol=1e-9, atol=0.0):
            j += 1
        runs.append(times[i : j + 1])
        i = j
    return runs


def simulate_ode_on(
    crn: CRN, times: np.ndarray, initial: dict[str, float] | None = None, rtol: float = 1e-9, atol: float = 1e-11
) -> np.ndarray:
    """(T, S) concentrations at any piecewise-uniform `times` starting at 0, with GillesPy2's ODESolver.

    GillesPy2 samples only uniform time spans, so each uniform run of `times` is one GillesPy2
    run that starts from the state where the previous one ended (mass action is autonomous).
    """
    times = np.asarray(times, dtype=np.float64)
    if len(times) == 0 or times[0] != 0.0 or np.any(np.diff(times) <= 0):
        raise DmpError("output times must start at 0 and increase")
    state = {name: crn.concentration(name) for name in crn.species}
    state.update(initial or {})
    rows = [np.array([state[name] for name in crn.species], dtype=np.float64)]
    for run in uniform_runs(times):
        trajectory = simulate_ode(crn, float(run[-1] - run[0]), len(run), state, rtol=rtol, atol=atol)
        rows.extend(trajectory.values[1:])
        # LSODA may leave a species a hair below zero; GillesPy2 refuses negative initial values.
        state = {name: max(value, 0.0) for name, value in trajectory.final().items()}
    return np.array(rows).reshape(len(times), len(crn.species))


def cpp_available() -> bool:
    """GillesPy2's C++ solvers compile with g++ and SCons on first use."""
    _expose_scons()
    return shutil.which("g++") is not None and shutil.which("scons") is not None


def _expose_scons() -> None:
    """Put this interpreter's script folder on PATH so GillesPy2 finds the `scons` it installed.

    GillesPy2 looks for `scons` on PATH and otherwise runs `<resolved sys.executable> -m SCons`;
    inside a virtual environment that resolves to the base interpreter, which lacks SCons, so the
    C++ build fails unless the environment is activated. Prepending the folder fixes both cases.
    """
    scripts = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if scripts not in path.split(os.pathsep):
        os.environ["PATH"] = scripts + (os.pathsep + path if path else "")


def simulate_ssa(
    crn: CRN,
    t_end: float,
    points: int = 101,
    seed: int = 0,
    molecules_per_unit: int = 100,
    initial: dict[str, float] | None = None,
    trajectories: int = 1,
    timeout: float | None = None,
) -> list[Trajectory] | None:
    """Stochastic trajectories (GillesPy2 SSA) in concentration units (molecule count / molecules_per_unit).

    Uses the compiled SSACSolver when g++ is present, NumPySSASolver otherwise. With `timeout`
    (seconds), a run that has not reached `t_end` by then stops and None is returned.
    """
    _check_times(t_end, points)
    if molecules_per_unit < 1:
        raise DmpError(f"molecules per unit must be at least 1, got {molecules_per_unit}")
    model = build_model(crn, t_end, points, initial, discrete=True, molecules_per_unit=molecules_per_unit)
    if cpp_available():
        from gillespy2 import SSACSolver

        solver = SSACSolver(model=model)
    else:
        from gillespy2 import NumPySSASolver

        solver = NumPySSASolver(model=model)
    options = {"timeout": max(1, math.ceil(timeout))} if timeout else {}
    results = solver.run(number_of_trajectories=trajectories, seed=int(seed) % (2**31 - 1) or 1, **options)
    if getattr(solver, "rc", 0) == _PAUSED:  # GillesPy2's return code when the timeout stopped the run
        return None
    species = crn.species
    out = []
    for data in results:
        counts = np.column_stack([data[f"s{i}"] for i in range(len(species))]) if species else np.zeros((points, 0))
        out.append(Trajectory(np.asarray(data["time"], dtype=float), species, counts / molecules_per_unit))
    return out


def default_workers() -> int:
    """Worker processes available to this job (respects CPU affinity)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
