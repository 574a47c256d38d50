"""CSV import/export: documented columns, bad rows by line number, all-or-nothing unless skip_bad."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest
from store_helpers import ACTOR

from sheetsync.store.csv_io import COLUMNS, CsvImportError


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_tasks_roundtrip_through_csv(store, acme, tmp_path):
    store.tasks.create("acme", title="=SUM(A1)", expected_result="Текст, с запятой\nи переносом", estimate_hours=2.5,
                       deadline="2026-12-01", internal_note="rate", forced=True, origin="cli", actor=ACTOR)
    out = tmp_path / "tasks.csv"
    assert store.export_csv("tasks", out) == 1
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(COLUMNS["tasks"])
    assert rows[0]["key"] == "T-000001" and rows[0]["estimate_hours"] == "2.5" and rows[0]["forced"] == "true"
    # import it into an empty store: same values, same key
    other = type(store).open(f"sqlite:///{tmp_path / 'other.db'}")
    other.clients.create("acme", name="ACME", origin="cli", actor=ACTOR)
    report = other.import_csv("tasks", out, actor=ACTOR)
    assert (report.created, report.errors, report.written) == (1, [], True)
    t = other.tasks.get("T-000001")
    assert (t.title, t.expected_result, t.estimate_hours, t.deadline, t.forced, t.internal_note) == (
        "=SUM(A1)", "Текст, с запятой\nи переносом", 2.5, dt.date(2026, 12, 1), True, "rate")
    assert other.log(task="T-000001")[0].origin == "import"
    # importing the same file again changes nothing
    again = other.import_csv("tasks", out, actor=ACTOR)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    other.close()


def test_bad_rows_are_reported_by_line_and_nothing_is_written(store, acme, tmp_path):
    path = _write(tmp_path / "t.csv", (
        "client,title,status,estimate_hours,deadline\n"
        "acme,Good one,backlog,2,2026-12-01\n"
        "acme,Bad status,doing,1,\n"
        "acme,,backlog,1,\n"
        "nobody,Unknown client,backlog,1,\n"
        "acme,Bad date,backlog,1,31.02.2026\n"
        "acme,Good two,planned,3,\n"
    ))
    with pytest.raises(CsvImportError) as info:
        store.import_csv("tasks", path)
    lines = {e.line: e.message for e in info.value.report.errors}
    assert set(lines) == {3, 4, 5, 6}
    assert "tasks.status: expected one of backlog" in lines[3]
    assert "title" in lines[4]
    assert "no client 'nobody'" in lines[5]
    assert "tasks.deadline: expected a date as YYYY-MM-DD, got '31.02.2026'" in lines[6]
    assert "nothing was imported" in str(info.value) and "line 3:" in str(info.value)
    assert store.tasks.list("acme") == [] and store.log(entity="task") == []


def test_skip_bad_keeps_the_good_rows_and_reports_the_rest(store, acme, tmp_path):
    path = _write(tmp_path / "t.csv", "client;title;priority\nacme;One;1\nacme;Two;seven\nacme;Three;5\n")
    report = store.import_csv("tasks", path, skip_bad=True)  # semicolon-separated, as Excel writes it in RU
    assert report.created == 2 and [(e.line, "priority" in e.message) for e in report.errors] == [(3, True)]
    assert [t.title for t in store.tasks.list("acme")] == ["One", "Three"]


def test_unknown_and_missing_columns_are_refused_up_front(store, acme, tmp_path):
    path = _write(tmp_path / "t.csv", "client,titel\nacme,x\n")
    with pytest.raises(CsvImportError, match=r"line 1: unknown column\(s\) titel; missing required column\(s\) title"):
        store.import_csv("tasks", path)


def test_clients_invoices_and_metric_values_import(store, tmp_path):
    store.departments.upsert("dev", name="Dev")
    clients = _write(tmp_path / "c.csv", (
        "slug,name,manager_email,viewer_emails,locale\n"
        "acme,ACME,pm@agency.test,boss@acme.test; cfo@acme.test,en\n"
        "beta,Beta,,,\n"
    ))
    assert store.import_csv("clients", clients).created == 2
    assert store.clients.get("acme").viewer_emails == ["boss@acme.test", "cfo@acme.test"]
    assert store.clients.get("beta").locale == "ru"
    invoices = _write(tmp_path / "i.csv", (
        "key,client,department,description,amount,planned_date,status\n"
        ",acme,dev,Stage 1,150000.50,2026-11-04,planned\n"
        "INV-000100,beta,,Retainer,90000,2026-11-11,issued\n"
    ))
    assert store.import_csv("invoices", invoices).created == 2
    assert store.invoices.get("INV-000100").amount == Decimal("90000.00")
    moved = _write(tmp_path / "i2.csv", "key,client,planned_date\nINV-000100,beta,2026-11-18\n")
    assert store.import_csv("invoices", moved).updated == 1
    assert store.invoices.moves("INV-000100")[0].reason == "import"
    store.metrics.define("acme", "leads", name="Leads")
    values = _write(tmp_path / "m.csv", "client,metric,date,value\nacme,leads,2026-11-02,7\nacme,calls,2026-11-02,1\n")
    with pytest.raises(CsvImportError, match="line 3: no metric 'calls'"):
        store.import_csv("metric_values", values)
    report = store.import_csv("metric_values", values, skip_bad=True)
    assert report.created == 1 and store.metrics.values("acme")[0].value == 7.0
    out = tmp_path / "out.csv"
    assert store.export_csv("metric_values", out) == 1
    assert out.read_text(encoding="utf-8").splitlines() == [
        "client,metric,date,period,value,source", "acme,leads,2026-11-02,2026-11,7,import"]
    assert store.export_csv("invoices", tmp_path / "inv.csv", client="acme") == 1
    assert store.export_csv("clients", tmp_path / "cl.csv") == 2


def test_a_row_with_too_many_cells_is_a_bad_row(store, acme, tmp_path):
    path = _write(tmp_path / "t.csv", "client,title\nacme,ok\nacme,x,extra\n")
    with pytest.raises(CsvImportError, match="line 3: 3 cells but the header has 2 columns"):
        store.import_csv("tasks", path)


def test_tasks_dataframe_has_the_csv_columns(store, acme):
    store.tasks.create("acme", title="A", origin="cli", actor=ACTOR)
    assert list(store.tasks.to_dataframe().columns) == list(COLUMNS["tasks"])
