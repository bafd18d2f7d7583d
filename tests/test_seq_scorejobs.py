"""Chunked scoring: any split of the plan collects to the same candidate record as one chunk."""

import dataclasses
import json

import pytest
from conftest import compiled_folder
from conftest import settings as stage_settings

from dmp.seq.domains import DomainSpec, design_domains
from dmp.seq.model import strand_infos, toehold_domains
from dmp.seq.scorejobs import chunk_tasks, collect, run_chunk, score_design, score_plan
from dmp.seq.scores import top_strand_interactions
from dmp.seq.thermo import Thermo
from dmp.seq.toeholds import ToeholdSpec, design_toeholds
from dmp.stages.dsd import load_compiled

THERMO = Thermo(25.0, 1.0)


@pytest.fixture(scope="module")
def designed(tmp_path_factory):
    """A -> B and B -> C compiled with the Soloveichik scheme, sequences from a short domain search."""
    folder = tmp_path_factory.mktemp("jobs")
    out = compiled_folder(folder, "A -> B\nB -> C\nA @initial 1\n")
    _, system, _ = load_compiled(out)
    names = toehold_domains(system)
    toeholds = dict(zip(names, design_toeholds(len(names), ToeholdSpec(7, 10.0, 0.5, 0.65, 25.0), 3), strict=True))
    design = design_domains(system, toeholds, DomainSpec(effort=1.0), 4)
    settings = stage_settings("seq", scoring={"max_pairs": 10, "dimer_screen_nt": 4})  # small budget: exact + sampled
    return system, design, settings


def test_chunks_collect_to_the_unchunked_record(designed):
    system, design, settings = designed
    whole = score_design(system, design, settings, THERMO, seed=9)
    plan = score_plan(system, design, settings, seed=9)
    kinds = {task[0] for task in plan.tasks}
    assert {"strand", "tsi", "to", "bn", "bind"} <= kinds
    for chunks in (2, 3):
        parts = [json.loads(json.dumps(run_chunk(plan, k, chunks, THERMO))) for k in range(chunks)]  # via JSON
        split = collect(plan, list(reversed(parts)), system, design, settings, THERMO)
        assert json.dumps(split, sort_keys=True) == json.dumps(whole, sort_keys=True)
    # every task lands in exactly one chunk
    dealt = sorted(t for k in range(3) for t in chunk_tasks(plan, k, 3))
    assert dealt == list(range(len(plan.tasks)))


def test_missing_or_foreign_chunks_are_refused(designed):
    from dmp.errors import DmpError

    system, design, settings = designed
    plan = score_plan(system, design, settings, seed=9)
    first = run_chunk(plan, 0, 2, THERMO)
    with pytest.raises(DmpError, match="in no chunk"):
        collect(plan, [first], system, design, settings, THERMO)
    other = score_plan(system, design, settings, seed=10)  # another seed: other samples, another plan
    with pytest.raises(DmpError, match="another design or plan"):
        collect(other, [first, run_chunk(plan, 1, 2, THERMO)], system, design, settings, THERMO)


def test_unbudgeted_tsi_matches_the_in_memory_screen(designed):
    """Without a pair budget the streamed plan folds the same pairs as scores.top_strand_interactions."""
    system, design, settings = designed
    settings = dataclasses.replace(settings, scoring=dataclasses.replace(settings.scoring, max_pairs=0))
    scored = score_design(system, design, settings, THERMO, seed=9)
    top = [design.strand(i.domains) for i in strand_infos(system) if i.top]
    per_strand, info = top_strand_interactions(top, THERMO, 1e-6, settings.scoring.dimer_screen_nt)
    assert scored["details"]["tsi"]["pairs_folded"] == info["pairs_folded"]
    assert scored["scores"]["tsi_avg"] == pytest.approx(sum(per_strand) / len(per_strand), rel=1e-6)


def test_binding_margins_are_positive_when_the_designed_strands_bind_more_weakly(designed):
    system, design, settings = designed
    binding = score_design(system, design, settings, THERMO, seed=9)["details"]["binding"]
    for name in ("shuffled", "random"):
        expected = binding["designed"]["mean_dG"] - binding[name]["mean_dG"]  # ΔG: higher binds more weakly
        assert binding[f"margin_vs_{name}"] == pytest.approx(expected, abs=1e-3)
