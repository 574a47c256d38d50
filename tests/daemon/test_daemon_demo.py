"""`sheetsync demo` end to end (the python part of ./scripts/demo): seeds, provisions, syncs while a
scripted manager edits, exports xlsx, exits 0 — and what it did is in the store."""

from __future__ import annotations

import subprocess

from daemonhelpers import sheetsync


def test_demo_runs_end_to_end(tmp_path):
    out = tmp_path / "demo-output"
    proc = sheetsync("demo", "--out", str(out), "--cycles", "6", "--interval", "0.2",
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stderr[-3000:]
    assert "Where to look" in stdout and "sheetsync status --config" in stdout
    for slug in ("romashka", "zerno", "ulybka", "vektor"):
        xlsx = out / "exports" / f"{slug}.xlsx"
        assert xlsx.stat().st_size > 1000
    assert (out / "exports" / "turnover.xlsx").stat().st_size > 1000
    status = sheetsync("status", "--config", str(out / "sheetsync.toml"), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    s_out, s_err = status.communicate(timeout=60)
    assert status.returncode == 0, s_err
    assert all(slug in s_out for slug in ("romashka", "zerno", "ulybka", "vektor")), s_out
    import openpyxl

    wb = openpyxl.load_workbook(out / "exports" / "romashka.xlsx")
    assert {"Бэклог", "В работе"} <= set(wb.sheetnames)
    backlog = [[c.value for c in row] for row in wb["Бэклог"].iter_rows()]
    assert any(r[1] == "Добавить онлайн-запись на сайт" and str(r[0]).startswith("T-") for r in backlog), \
        "the manager's new row did not get an ID"

    from sheetsync.app import App

    with App.from_config(out / "sheetsync.toml") as app:
        tasks = {t.title: t for t in app.store.tasks.list("romashka")}
        assert "Статья: как выбрать услугу (обновлено с клиентом)" in tasks  # the manager's rename landed
        assert sum(t == "Добавить онлайн-запись на сайт" for t in tasks) == 1  # created once
        errors = app.store.sync.errors("romashka")
        assert any(e.value and "завтра" in e.value for e in errors)  # the invalid date flagged, not applied
        assert any(app.store.invoices.moves(i.key) for i in app.store.invoices.list("vektor"))
    assert (out / "sheetsync.log").read_text(encoding="utf-8").count('"msg": "sync cycle"') == 6
    # a second demo into the same folder starts afresh; a folder it did not make is refused
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.docx").write_text("precious")
    proc = sheetsync("demo", "--out", str(other), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _o, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "was not made by `sheetsync demo`" in err
    assert (other / "thesis.docx").read_text() == "precious"
