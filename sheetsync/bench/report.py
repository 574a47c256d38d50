"""Rows -> rich tables on the terminal, and results.csv + results.md under results/<stamp>-<sha>/."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .jobs import Row
from .meter import FIGURES

HEAD = {"calls": "calls", "reads": "reads", "writes": "writes", "drive": "Drive", "cells_written": "cells written",
        "bytes_sent": "bytes sent", "cpu_s": "CPU s", "wall_s": "wall s", "peak_mb": "peak MB"}
NOTE = ("Calls are Sheets reads, Sheets writes and Drive calls as the emulator logged them for our service "
        "account. CPU s and wall s leave out the time spent inside the in-process emulator (Google's side); "
        "peak MB is tracemalloc's peak during the job.")


def fmt(f: str, v: float | int | None) -> str:
    if v is None:
        return "-"
    if f in ("cpu_s", "wall_s"):
        return f"{v:.3f}"
    if f == "peak_mb":
        return f"{v:.1f}"
    return f"{int(v):,}"


def ratio(a: float, b: float) -> str:
    if not b:
        return "-" if not a else "inf"
    return f"{a / b:.3g}"


def flat(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """One CSV record per (job, size, side), plus the ours/naive ratios."""
    out = []
    for r in rows:
        for side, m in (("ours", r.ours), ("naive", r.naive)):
            if m is None:
                continue
            rec: dict[str, Any] = {"job": r.job, "size": r.size, "side": side}
            rec.update({f: round(v, 4) if isinstance(v := getattr(m, f), float) else v for f in FIGURES})
            rec["note"] = r.note
            out.append(rec)
        if r.naive is not None:
            rec = {"job": r.job, "size": r.size, "side": "ours/naive"}
            rec.update({f: ratio(getattr(r.ours, f), getattr(r.naive, f)) for f in FIGURES})
            rec["note"] = ""
            out.append(rec)
    return out


def markdown_table(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def job_table(rows: Sequence[Row]) -> tuple[list[str], list[list[str]]]:
    header = ["job", "size", "side", *(HEAD[f] for f in FIGURES)]
    body: list[list[str]] = []
    for r in rows:
        body.append([r.job, r.size, "ours", *(fmt(f, getattr(r.ours, f)) for f in FIGURES)])
        if r.naive is not None:
            body.append(["", "", "naive", *(fmt(f, getattr(r.naive, f)) for f in FIGURES)])
            body.append(["", "", "ours/naive", *(ratio(getattr(r.ours, f), getattr(r.naive, f)) for f in FIGURES)])
    return header, body


def print_tables(sections: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]], notes: Sequence[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=200)
    for title, header, body in sections:
        t = Table(title=title, title_justify="left")
        for i, h in enumerate(header):
            t.add_column(h, justify="left" if i < 3 else "right")
        for row in body:
            t.add_row(*row)
        console.print(t)
    for n in notes:
        console.print(n)


def git_sha(root: Path) -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "nogit"


def write(out_root: Path, rows: Sequence[Row], sections: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]],
          notes: Sequence[str], *, mode: str) -> Path:
    root = Path(__file__).resolve().parents[2]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = out_root / f"{stamp}-{git_sha(root)}-{mode}"
    folder.mkdir(parents=True, exist_ok=True)
    recs = flat(rows)
    with (folder / "results.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["job", "size", "side", *FIGURES, "note"])
        w.writeheader()
        w.writerows(recs)
    md = [f"# sheetsync benchmark ({mode}, {stamp}, {git_sha(root)})", "", NOTE, ""]
    for title, header, body in sections:
        md += [f"## {title}", "", markdown_table(header, body), ""]
    md += ["## Notes", "", *(f"* {n}" for n in notes), ""]
    (folder / "results.md").write_text("\n".join(md), encoding="utf-8")
    return folder

