"""Linear solves (I - c J) x = b for B independent copies of one mass-action CRN.

An implicit ODE step spends most of its time here. A general sparse LU of the block-diagonal
system of B examples costs SuperLU about 10 ms per factorisation and 1 ms per solve for the
virus CRN (106 examples), and more than a second per factorisation at MNIST size, where fan-out
columns fill in. CRN Jacobians have more structure than SuperLU can see:

- grouped into strongly connected components (species that influence each other, such as A and
  Z- of a ReLU module), the matrix is block lower-triangular, and the components fall into a
  few *levels* (the longest chain of dependencies: inputs, first-layer sums, ...). A solve is
  one forward substitution per level, vectorised over all examples and all components of the
  level, with the small diagonal blocks inverted in batches by NumPy; a large component (more
  than `dense_limit` species) gets SuperLU on its own B copies;
- entries that come only from unimolecular reactions (all fan-outs of a network CRN) are the
  same for every example and every time: they form one constant sparse matrix per level, so
  their part of a solve is a single sparse-times-dense product, with no per-example values.

The result is exact: the Newton matrix is factorised, not approximated. Hand-written because no
library offers a batched block-triangular solve; SciPy provides the pieces (strongly connected
components, sparse products, SuperLU) and this module only arranges them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu

# Sparse matrices with at most this many entries (rows x columns) are stored dense: for small
# systems SciPy's sparse dispatch costs more than the multiplication itself.
_DENSE_ENTRIES = 40_000


def _compact(matrix: sp.csr_matrix) -> np.ndarray | sp.csr_matrix:
    return matrix.toarray() if matrix.shape[0] * matrix.shape[1] <= _DENSE_ENTRIES else matrix


@dataclass
class _Level:
    lo: int  # the level's species are order[lo:hi]: singles, dense blocks (flattened, by size), large blocks
    hi: int
    const_off: np.ndarray | sp.csr_matrix  # (hi - lo, lo): constant entries coupling to earlier levels
    const_count: int
    var_ids: np.ndarray  # variable entries coupling this level to earlier ones: index among variable entries
    var_cols: np.ndarray  # their columns, in permuted coordinates
    var_scatter: np.ndarray | sp.csr_matrix  # (hi - lo, len(var_ids)): adds each product into its row
    singles: np.ndarray
    dense: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    # per block size k: (blocks (nb, k) of species, entry ids, block, local row, local col of in-block entries)
    large: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    # per large block: (species (k,), entry ids, local row, local col)


class BlockTriangularSolver:
    """Structure of one CRN's Jacobian pattern, reused for every factorisation and solve.

    `rows`, `cols` list the distinct structurally non-zero Jacobian entries; `constant` marks
    those whose value is the same for every state, and `const_values` gives those values (the
    variable entries are passed to `factor` as (variable entries x examples) values).
    """

    def __init__(
        self,
        n_species: int,
        rows: np.ndarray,
        cols: np.ndarray,
        constant: np.ndarray,
        const_values: np.ndarray,
        dense_limit: int = 48,
    ) -> None:
        S = n_species
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        constant = np.asarray(constant, dtype=bool)
        self.n_species = S
        self.constant = constant
        self.const_values = np.asarray(const_values, dtype=np.float64)
        self.source = np.zeros(len(rows), dtype=np.int64)  # index of each entry among its kind
        self.source[constant] = np.arange(int(constant.sum()))
        self.source[~constant] = np.arange(int((~constant).sum()))
        off = rows != cols
        graph = sp.csr_matrix((np.ones(int(off.sum())), (cols[off], rows[off])), shape=(S, S))  # j -> i
        n_comp, comp = connected_components(graph, directed=True, connection="strong")
        self.diag_ids = np.flatnonzero(~off)
        self.diag_species = rows[~off]
        blocks = _Blocks(S, n_comp, comp, rows, cols)
        self.max_block = max((len(m) for m in blocks.members), default=0)
        plans = _plan_levels(blocks, _levels(n_comp, comp, rows, cols, off), dense_limit)
        # A solve works on the state permuted into this order, so that every level is one slice.
        self.order = np.concatenate([p[0] for p in plans]) if plans else np.zeros(0, dtype=np.int64)
        self.position = np.empty(S, dtype=np.int64)
        self.position[self.order] = np.arange(len(self.order))
        self.levels = self._couple_levels(plans, rows, cols, blocks.inside)

    def _couple_levels(
        self, plans: list[tuple], rows: np.ndarray, cols: np.ndarray, inside: np.ndarray
    ) -> list[_Level]:
        """Pass 2: the entries coupling each level to earlier ones, in permuted coordinates."""
        levels, lo = [], 0
        for level_species, singles, dense, large in plans:
            hi = lo + len(level_species)
            row_in = self.position[rows] - lo
            coupling = (row_in >= 0) & (row_in < hi - lo) & ~inside
            const_e = np.flatnonzero(coupling & self.constant)
            var_e = np.flatnonzero(coupling & ~self.constant)
            const_off = sp.csr_matrix(
                (self.const_values[self.source[const_e]], (row_in[const_e], self.position[cols[const_e]])),
                shape=(hi - lo, lo),
            )
            scatter = sp.csr_matrix(
                (np.ones(len(var_e)), (row_in[var_e], np.arange(len(var_e)))), shape=(hi - lo, len(var_e))
            )
            levels.append(
                _Level(
                    lo,
                    hi,
                    _compact(const_off),
                    len(const_e),
                    self.source[var_e],
                    self.position[cols[var_e]],
                    _compact(scatter),
                    singles,
                    dense,
                    large,
                )
            )
            lo = hi
        return levels

    def entry_values(self, ids: np.ndarray, var_values: np.ndarray) -> np.ndarray:
        """(len(ids), B) values of the given entries, constant ones broadcast over examples."""
        out = np.empty((len(ids), var_values.shape[1]))
        kind = self.constant[ids]
        out[kind] = self.const_values[self.source[ids[kind]]][:, None]
        out[~kind] = var_values[self.source[ids[~kind]]]
        return out

    def factor(self, var_values: np.ndarray, c: float) -> Factorisation:
        """Factorise I - c J for J given by its (variable entries x examples) values and the constant ones."""
        return Factorisation(self, var_values, float(c))


class _Blocks:
    """The strongly connected components of a Jacobian pattern and the entries inside each."""

    def __init__(self, S: int, n_comp: int, comp: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> None:
        self.members: list[list[int]] = [[] for _ in range(n_comp)]
        for s in range(S):
            self.members[comp[s]].append(s)
        self.rows, self.cols = rows, cols
        self.inside = comp[rows] == comp[cols]
        self.by_comp = np.argsort(comp[rows], kind="stable")
        self.start = np.searchsorted(comp[rows][self.by_comp], np.arange(n_comp + 1))

    def entries(self, c: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Entry ids inside component c, with their rows and columns local to the component."""
        ids = np.array([e for e in self.by_comp[self.start[c] : self.start[c + 1]] if self.inside[e]], dtype=np.int64)
        local = {s: i for i, s in enumerate(self.members[c])}
        return (
            ids,
            np.array([local[r] for r in self.rows[ids]], dtype=np.int64),
            np.array([local[r] for r in self.cols[ids]], dtype=np.int64),
        )


def _plan_levels(blocks: _Blocks, level: np.ndarray, dense_limit: int) -> list[tuple]:
    """Pass 1: per level, its species in the order a solve visits them (singles, dense blocks, large)."""
    members = blocks.members
    plans = []
    for L in range(int(level.max()) + 1 if len(level) else 0):
        comps = np.flatnonzero(level == L)
        sizes = np.array([len(members[c]) for c in comps], dtype=np.int64)
        singles = np.array([members[c][0] for c in comps[sizes == 1]], dtype=np.int64)
        species = [singles]
        dense = []
        for k in sorted(set(sizes[(sizes > 1) & (sizes <= dense_limit)].tolist())):
            block_comps = comps[sizes == k]
            parts = [blocks.entries(c) for c in block_comps]
            block_of = np.concatenate([np.full(len(p[0]), b) for b, p in enumerate(parts)])
            same_size = np.array([members[c] for c in block_comps], dtype=np.int64)
            dense.append(
                (
                    same_size,
                    np.concatenate([p[0] for p in parts]),
                    block_of,
                    *(np.concatenate([p[i] for p in parts]) for i in (1, 2)),
                )
            )
            species.append(same_size.ravel())
        large = []
        for c in comps[sizes > dense_limit]:
            block = np.array(members[c], dtype=np.int64)
            large.append((block, *blocks.entries(c)))
            species.append(block)
        plans.append((np.concatenate(species), singles, dense, large))
    return plans


def _levels(n_comp: int, comp: np.ndarray, rows: np.ndarray, cols: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Level of each component: the longest path to it from a component without predecessors."""
    between = off & (comp[rows] != comp[cols])
    edges = np.unique(np.stack([comp[cols[between]], comp[rows[between]]], axis=1), axis=0)
    level = np.zeros(n_comp, dtype=np.int64)
    remaining = np.bincount(edges[:, 1], minlength=n_comp)
    successors = sp.csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n_comp, n_comp))
    frontier = np.flatnonzero(remaining == 0)
    while len(frontier):  # Kahn's topological order, one wave of ready components at a time
        nxt = successors[frontier]
        targets = nxt.indices
        np.maximum.at(level, targets, np.repeat(level[frontier], np.diff(nxt.indptr)) + 1)
        np.subtract.at(remaining, targets, 1)
        frontier = np.unique(targets[remaining[targets] == 0])
    return level


class Factorisation:
    """I - c J of B examples, ready for solves."""

    def __init__(self, solver: BlockTriangularSolver, var_values: np.ndarray, c: float):
        self.solver = solver
        self.c = c
        S, B = solver.n_species, var_values.shape[1]
        self.var_off: list[np.ndarray] = []
        self.singles: list[np.ndarray] = []
        self.dense: list[list[np.ndarray]] = []
        self.large: list[list] = []
        jdiag = np.zeros((S, B))
        jdiag[solver.diag_species] = solver.entry_values(solver.diag_ids, var_values)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for level in solver.levels:
                self.var_off.append(var_values[level.var_ids])
                self.singles.append(1.0 / (1.0 - c * jdiag[level.singles]))
                inverses = []
                for blocks, ids, block, lr, lc in level.dense:
                    nb, k = blocks.shape
                    A = np.zeros((nb, k, k, B))
                    A[block, lr, lc] = -c * solver.entry_values(ids, var_values)
                    A[:, np.arange(k), np.arange(k)] += 1.0
                    try:  # stored (k, k, nb, B): x_i = sum_j inverse[i, j] * r_j over blocks and examples
                        inverses.append(np.linalg.inv(A.transpose(0, 3, 1, 2)).transpose(2, 3, 0, 1).copy())
                    except np.linalg.LinAlgError:  # singular Newton matrix: the step fails and shrinks
                        inverses.append(np.full((k, k, nb, B), np.nan))
                self.dense.append(inverses)
                factors = []
                for block, ids, lr, lc in level.large:
                    k = len(block)
                    offsets = k * np.arange(B)
                    values = -c * solver.entry_values(ids, var_values)  # (entries, B)
                    A = sp.csc_matrix(
                        (values.T.ravel(), ((offsets[:, None] + lr).ravel(), (offsets[:, None] + lc).ravel())),
                        shape=(k * B, k * B),
                    ) + sp.identity(k * B, format="csc")
                    try:
                        factors.append(splu(sp.csc_matrix(A)))
                    except RuntimeError:  # exactly singular
                        factors.append(None)
                self.large.append(factors)

    def solve(self, b: np.ndarray) -> np.ndarray:
        """x with (I - c J) x = b; b and x are (S, B) arrays (species by example)."""
        solver = self.solver
        b = b[solver.order]
        x = np.empty_like(b)
        c = self.c
        for index, level in enumerate(solver.levels):
            lo = level.lo
            # Off-diagonal entries of I - c J are -c J, hence the + c below.
            rhs = b[lo : level.hi]
            if level.const_count:
                rhs = rhs + c * (level.const_off @ x[:lo])
            if level.var_ids.size:
                rhs = rhs + c * (level.var_scatter @ (self.var_off[index] * x[level.var_cols]))
            n1 = len(level.singles)
            x[lo : lo + n1] = rhs[:n1] * self.singles[index]
            start = n1
            for (blocks, *_), inverse in zip(level.dense, self.dense[index], strict=True):
                nb, k = blocks.shape
                part = rhs[start : start + nb * k].reshape(nb, k, -1)  # (nb, k, B)
                if k <= 4:  # a few multiply-adds beat einsum's setup for the common 2 x 2 ReLU blocks
                    out = x[lo + start : lo + start + nb * k].reshape(nb, k, -1)
                    for i in range(k):
                        np.multiply(inverse[i, 0], part[:, 0], out=out[:, i])
                        for j in range(1, k):
                            out[:, i] += inverse[i, j] * part[:, j]
                else:
                    x[lo + start : lo + start + nb * k] = np.einsum("ijnb,njb->nib", inverse, part).reshape(nb * k, -1)
                start += nb * k
            for (block, *_), factor in zip(level.large, self.large[index], strict=True):
                k = len(block)
                part = rhs[start : start + k]  # (k, B)
                if factor is None:
                    x[lo + start : lo + start + k] = np.nan
                else:
                    x[lo + start : lo + start + k] = factor.solve(np.ascontiguousarray(part.T).ravel()).reshape(-1, k).T
                start += k
        return x[solver.position]
