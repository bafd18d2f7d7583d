"""Leak step: the DNA-level CRN of one scheme, with reporters and leak, on the test examples.

    leak  DSD folder (system.json, enumerated.crn) + species map + model + test data ->
          leak/summary.json, sweep.tsv, control.tsv, leak.png

At the operating point (the compiled concentrations, read out at `leak.readout_h`): agreement of
the class read off the reporters with the network, without leak and with the default leak, on
every test example; time to answer. Around it, one factor at a time on `leak.sweep.examples`
examples: leak (multiples of the default rate constants), unit concentration, fuel. A no-input
control (every input at 0) shows the leak-only reporter signal over time.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from dmp.crn.io import read_crn
from dmp.crn.species_map import SpeciesMap, fluorescent_species
from dmp.errors import DmpError
from dmp.fileio import write_json, write_tsv
from dmp.params import to_dict
from dmp.sim.leak import LeakSettings, Point, answer_times, leak_sources, log_times, point_crn, reads_right, summarise
from dmp.sim.readout import simulate_inputs
from dmp.stages.common import Run, first, read_test
from dmp.stages.dsd import load_compiled

SWEEP_HEADER = [
    "axis",
    "value",
    "unit_nM",
    "fuel",
    "k1_per_s",
    "k2_per_nM_s",
    "examples",
    "agreement",
    "argmax_agreement",
    "t_answer_median_h",
    "t_answer_worst_h",
    "t_lost_earliest_h",
]


class _Study:
    """What every simulation of the study shares: the CRN, its leak sources, the examples, the time grid."""

    def __init__(
        self, run: Run, dsd_dir: Path, species_path: Path, model_path: Path, data_path: Path, jobs: int | None
    ):
        self.settings: LeakSettings = run.settings("leak")
        self.sim = run.settings("simulation").at_level("dna")
        record, system, dsd = load_compiled(dsd_dir)
        if not system.meta.get("reporters"):
            raise DmpError(
                f"{dsd_dir}: no reporters; compile with dsd.reporters.enabled and the network's species.json"
            )
        self.scheme = system.scheme
        self.crn = read_crn(dsd_dir / "enumerated.crn")
        self.roles = {c.name: c.role for c in system.complexes.values()}
        self.sources = leak_sources(system, self.settings.reporters)
        self.unit = float(dsd.unit_nM)
        self.species_map = SpeciesMap.load(species_path)
        self.model, X, _ = read_test(model_path, data_path, self.sim.max_examples)
        self.X = self.model.scaling.apply(X)
        self.target = np.argmax(self.model.forward(X), axis=1)
        s = self.settings
        if not 0 < s.readout_h <= s.t_end_h:
            raise DmpError(f"leak.readout_h ({s.readout_h}) must be positive and at most leak.t_end_h ({s.t_end_h})")
        # The read-out time itself is an output time, so the class is read exactly then.
        self.times = np.union1d(log_times(s.t_end_h * 3600.0, s.points_per_decade), [s.readout_h * 3600.0])
        self.jobs = int(jobs or self.sim.jobs)
        self.default = Point(self.unit, 1.0, float(s.first_order_per_s), float(s.second_order_per_nM_s))

    def run(self, point: Point, X: np.ndarray, target: np.ndarray) -> dict[str, Any]:
        started = time.perf_counter()
        crn = point_crn(self.crn, self.roles, self.sources, self.unit, point)
        readout = simulate_inputs(crn, self.species_map, X, self.times, self.sim, point.unit_nM, self.jobs)
        answers = answer_times(
            self.times, readout.outputs, target, self.settings.readout_h * 3600.0, self.settings.margin
        )
        summary = summarise(answers, self.times, reads_right(readout.outputs, target, self.settings.margin))
        read = int(np.searchsorted(self.times, self.settings.readout_h * 3600.0, side="right")) - 1
        plain = int((np.argmax(readout.outputs[read], axis=1) == target).sum())
        return {
            "point": to_dict(point),
            **summary,
            "argmax_agreement": plain,  # margin 0: the class is whichever output is largest, however slightly
            "seconds": round(time.perf_counter() - started, 2),
        }

    def sweep(self) -> list[dict[str, Any]]:
        """One factor at a time around the operating point, on the first sweep.examples examples."""
        s = self.settings
        n = first(s.sweep.examples, len(self.target))
        X, target = self.X[:n], self.target[:n]
        d = self.default
        axes = [("leak", m, Point(d.unit_nM, d.fuel, d.k1 * m, d.k2 * m)) for m in s.sweep.leak]
        axes += [("first_order", k, Point(d.unit_nM, d.fuel, k, d.k2)) for k in s.sweep.first_order]
        axes += [("unit_nM", u, Point(u, d.fuel, d.k1, d.k2)) for u in s.sweep.unit_nM]
        axes += [("fuel", f, Point(d.unit_nM, f, d.k1, d.k2)) for f in s.sweep.fuel]
        return [{"axis": axis, "value": value, **self.run(point, X, target)} for axis, value, point in axes]

    def control(self) -> dict[str, Any]:
        """Every input at 0, with and without the default leak: each rail's fluorescent product over time."""
        zero = self.species_map.zero_input()[None, :]
        rails = self.species_map.output_rails()
        out: dict[str, Any] = {"time_h": [float(t) for t in self.times / 3600.0]}
        lum = [fluorescent_species(rail) for rail in rails]
        for label, point in (("no_leak", Point(self.unit, 1.0, 0.0, 0.0)), ("leak", self.default)):
            crn = point_crn(self.crn, self.roles, self.sources, self.unit, point)
            readout = simulate_inputs(crn, self.species_map, zero, self.times, self.sim, self.unit, 1, observe=lum)
            assert readout.observed is not None
            out[label] = {rail: [float(v) for v in readout.observed[:, 0, k]] for k, rail in enumerate(rails)}
            out[label + "_outputs"] = readout.outputs[:, 0, :].tolist()
        return out


def leak(
    run: Run,
    dsd_dir: str | Path,
    species_path: str | Path,
    model_path: str | Path,
    data_path: str | Path,
    out_dir: str | Path,
    jobs: int | None = None,
) -> dict[str, Any]:
    """summary.json, sweep.tsv, control.tsv and leak.png in `out_dir` (see the module docstring)."""
    out_dir = Path(out_dir)
    study = _Study(run, Path(dsd_dir), Path(species_path), Path(model_path), Path(data_path), jobs)
    s = study.settings
    started = time.perf_counter()
    d = study.default
    no_leak = study.run(Point(d.unit_nM, d.fuel, 0.0, 0.0), study.X, study.target)
    with_leak = study.run(d, study.X, study.target)
    sweep = study.sweep()
    control = study.control()
    summary = {
        "scheme": study.scheme,
        "readout_h": s.readout_h,
        "margin": s.margin,
        # Examples whose two largest network outputs differ by less than the margin can never count as read.
        "network_margin_below_reader_margin": int(np.sum(_network_margins(study) < s.margin)),
        "operating_point": to_dict(d),
        "no_leak": no_leak,
        "leak": with_leak,
        "sweep_examples": sweep[0]["examples"] if sweep else 0,
        "sweep": sweep,
        "control": _control_summary(control, study, s.readout_h),
        "settings": to_dict(s),
        "seconds": round(time.perf_counter() - started, 1),
        "provenance": run.provenance(),
    }
    write_tsv(out_dir / "sweep.tsv", SWEEP_HEADER, (_sweep_row(r) for r in sweep))
    rails = study.species_map.output_rails()
    write_tsv(
        out_dir / "control.tsv",
        [
            "time_h",
            *[f"{fluorescent_species(r)}_nM" for r in rails],
            *[f"{fluorescent_species(r)}_nM_leak" for r in rails],
        ],
        (
            [t, *[control["no_leak"][r][k] for r in rails], *[control["leak"][r][k] for r in rails]]
            for k, t in enumerate(control["time_h"])
        ),
    )
    write_json(out_dir / "summary.json", summary)
    from dmp.plots import leak_figure

    leak_figure(out_dir / "leak.png", summary, control, rails, study.model.classes)
    return summary


def _network_margins(study: _Study) -> np.ndarray:
    """Per test example: the network's largest output minus its second largest."""
    outputs = np.sort(study.model.forward_scaled(study.X), axis=1)
    return outputs[:, -1] - outputs[:, -2] if outputs.shape[1] > 1 else np.full(len(outputs), np.inf)


def _sweep_row(r: dict[str, Any]) -> list[Any]:
    p = r["point"]
    cells = [r["axis"], r["value"], p["unit_nM"], p["fuel"], p["k1"], p["k2"], r["examples"], r["agreement"]]
    cells.append(r["argmax_agreement"])
    cells += [r["t_answer_median_h"], r["t_answer_worst_h"], r["t_lost_earliest_h"]]
    return ["" if v is None else v for v in cells]


def _control_summary(control: dict[str, Any], study: _Study, readout_h: float) -> dict[str, Any]:
    """The leak-only signal of the no-input control at the read-out: leak minus no leak, per rail, in nM and units."""
    k = int(np.searchsorted(np.asarray(control["time_h"]), readout_h, side="right")) - 1
    rails = study.species_map.output_rails()
    extra = {r: control["leak"][r][k] - control["no_leak"][r][k] for r in rails}
    return {
        "inputs": "all input species at 0",
        "at_readout_h": control["time_h"][k],
        "leak_only_nM": extra,
        "leak_only_units": {r: v / study.unit for r, v in extra.items()},
        "outputs_no_leak": control["no_leak_outputs"][k],
        "outputs_leak": control["leak_outputs"][k],
    }
