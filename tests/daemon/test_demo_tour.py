"""`sheetsync demo` shows everything (issue 17 item 2): it plans (the plan-schedule has bars), the metrics
have this month's values, it makes a conflict and resolves it, its output piped to a file neither wraps
nor splits ids, the commands it prints run as printed, and SIGTERM during cycle 1 ends in one line."""

from __future__ import annotations

import datetime as dt
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest
from daemonhelpers import ENV, sheetsync

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    """One demo run, its output piped (not a terminal), in a folder away from the project."""
    cwd = tmp_path_factory.mktemp("newcomer")
    out = cwd / "demo-output"
    proc = sheetsync("demo", "--out", str(out), "--cycles", "7", "--interval", "0.2",
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr[-3000:]
    return cwd, out, stdout


def test_piped_output_keeps_ids_and_tables_whole(tour):
    _cwd, _out, stdout = tour
    ids = re.findall(r"spreadsheet ([0-9a-f]+)\s*$", stdout, flags=re.M)
    assert len(ids) == 4 and all(len(i) >= 40 for i in ids), stdout[:2000]  # whole, at the end of their line
    header = next(line for line in stdout.splitlines() if "┃" in line and "client" in line)
    assert "state" in header  # the cycle table's header on one line (it wrapped at 80 columns before)
    assert max(len(line) for line in stdout.splitlines()) > 80


def test_the_printed_commands_run_as_printed(tour):
    cwd, _out, stdout = tour
    commands = [m.group(1) for m in re.finditer(r"^\s+(?:sync status|conflicts):\s+(.+?)(?:\s{3}\(.*)?$",
                                               stdout, flags=re.M)]
    assert len(commands) == 2, stdout[-2000:]
    for command in commands:
        argv = shlex.split(command)
        assert argv[0].endswith("sheetsync") and Path(argv[0]).exists() or argv[0] == "sheetsync", argv
        done = subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (command, done.stderr)
    assert "source .venv/bin/activate" in stdout  # says how to reach sheetsync without the path


def _serve_until_url(proc) -> str:
    """Read the server's output until it prints its view URL."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+/view/)", line or "")
        if found:
            return found.group(1)
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no view URL printed: {proc.stderr.read()[-2000:]}")


def test_the_printed_view_command_shows_every_sheet_and_the_turnover_tab(tour):
    """The demo's last line: the view command, run as printed (on a free port), shows each client's five
    sheets and the turnover plan; SIGTERM stops it in one line."""
    import urllib.request

    cwd, _out, stdout = tour
    (command,) = re.findall(r"^\s+see them:\s+(.+?)\s{3}then open (http://\S+)$", stdout, flags=re.M)
    argv = [*shlex.split(command[0]), "--port", "0"]
    proc = subprocess.Popen(argv, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = _serve_until_url(proc)
        listing = urllib.request.urlopen(url, timeout=30).read().decode()
        links = re.findall(r'href="(/view/s/[^"?]+)', listing)
        assert len(set(links)) == 5, listing[:2000]  # four clients and the turnover plan
        base = url.split("/view/")[0]
        pages = [urllib.request.urlopen(base + link, timeout=30).read().decode() for link in sorted(set(links))]
        ru = ("Карточка", "Бэклог", "В работе", "План-график", "Метрики")
        en = ("Card", "Backlog", "In work", "Plan-schedule", "Metrics")
        clients = [p for p in pages if all(t in p for t in ru) or all(t in p for t in en)]
        assert len(clients) == 4, [p[:300] for p in pages]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "Traceback" not in err, err[-2000:]


def test_it_plans_and_the_metrics_show_this_month(tour):
    import openpyxl

    _cwd, out, stdout = tour
    assert re.search(r"planned \d{4}-W\d\d: [1-9]\d* backlog task", stdout), stdout[:3000]
    wb = openpyxl.load_workbook(out / "exports" / "romashka.xlsx")
    gantt = [[c.value for c in row] for row in wb["План-график"].iter_rows()]
    booked = [v for row in gantt[2:] for v in row[6:] if isinstance(v, int | float) and v > 0]
    assert len(booked) >= 5, gantt[:6]  # hours per day: the bars
    metrics = [[c.value for c in row] for row in wb["Метрики"].iter_rows()][1:]
    month = dt.date.today().strftime("%Y-%m")
    shown = {r[0]: r for r in metrics if r and r[0]}
    assert {"leads", "calls", "cpl"} <= set(shown)
    for key in ("leads", "calls", "cpl"):
        assert shown[key][3] == month and shown[key][5] not in (None, ""), shown[key]  # an actual this month


def test_it_makes_a_conflict_and_resolves_it(tour):
    _cwd, out, stdout = tour
    assert re.search(r"conflicts resolve \d+ --take store", stdout)
    from sheetsync.app import App

    with App.from_config(out / "sheetsync.toml") as app:
        assert not app.store.sync.conflicts("romashka")  # none open
        (c,) = app.store.sync.conflicts("romashka", unresolved=False)
        task = app.store.tasks.get(c.entity_key)
        assert task.title.endswith(", версия 2")  # the team's title, taken by the resolution
        sid = app.store.clients.get("romashka").spreadsheet_id
        ws = app.emulator.gspread_client(user="anna.petrova@agency.test").open_by_key(sid).worksheet("Бэклог")
        grid = ws.get_all_values()
        row = next(i for i, r in enumerate(grid, 1) if r and r[0] == task.key)
        assert grid[row - 1][1] == task.title and not ws.get_note(f"B{row}")  # written, note taken off
        # and the backlog keeps no blank row where the task taken into work was
        keys = [r[0] for r in grid[1:]]
        while keys and not keys[-1]:
            keys.pop()
        assert all(keys), keys


def test_sigterm_during_cycle_1_ends_in_one_line(tmp_path):
    out = tmp_path / "demo-output"
    proc = sheetsync("demo", "--out", str(out), "--cycles", "6", "--interval", "0.2",
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    seen = []
    deadline = time.monotonic() + 240
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if "the daemon runs" in line:  # cycle 1 starts now
            proc.send_signal(signal.SIGTERM)
            break
    rest, stderr = proc.communicate(timeout=120)
    tail = [line for line in rest.splitlines() if line.strip()]
    assert proc.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr + rest and "error:" not in stderr + rest, (stderr, rest)
    said = [line for line in tail if "stopped" in line]
    assert len(said) == 1 and "cycle 1" in said[0] and tail[-1] == said[0], tail
    assert "Where to look" not in rest  # nothing after the line
