"""CSV in and out at the edges (issue 13, items 5, 10, 14): formula injection, encodings, huge numbers,
values the config refuses."""

from __future__ import annotations

import csv

import pytest
from store_helpers import ACTOR

from sheetsync.store.csv_io import CsvImportError
from sheetsync.store.errors import StoreError

DANGEROUS = ["=SUM(A1)", "+7 999 123-45-67", "-5 days", "@admin", "\tTAB", "\rCR", "'=quoted", "''x",
             "=HYPERLINK(\"http://evil\",\"x\")", "'plain quote", "- bullet"]


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_export_escapes_formula_text_and_import_round_trips_it(store, acme, tmp_path):
    """OWASP CSV injection: a cell starting with = + - @ tab or CR is prefixed with a single quote."""
    keys = [store.tasks.create("acme", title=t, expected_result=t, origin="cli", actor=ACTOR).key for t in DANGEROUS]
    out = tmp_path / "tasks.csv"
    store.export_csv("tasks", out)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = {r["key"]: r for r in csv.DictReader(fh)}
    for key, title in zip(keys, DANGEROUS, strict=True):
        cell = rows[key]["title"]
        assert cell[0] not in "=+-@\t\r", cell
        assert cell == (title if title == "'plain quote" else "'" + title)
    other = type(store).open(f"sqlite:///{tmp_path / 'other.db'}")
    other.clients.create("acme", name="ACME", origin="cli", actor=ACTOR)
    assert other.import_csv("tasks", out, actor=ACTOR).created == len(DANGEROUS)
    assert [other.tasks.get(k).title for k in keys] == DANGEROUS
    assert [other.tasks.get(k).expected_result for k in keys] == DANGEROUS
    other.close()


def test_export_leaves_negative_numbers_alone(store, tmp_path):
    store.clients.create("acme", name="-ACME", origin="cli", actor=ACTOR)
    store.metrics.define("acme", "delta", name="Delta")
    store.metrics.set_value("acme", "delta", "2026-11-02", -3.5, origin="cli", actor=ACTOR)
    out = tmp_path / "m.csv"
    store.export_csv("metric_values", out)
    assert ",-3.5," in out.read_text(encoding="utf-8").splitlines()[1]
    store.export_csv("clients", tmp_path / "c.csv")
    assert ",'-ACME," in (tmp_path / "c.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le-bom", "utf-8-sig", "utf-8"])
def test_utf16_and_bom_files_are_read(store, acme, tmp_path, encoding):
    text = "client\ttitle\nacme\tЛендинг «весна»\n"
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")  # Excel's "Unicode text"
    else:
        data = text.encode(encoding)
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    assert store.import_csv("tasks", path).created == 1
    assert store.tasks.list("acme")[0].title == "Лендинг «весна»"


def test_a_cp1251_file_is_read_as_windows_1251(store, acme, tmp_path):
    """What Russian Excel saves as "CSV" (issue 17: it used to be refused)."""
    path = _write(tmp_path / "t.csv", "client;title;deadline\nacme;Лендинг «весна» №2;24.11.2026\n", encoding="cp1251")
    assert store.import_csv("tasks", path).created == 1
    (task,) = store.tasks.list("acme")
    assert task.title == "Лендинг «весна» №2" and str(task.deadline) == "2026-11-24"


def test_a_latin1_file_is_one_clear_line(store, acme, tmp_path):
    """Bytes that are neither UTF-8 nor Russian cp1251 text are refused rather than guessed."""
    path = _write(tmp_path / "t.csv", "client;title\nacme;Crème brûlée façade\n", encoding="latin-1")
    with pytest.raises(StoreError) as info:
        store.import_csv("tasks", path)
    msg = str(info.value)
    assert "\n" not in msg and "UTF-8" in msg and "line 2" in msg and "cp1251" in msg, msg
    assert store.tasks.list("acme") == []


def test_a_nul_byte_file_is_one_clear_line(store, acme, tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("client,title\nacme,x\n".encode("utf-16-le"))  # UTF-16 without its BOM
    with pytest.raises(StoreError) as info:
        store.import_csv("tasks", path)
    assert "\n" not in str(info.value) and "UTF-8" in str(info.value), info.value


@pytest.mark.parametrize("value", ["1e400", "1e30", "NaN", "inf", "-1e400", "12345678901234567890123456789"])
def test_huge_numbers_are_bad_rows_with_their_line(store, acme, tmp_path, value):
    path = _write(tmp_path / "t.csv", f"client,title,estimate_hours\nacme,ok,2\nacme,bad,{value}\nacme,ok2,3\n")
    with pytest.raises(CsvImportError) as info:
        store.import_csv("tasks", path)
    assert [e.line for e in info.value.report.errors] == [3]
    report = store.import_csv("tasks", path, skip_bad=True)
    assert report.created == 2 and [e.line for e in report.errors] == [3]


def test_hours_beyond_the_sheets_bounds_are_bad_rows(store, acme, tmp_path):
    path = _write(tmp_path / "t.csv", "client,title,estimate_hours\nacme,a,999999\nacme,b,1000\n")
    report = store.import_csv("tasks", path, skip_bad=True)
    assert report.created == 1 and [e.line for e in report.errors] == [2]
    assert "1000" in report.errors[0].message


def test_huge_invoice_amounts_and_far_dates_are_bad_rows(store, acme, tmp_path):
    path = _write(tmp_path / "i.csv", "client,amount,planned_date\nacme,1e30,2026-11-04\nacme,5,9999-12-31\n"
                                      "acme,5,1900-01-01\nacme,5,2026-11-04\n")
    report = store.import_csv("invoices", path, skip_bad=True)
    assert report.created == 1 and [e.line for e in report.errors] == [2, 3, 4]


def test_unknown_assignees_are_bad_rows(store, acme, tmp_path):
    store.specialists.upsert("anna@agency.test", name="Анна", role="manager")
    path = _write(tmp_path / "t.csv", "client,title,assignee\nacme,a,Anna@Agency.test\nacme,b,eve@evil.test\n")
    report = store.import_csv("tasks", path, skip_bad=True)
    assert report.created == 1 and [e.line for e in report.errors] == [3]
    assert "eve@evil.test" in report.errors[0].message and "specialist" in report.errors[0].message
    assert store.tasks.list("acme")[0].assignee == "anna@agency.test"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x", "http://", "data:text/html;base64", "tracker"])
def test_tracker_urls_the_config_refuses_are_bad_rows(store, tmp_path, url):
    path = _write(tmp_path / "c.csv", f"slug,name,tracker_url\nacme,ACME,https://tracker.test/acme\nbeta,Beta,{url}\n")
    report = store.import_csv("clients", path, skip_bad=True)
    assert report.created == 1 and [e.line for e in report.errors] == [3]
    assert "http" in report.errors[0].message


def test_cli_import_of_a_cp1251_file_and_a_huge_number_says_what_to_do(tmp_path, monkeypatch):
    import importlib

    from typer.testing import CliRunner

    from sheetsync.cli import _COMMANDS, app

    for name in _COMMANDS:  # as tests/store/test_store_cli.py: register every command module
        importlib.import_module(f"sheetsync.cli.{name}")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHEETSYNC_ACTOR", "op@agency.test")
    monkeypatch.delenv("SHEETSYNC_CONFIG", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--config", "c.toml", "--agency", "A"]).exit_code == 0
    assert runner.invoke(app, ["db", "upgrade", "--config", "c.toml"]).exit_code == 0
    _write(tmp_path / "c.csv", "slug;name\nacme;Crème\n", encoding="latin-1")
    bad = runner.invoke(app, ["import", "clients", "c.csv", "--config", "c.toml"])
    out = " ".join(bad.output.split())
    assert bad.exit_code == 1 and "Traceback" not in bad.output and "UTF-8" in out and "line 2" in out, bad.output
    _write(tmp_path / "c.csv", "slug;name\nacme;АКМЕ\n", encoding="cp1251")
    good = runner.invoke(app, ["import", "clients", "c.csv", "--config", "c.toml"])
    assert good.exit_code == 0 and "1 created" in " ".join(good.output.split()), good.output
    _write(tmp_path / "c.csv", "slug,name\nacme,ACME\n")
    assert runner.invoke(app, ["import", "clients", "c.csv", "--config", "c.toml"]).exit_code == 0
    _write(tmp_path / "t.csv", "client,title,estimate_hours\nacme,a,1e400\nacme,b,2\n")
    skipped = runner.invoke(app, ["import", "tasks", "t.csv", "--skip-bad", "--config", "c.toml"])
    out = " ".join(skipped.output.split())
    assert skipped.exit_code == 2 and "1 created" in out and "t.csv:2" in out, skipped.output
