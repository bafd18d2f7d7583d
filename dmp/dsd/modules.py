"""Enumerate and verify the modules of a compiled system, one at a time (a chunk of them per job).

Modules are assigned to chunks by their canonical shape, so that each shape is enumerated in
one chunk only; modules isomorphic to one already verified inherit its verdict, renamed.
"""

from __future__ import annotations

import hashlib
import signal
import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Any

from dmp.dsd.enumeration import CanonicalPIL, ModuleEnumerator, canonical_pil, name_map
from dmp.dsd.model import DSDSystem, Module
from dmp.dsd.settings import DSDSettings
from dmp.dsd.verification import check, signal_patterns
from dmp.errors import DmpError, LimitReached


class VerificationTimeout(LimitReached):
    """A verification step ran past its configured time limit (dsd.verification.timeout_s)."""


def module_shapes(system: DSDSystem) -> list[str]:
    """Short hash of each module's canonical PIL: equal hashes mean isomorphic modules."""
    out = []
    for module in system.modules:
        text = canonical_pil(system.module_complexes(module), system.domains, _present(module)).text
        out.append(hashlib.sha256(text.encode()).hexdigest()[:12])
    return out


def _present(module: Module) -> set[str]:
    return set(module.reactant_signals + module.complexes)


def chunk_of(system: DSDSystem, chunk: int, chunks: int) -> list[int]:
    """Modules of chunk `chunk` (0-based) of `chunks`: whole shape groups, dealt round-robin."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, shape in enumerate(module_shapes(system)):
        groups[shape].append(index)
    ordered = sorted(groups.values(), key=lambda g: g[0])
    return sorted(i for k, group in enumerate(ordered) if k % chunks == chunk for i in group)


@contextmanager
def time_limit(seconds: float, what: str):  # type: ignore[no-untyped-def]
    """Stop a verification step after `seconds` (SIGALRM; a no-op where signals are unavailable)."""
    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum, frame):  # type: ignore[no-untyped-def]
        raise VerificationTimeout(what, "dsd.verification.timeout_s", seconds, "seconds of verification")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def verify_modules(system: DSDSystem, indices: list[int], settings: DSDSettings) -> dict[str, Any]:
    """Enumerate and verify the given modules; a module that hits a limit is reported, not fatal."""
    enumerator = ModuleEnumerator(settings.enumeration)
    methods = list(settings.verification.methods)
    shapes = module_shapes(system)
    patterns = signal_patterns(system)
    verified_shapes: dict[str, tuple[int, CanonicalPIL, dict[str, Any]]] = {}
    results = []
    for index in indices:
        module = system.modules[index]
        started = time.perf_counter()
        entry: dict[str, Any] = {
            "module": f"r{index}",
            "index": index,
            "reaction": module.source,
            "shape": shapes[index],
        }
        try:
            enumerated, canon = enumerator.enumerate(
                system.module_complexes(module),
                system.domains,
                _present(module),
                f"r{index}",
                f"module r{index} ({module.source})",
            )
            if canon.text in verified_shapes:
                # Isomorphic to a module already verified: equal canonical PIL means the two differ
                # only by names, and both verification notions are invariant under renaming.
                first, first_canon, first_verdict = verified_shapes[canon.text]
                verdict = _renamed_verdict(first_verdict, first_canon, f"r{first}", canon, f"r{index}", system)
                verdict["same_shape_as"] = f"r{first}"
            else:
                formal = [[list(module.reaction[0]), list(module.reaction[1])]]
                with time_limit(settings.verification.timeout_s, f"module r{index} ({module.source})"):
                    verdict = check(formal, enumerated, system, methods, patterns)
                verified_shapes[canon.text] = (index, canon, verdict)
            entry.update(verdict)
            entry["enumerated"] = enumerated.to_json()
            entry["implementation_species"] = len(enumerated.species)
            entry["implementation_reactions"] = len(enumerated.reactions)
        except LimitReached as exc:  # enumeration limit or verification timeout: this module stops here
            entry.update({"verified": False, "error": str(exc), "limit": exc.to_json()})
        except DmpError as exc:
            entry.update({"verified": False, "error": str(exc)})
        entry["seconds"] = time.perf_counter() - started
        results.append(entry)
    return {"modules": results, "enumerations": enumerator.runs, "cache_hits": enumerator.hits}


def _renamed_verdict(
    verdict: dict[str, Any],
    source: CanonicalPIL,
    source_tag: str,
    target: CanonicalPIL,
    target_tag: str,
    system: DSDSystem,
) -> dict[str, Any]:
    """A module's verdict carried to an isomorphic module: same verdicts, renamed interpretation."""
    rename = name_map(source, source_tag, target, target_tag)
    formal = {}  # formal species of the source module -> those of the target, via corresponding signals
    for c, real in source.complexes.items():
        a, b = system.complexes[real], system.complexes[target.complexes[c]]
        if a.role == "signal" and a.formal and b.formal:
            formal[a.formal] = b.formal
    out = {k: v for k, v in verdict.items() if k != "interpretation"}
    out["interpretation"] = {rename(k): sorted(formal[x] for x in v) for k, v in verdict["interpretation"].items()}
    return out
