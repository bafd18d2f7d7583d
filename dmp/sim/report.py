"""Summary tables as a small self-contained HTML page (Snakemake's report shows HTML inline)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dmp.fileio import write_text

_STYLE = (
    "body{font-family:sans-serif;font-size:13px;margin:1em}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em 0}"
    "th,td{border:1px solid #bbb;padding:3px 8px;text-align:right}"
    "th{background:#eee}td:first-child,th:first-child{text-align:left}"
)


def cell(value: Any) -> str:
    """A table cell: floats with 4 significant digits, None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:.4g}"
    return str(value)


def write_tables(
    path: str | Path, title: str, sections: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]], notes=()
) -> None:
    """Write an HTML page with one table per (heading, header, rows) section and notes as paragraphs."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"]
    parts.append(f"<style>{_STYLE}</style></head><body><h2>{html.escape(title)}</h2>")
    for heading, header, rows in sections:
        parts.append(f"<h3>{html.escape(heading)}</h3><table><tr>")
        parts.extend(f"<th>{html.escape(str(h))}</th>" for h in header)
        parts.append("</tr>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>")
        parts.append("</table>")
    parts.extend(f"<p>{html.escape(note)}</p>" for note in notes)
    parts.append("</body></html>\n")
    write_text(path, "".join(parts))


def agreement_html(path: str | Path, summary: dict[str, Any]) -> None:
    """summary.html of the agreement step: formal CRNs, then each scheme's DNA-level CRN."""
    formal_rows = [
        [
            name,
            e["n_test"],
            e["crn_nn_argmax_agreement"],
            e["crn_test_accuracy"],
            e["max_abs_output_error"],
            e["stabilisation_time"]["median"],
            e["stabilisation_time"]["max"],
            e["converged_fraction"],
            e["stabilisation_vs_confidence"]["rho"],
            e["stabilisation_vs_confidence"]["p_value"],
        ]
        for name, e in summary["crns"].items()
    ]
    sections = [
        (
            f"Formal CRNs ({summary['method']}, t_end {summary['t_end']:g})",
            [
                "CRN",
                "examples",
                "argmax agreement with network",
                "test accuracy",
                "max |y - y_NN|",
                "median stabilisation time",
                "max stabilisation time",
                "converged",
                "Spearman rho (t_stable vs confidence)",
                "p-value",
            ],
            formal_rows,
        )
    ]
    if "dna" in summary:
        sections.append(_dna_section(summary["dna"]))
    write_tables(
        path,
        "Agreement of the chemistry with the network",
        sections,
        [
            f"Network test accuracy {summary['nn_test_accuracy']:.4f} on {summary['n_test']} examples.",
            "Stabilisation time: first time after which every output stays within the tolerance of its value "
            "at t_end; time to 90 %: within 10 % of each output's total change.",
        ],
    )


def _dna_section(dna: dict[str, Any]) -> tuple[str, list[str], list[list[Any]]]:
    rows = [
        [
            scheme,
            e["n_test"],
            e["vs_network"]["crn_nn_argmax_agreement"],
            e["vs_network"]["max_abs_output_error"],
            e["vs_formal"]["argmax_agreement"],
            e["vs_formal"]["max_abs_difference"],
            e["time_to_90_percent_h"]["median"],
            e["time_to_90_percent_h"]["max"],
            e["converged_fraction"],
            e["min_fuel_fraction_left"]["min"],
        ]
        for scheme, e in dna["schemes"].items()
    ]
    return (
        f"DNA level: enumerated CRNs, {dna['unit_nM']:g} nM per unit, t_end {dna['t_end_s'] / 3600:g} h",
        [
            "scheme",
            "examples",
            "argmax agreement with network",
            "max |y - y_NN|",
            f"argmax agreement with {dna['formal_crn']} CRN",
            "max |y - y_formal|",
            "median time to 90 % (h)",
            "max time to 90 % (h)",
            "converged",
            "least fuel left (fraction)",
        ],
        rows,
    )


def ssa_html(path: str | Path, summary: dict[str, Any], sweep_header: list[str], ssa_t_end: float) -> None:
    """summary.html of the SSA step: the ensembles, then the molecule-count sweep."""
    sweep = summary["sweep"]
    n_sweep = sweep[0]["examples"] if sweep else 0
    write_tables(
        path,
        "Stochastic simulation (GillesPy2 SSA)",
        [
            (
                f"{summary['n_examples']} test examples, {summary['trajectories_per_example']} trajectories each, "
                f"{summary['molecules_per_unit']} molecules per unit, t_end {ssa_t_end:g}, solver {summary['solver']}",
                [
                    "mean argmax agreement",
                    "examples: all agree",
                    "examples: none agree",
                    "mean |y - y_NN|",
                    "max |y - y_NN|",
                    "mean output std",
                ],
                [
                    [
                        summary["mean_argmax_agreement"],
                        summary["examples_all_trajectories_agree"],
                        summary["examples_no_trajectory_agrees"],
                        summary["mean_abs_error"],
                        summary["max_abs_error"],
                        summary["mean_output_std"],
                    ]
                ],
            ),
            (
                f"Molecule-count sweep (first {n_sweep} examples)",
                sweep_header,
                [[r[h] for h in sweep_header] for r in sweep],
            ),
        ],
        [
            "A non-competitive CRN that runs to completion reaches the same final counts on every trajectory; "
            "what differs from the network is the rounding of inputs and biases to whole molecules, and "
            "trajectories whose last bimolecular encounters had not happened by t_end."
        ],
    )


def rates_html(path: str | Path, summary: dict[str, Any]) -> None:
    """summary.html of the rate-independence step: every CRN, then the competitive contrast."""
    lo, hi = summary["log10_rate_range"]
    comp = summary["competitive"]
    write_tables(
        path,
        "Rate independence",
        [
            (
                f"{summary['draws']} draws of every rate constant, log-uniform on [1e{lo:g}, 1e{hi:g}], "
                f"{summary['examples']} test examples",
                [
                    "CRN",
                    "reactions",
                    "max change of any output",
                    "max |y - y_NN|",
                    "min argmax agreement",
                    f"unchanged (<= {summary['tolerance']:g})",
                ],
                [
                    [
                        n,
                        v["reactions"],
                        v["max_deviation_from_original_rates"],
                        v["max_abs_error_vs_network"],
                        v["min_argmax_agreement"],
                        v["unchanged"],
                    ]
                    for n, v in summary["crns"].items()
                ],
            ),
            (
                "Competitive contrast: A + B -> C, A + D -> E (A = 1, B = D = 0.6)",
                ["final C at equal rates", "min over draws", "max over draws", "max change"],
                [[comp["at_equal_rates"], comp["min"], comp["max"], comp["max_deviation"]]],
            ),
        ],
    )
