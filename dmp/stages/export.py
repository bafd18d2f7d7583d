"""`dmp sbml`: any .crn file as an SBML Level 3 model (formal units, or nM and seconds at the DNA level)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dmp.crn.sbml import write_sbml
from dmp.stages.common import writes_together


@writes_together
def sbml(
    crn_path: str | Path, out: str | Path, level: str | None = None, initial: dict[str, float] | None = None
) -> dict[str, Any]:
    """Write the SBML model of a .crn file; `level` None reads it from the file's header."""
    return write_sbml(crn_path, out, level, initial)
