"""Pick the best candidate by rank aggregation over all scores (a Borda count with tied ranks).

For every score, candidates are ranked 1 (best) to n in the score's better direction; tied
candidates share the average of the ranks they span (scipy's `rankdata(method="average")`), so a
score on which all candidates agree gives every candidate the same rank and decides nothing.
A candidate's total is the sum of its ranks over all scores (equivalently, the Borda count with
points n - rank). The lowest total wins; ties go to the lower worst rank (the candidate with the
least bad weakness, Piperine's "best worst-rank"), then to the lower candidate index. Candidates
that fail a consistency check are ranked but cannot win. A score that was not computed (None)
ranks last; a score no candidate has ranks them all equal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Ranking:
    candidates: list[int]  # candidate indices, best first
    ranks: dict[int, dict[str, float]]  # candidate -> score -> rank (1 = best)
    totals: dict[int, float]
    worst: dict[int, float]
    eligible: dict[int, bool]

    @property
    def winner(self) -> int | None:
        return next((c for c in self.candidates if self.eligible[c]), None)


def rank_candidates(
    table: dict[int, dict[str, float]], better: dict[str, str], eligible: dict[int, bool] | None = None
) -> Ranking:
    """Rank candidates given as {candidate: {score: value}}; `better[score]` is "lower" or "higher"."""
    from scipy.stats import rankdata  # here, not at the top: scipy.stats takes a second to import

    candidates = sorted(table)
    eligible = {c: True for c in candidates} if eligible is None else dict(eligible)
    ranks: dict[int, dict[str, float]] = {c: {} for c in candidates}
    for score, direction in better.items():
        values = np.array([table[c][score] for c in candidates], dtype=float)  # None (not computed) -> nan
        if direction == "higher":
            values = -values
        elif direction != "lower":
            raise ValueError(f"score {score}: direction must be 'lower' or 'higher', not {direction!r}")
        values[np.isnan(values)] = np.inf
        for c, r in zip(candidates, rankdata(values, method="average"), strict=True):
            ranks[c][score] = float(r)
    totals = {c: sum(ranks[c].values()) for c in candidates}
    worst = {c: max(ranks[c].values(), default=0.0) for c in candidates}
    order = sorted(candidates, key=lambda c: (totals[c], worst[c], c))
    return Ranking(order, ranks, totals, worst, eligible)
