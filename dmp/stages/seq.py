"""Sequence steps: design one candidate per job, then select the best and write sequences and order sheets.

    design  DSD folder (or a PIL file) -> one candidate file: domain sequences, every score, the
            consistency checks, the seed
    select  the candidate files -> strands.tsv, domains.tsv, strands.fasta, scores.tsv, report.md,
            order_bulk.csv, order_plate.xlsx, summary.json

Every candidate's seed derives from the config seed, the scheme and the candidate index, so the
same config gives the same files. `select` writes nothing until the winner has passed the
consistency checks again on the strands exactly as they will be written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dmp.dsd.model import DSDSystem
from dmp.errors import DmpError
from dmp.fileio import read_json, read_tsv, write_json, write_text, write_tsv
from dmp.params import build, to_dict
from dmp.seq.design import CANDIDATE_FORMAT, candidate_seed, design_candidate, system_hash
from dmp.seq.model import StrandInfo, toehold_domains
from dmp.seq.order import write_order_bulk, write_order_plate
from dmp.seq.report import report_markdown
from dmp.seq.scores import SCORES
from dmp.seq.select import select, selection_summary
from dmp.seq.settings import SeqSettings
from dmp.stages.common import Run, writes_together
from dmp.stages.dsd import load_compiled


def load_system(source: str | Path) -> DSDSystem:
    """The domain-level system to design sequences for: a verified DSD folder, or a PIL file.

    A folder written by `dmp compile` must have passed `dmp verify` (verification.json says
    verified): sequences for gates that do not implement the CRN would go to the lab unnoticed.
    A PIL file (peppercorn's/Nuskell's format, e.g. a hand-made system) is the user's own
    domain-level design; dmp reads and checks its syntax, but has no formal CRN to verify it against.
    """
    path = Path(source)
    if not path.is_dir():  # a PIL file, whatever it is called (read_pil names a missing or binary one)
        from dmp.dsd.pil import read_pil

        return read_pil(path)
    _, system, _ = load_compiled(path)
    report = read_json(
        path / "verification.json",
        f"not found; run `dmp verify {path}` first (sequences are designed only for verified systems)",
    )
    if not isinstance(report, dict):
        raise DmpError(f"{path / 'verification.json'}: not a verification report of `dmp verify`; run it again")
    if report.get("verified") is not True:
        limits = report.get("limits_reached") or []
        failed = report.get("summary", {}).get("failed_modules") or []
        why = (
            limits[0]["error"]
            if limits
            else f"failed modules: {', '.join(failed)}"
            if failed
            else f"crosstalk verified: {report.get('crosstalk', {}).get('verified')}, "
            f"whole verified: {report.get('whole', {}).get('verified')}"
        )
        raise DmpError(f"{path}: not verified ({why}); no sequences are designed for an unverified system")
    return system


@writes_together
def design(run: Run, dsd_dir: str | Path, candidate: int, out: str | Path) -> dict[str, Any]:
    """Design and score candidate `candidate` of the system in `dsd_dir`; writes the candidate file `out`."""
    settings: SeqSettings = run.settings("seq")
    if candidate < 0:
        raise DmpError(f"--candidate must be 0 or more, got {candidate}")
    system = load_system(dsd_dir)
    seed = candidate_seed(run.seed, system.scheme, candidate)
    result = design_candidate(system, settings, seed)
    record = {
        "format": CANDIDATE_FORMAT,
        "candidate": candidate,
        "seed": seed,
        "scheme": system.scheme,
        "system_sha256": system_hash(system),
        "dsd_dir": str(dsd_dir),
        "settings": to_dict(settings),
        **{k: result[k] for k in ("domains", "scores", "details", "domain_search", "toehold_use", "checks", "passed")},
        "provenance": run.provenance(),
    }
    write_json(out, record)
    return {
        "candidate": candidate,
        "seed": seed,
        "passed": record["passed"],
        "scores": result["scores"],
        "seconds": result["seconds"],
    }


def _load_candidates(paths: list[str | Path]) -> list[dict[str, Any]]:
    if not paths:
        raise DmpError("--candidates needs at least one candidate file")
    records = []
    for k, path in enumerate(map(Path, paths)):
        record = read_json(path, f"not found; run `dmp design DSD_DIR --candidate {k} --out {path}` first")
        if not isinstance(record, dict) or record.get("format") != CANDIDATE_FORMAT or record.get("candidate") != k:
            raise DmpError(f"{path}: not a dmp sequence candidate {k} ({CANDIDATE_FORMAT})")
        _check_candidate(path, record)
        records.append(record)
    for record, path in zip(records[1:], paths[1:], strict=True):
        if record["system_sha256"] != records[0]["system_sha256"]:
            raise DmpError(
                f"{path}: candidates {records[0]['candidate']} and {record['candidate']} were designed for "
                "different systems; rerun `dmp design` for every candidate"
            )
    return records


CANDIDATE_KEYS = ("seed", "scheme", "system_sha256", "dsd_dir", "settings", "domains", "scores", "checks", "passed")


def _check_candidate(path: Path, record: dict[str, Any]) -> None:
    """The keys `select` uses are there, and every domain is a DNA sequence (a hand edit shows here)."""
    missing = next((key for key in CANDIDATE_KEYS if key not in record), None)
    if missing is not None:
        raise DmpError(f"{path}: missing key {missing!r}; rerun `dmp design` for this candidate")
    domains = record["domains"]
    if not isinstance(domains, dict):
        raise DmpError(f"{path}: domains must map domain names to sequences")
    for name, sequence in domains.items():
        if not isinstance(sequence, str) or not sequence or set(sequence) - set("ACGT"):
            raise DmpError(f"{path}: domain {name} is {sequence!r}, not a sequence of A, C, G, T")


@writes_together
def select_sequences(
    run: Run | None, candidate_paths: list[str | Path], out_dir: str | Path, dsd_dir: str | Path | None = None
) -> dict[str, Any]:
    """Rank the candidates, check the winner again and write the stage's outputs into `out_dir`.

    Without a run (no --config), the settings and provenance are the candidates' own.
    """
    out_dir = Path(out_dir)
    records = _load_candidates(candidate_paths)
    dsd_dir = Path(dsd_dir if dsd_dir is not None else records[0]["dsd_dir"])
    system = load_system(dsd_dir)
    if system_hash(system) != records[0]["system_sha256"]:
        raise DmpError(
            f"{dsd_dir}: the system changed since the candidates ({candidate_paths[0]}, ...) were designed; "
            "rerun `dmp design` for every candidate"
        )
    if run is not None:
        settings, stamp = run.settings("seq"), run.provenance()
    else:
        settings, stamp = build(SeqSettings, records[0]["settings"], "seq"), records[0].get("provenance")
    chosen = select(system, records, settings, str(out_dir))
    _check_strand_names(dsd_dir, chosen.infos)
    summary = {**selection_summary(system, records, chosen, settings), "provenance": stamp}
    _write_sequences(out_dir, system, records, chosen)
    write_order_bulk(out_dir / "order_bulk.csv", chosen.lines)
    write_order_plate(out_dir / "order_plate.xlsx", chosen.layout)
    report = report_markdown(system, records, chosen.ranking, chosen.winner, summary, settings, chosen.layout)
    write_text(out_dir / "report.md", report)
    write_json(out_dir / "summary.json", summary)
    return summary


def _write_sequences(out_dir: Path, system: DSDSystem, records: list[dict[str, Any]], chosen: Any) -> None:
    infos, strands, design = chosen.infos, chosen.strands, chosen.design
    write_tsv(
        out_dir / "strands.tsv",
        ["name", "sequence", "length_nt", "domains", "complexes", "role"],
        (
            [i.name, strands[i.domains], len(strands[i.domains]), " ".join(i.domains), ",".join(i.complexes), i.role]
            for i in infos
        ),
    )
    toeholds = set(toehold_domains(system))
    write_tsv(
        out_dir / "domains.tsv",
        ["domain", "sequence", "length_nt", "kind", "gc_fraction"],
        (
            [d, s, len(s), "toehold" if d in toeholds else "long", round((s.count("G") + s.count("C")) / len(s), 4)]
            for d, s in design.domains.items()
        ),
    )
    write_text(
        out_dir / "strands.fasta",
        "".join(f">{i.name} {i.role} {len(strands[i.domains])} nt\n{strands[i.domains]}\n" for i in infos),
    )
    names = list(SCORES)
    totals, winner = chosen.ranking.totals, chosen.winner
    write_tsv(
        out_dir / "scores.tsv",
        ["candidate", "seed", "checks_passed", "rank_sum", "winner", *names],
        (
            [r["candidate"], r["seed"], r["passed"], totals[r["candidate"]], r["candidate"] == winner]
            + ["" if r["scores"][n] is None else r["scores"][n] for n in names]
            for r in records
        ),
    )


def _check_strand_names(dsd_dir: Path, infos: list[StrandInfo]) -> None:
    """The strands must join the DSD stage's strands.tsv by name, with the same domains."""
    path = dsd_dir / "strands.tsv"
    if not dsd_dir.is_dir() or not path.exists():
        return
    theirs = {row["name"]: tuple(row["domains"].split()) for row in read_tsv(path)}
    for info in infos:
        if theirs.get(info.name) != info.domains:
            raise DmpError(
                f"{path}: strand {info.name} is {' '.join(theirs[info.name]) if info.name in theirs else 'missing'} "
                f"there but {' '.join(info.domains)} in system.json; recompile the DSD folder"
            )
