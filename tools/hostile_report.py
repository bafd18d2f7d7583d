"""Run every case of tests/hostile_cases.py through `dmp` and write what each printed (docs/hostile_cases.md).

Usage: .venv/bin/python tools/hostile_report.py [--out docs/hostile_cases.md]
The same runner as tests/test_hostile.py (time and memory limits, a lab of small files in a
temporary folder); the table is what a user sees: exit status and the first line on stderr.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hostile_cases import CASES  # noqa: E402
from hostile_lab import make_lab, run_cases  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "hostile_cases.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lab = make_lab(Path(tmp) / "lab")
        outcomes = run_cases(CASES, lab)
        rows = []
        for case in (c for c in CASES if c.id in outcomes):
            got, folder = outcomes[case.id], lab / "cases" / case.id
            first = got.lines[0] if got.lines else ""
            first = first.replace(str(folder), "<O>").replace(str(lab), "<L>").replace("|", "\\|")
            rows.append((case, got.returncode, first, len(got.lines), bool(got.left)))
    lines = [
        "# Hostile and unusual input: what `dmp` prints",
        "",
        f"Written by `tools/hostile_report.py` from the {len(rows)} cases of `tests/hostile_cases.py`",
        "(the tests check each line's content; `<L>` is the lab of small files, `<O>` the case's folder).",
        "",
        "| case | expected | exit | lines | what it prints (first line) | files written |",
        "|---|---|---|---|---|---|",
    ]
    for case, code, first, count, left in rows:
        lines.append(f"| `{case.id}` | {case.kind} | {code} | {count} | {first} | {'yes' if left else 'no'} |")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(rows)} cases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
