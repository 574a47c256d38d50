"""Shared by the daemon tests: a small agency config, fast provisioning by cloning, scripted edits, checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sheetsync.bench.agency import provision_by_cloning  # noqa: F401 - the daemon tests import it from here

SA = "sheetsync@agency.test"
MANAGER = "anna@agency.test"
BACKLOG, IN_WORK = "Бэклог", "В работе"
# the daemon tests sync every second against the emulator: below the 5 s a real run accepts
ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "SHEETSYNC_ALLOW_SHORT_INTERVAL": "1"}


def config_dict(data_dir: Path, slugs: list[str], store_url: str | None = None) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "data_dir": str(data_dir),
        "specialists": [{"email": MANAGER, "name": "Анна Петрова", "role": "manager"},
                        {"email": "oleg@agency.test", "name": "Олег", "role": "developer"}],
        "task_types": [{"key": "landing", "name": "Лендинг", "role": "developer", "default_estimate_hours": 16}],
        "clients": [{"slug": s, "name": f"Клиент {s}", "manager_email": MANAGER, "editor_emails": [MANAGER]}
                    for s in slugs],
    }
    if store_url:
        cfg["store"] = {"url": store_url}
    return cfg


def write_config(path: Path, cfg: dict[str, Any]) -> Path:
    import tomli_w

    path.write_text(tomli_w.dumps(cfg), encoding="utf-8")
    return path


def seed_tasks(store: Any, slugs: list[str], n: int = 3) -> None:
    for slug in slugs:
        for i in range(n):
            store.tasks.create(slug, {"title": f"{slug} задача {i}", "estimate_hours": 2 + i},
                               origin="cli", actor="team")


def manager_edits(emu: Any, sid: str, tag: str) -> dict[str, str]:
    """A manager's edits through gspread: a title, an estimate, a status to in-work, a new row without ID.

    Returns what the store must end up with: {task key or 'new': expected value}."""
    ss = emu.gspread_client(user=MANAGER).open_by_key(sid)
    ws = ss.worksheet(BACKLOG)
    grid = ws.get_all_values()
    header = grid[0]
    rows = [r for r in grid[1:] if r and r[0]]
    col = {name: header.index(name) + 1 for name in ("Задача", "Оценка, ч", "Статус")}
    out = {}
    k0, k1, k2 = rows[0][0], rows[1][0], rows[2][0]
    ws.update_cell(2, col["Задача"], f"{rows[0][1]} ({tag})")
    out[k0] = f"{rows[0][1]} ({tag})"
    ws.update_cell(3, col["Оценка, ч"], 11)
    out[k1 + ".estimate"] = "11"
    ws.update_cell(4, col["Статус"], "В работе")
    out[k2 + ".status"] = "in_progress"
    ws.update_cell(len(grid) + 1, col["Задача"], f"новая строка {tag}")
    out["new"] = f"новая строка {tag}"
    return out


def check_converged(store: Any, emu: Any, slug: str, expected: dict[str, str]) -> None:
    """Nothing lost (every edit in the store), nothing twice (one task per title, one row per key)."""
    tasks = store.tasks.list(slug)
    by = {t.key: t for t in tasks}
    titles = [t.title for t in tasks]
    assert len(titles) == len(set(titles)), f"duplicate tasks in {slug}: {sorted(titles)}"
    for key, value in expected.items():
        if key == "new":
            assert titles.count(value) == 1, f"{slug}: the new row {value!r} is not exactly one task: {titles}"
        elif key.endswith(".estimate"):
            assert by[key.split(".")[0]].estimate_hours == float(value)
        elif key.endswith(".status"):
            assert by[key.split(".")[0]].status == value
        else:
            assert by[key].title == value
    sid = store.clients.get(slug).spreadsheet_id
    ss = emu.gspread_client(user=SA).open_by_key(sid)
    keys = [r[0] for ws in (BACKLOG, IN_WORK) for r in ss.worksheet(ws).get_all_values()[1:] if r and r[0]]
    assert len(keys) == len(set(keys)), f"{slug}: a key on two rows: {sorted(keys)}"
    assert sorted(keys) == sorted(by), f"{slug}: sheet keys {sorted(keys)} != store keys {sorted(by)}"


def sheetsync(*args: str, **kw: Any) -> subprocess.Popen:
    """`sheetsync ARGS` in a subprocess (the console script's entry point, with this interpreter)."""
    return subprocess.Popen([sys.executable, "-c", "from sheetsync.cli import main; main()", *args], env=ENV, **kw)


def read_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a kill
    return out


def wait_for(predicate: Any, timeout: float, what: str, poll: float = 0.05) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = predicate()
        if got:
            return got
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
