"""The domain vocabulary: values and groups in code, labels only from the templates' vocabularies.toml."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from sheetsync import vocabulary as v
from sheetsync.sheets.values import EPOCH, date_to_serial, serial_to_date

ROOT = Path(__file__).resolve().parents[1]
TOML = tomllib.loads((ROOT / "sheet_templates" / "vocabularies.toml").read_text("utf-8"))


def _file_labels(name: str) -> dict[str, tuple[str, str]]:
    return {e["value"]: (e["ru"], e["en"]) for e in TOML[name]["values"]}


def test_statuses_are_the_templates_values_in_their_order():
    assert tuple(e["value"] for e in TOML["task_status"]["values"]) == v.TASK_STATUSES
    assert tuple(e["value"] for e in TOML["invoice_status"]["values"]) == v.INVOICE_STATUSES
    assert tuple(e["value"] for e in TOML["estimate_source"]["values"]) == v.ESTIMATE_SOURCES


def test_groups_partition_the_statuses():
    assert v.IN_WORK_STATUSES == v.OPEN_IN_WORK_STATUSES | {"done"}
    assert v.BACKLOG_STATUSES | v.IN_WORK_STATUSES | {"cancelled"} == set(v.TASK_STATUSES)
    assert not v.BACKLOG_STATUSES & v.IN_WORK_STATUSES
    assert v.TERMINAL_STATUSES == {"done", "cancelled"}
    assert not v.TERMINAL_STATUSES & v.OPEN_IN_WORK_STATUSES
    assert set(v.STAGE_STATUSES) == set(v.TASK_STATUSES) - v.TERMINAL_STATUSES
    assert list(v.STAGE_STATUSES) == [s for s in v.TASK_STATUSES if s in v.STAGE_STATUSES]  # workflow order
    assert v.FORECAST_INVOICE_STATUSES < set(v.INVOICE_STATUSES)


@pytest.mark.parametrize("name", ["task_status", "invoice_status", "estimate_source", "roles", "task_types"])
def test_labels_are_the_files(name):
    assert {k: (d["ru"], d["en"]) for k, d in v.enum_labels(name).items()} == _file_labels(name)


def test_status_label_both_ways():
    for status, (ru, en) in _file_labels("task_status").items():
        assert (v.status_label(status, "ru"), v.status_label(status, "en")) == (ru, en)
        assert v.status_from_label(ru) == v.status_from_label(en) == status
        assert v.status_from_label(f"  {en.upper()} ", "en") == status
        assert v.status_from_label(status) == status
    assert v.status_from_label("В работе", "en") is None  # a Russian label in an English sheet
    assert v.status_from_label("nonsense") is None
    assert v.status_label("archived", "ru") == "archived"  # an unknown value shows as itself


def test_roles_and_task_types():
    assert v.role_label("designer", "ru") == "Дизайнер"
    assert v.role_label("juggler", "en") == "juggler"
    assert v.task_type_label("seo_audit", "en") == "SEO audit"
    assert v.task_type_label("podcast", "ru", name="Подкаст") == "Подкаст"  # the config's name, no label
    assert v.task_type_label("podcast", "ru") == "podcast"


def test_one_locale_rule():
    assert [v.locale_of(x) for x in ("ru", "en", "de", None)] == ["ru", "en", "ru", "ru"]
    assert v.locale_of("de", "en") == "en"
    assert v.status_label("done", "de") == "Готово"


def test_words():
    assert v.WORDS("and_more", "ru", n=3) == "… и ещё 3"
    assert v.WORDS("and_more", "en", n=3) == "… +3"
    assert [v.ordinal(n, "en") for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]
    assert v.ordinal(2, "ru") == "2-й"
    words = v.Words({"hi": ("Привет, {name}", "Hi, {name}")}, default="en")
    assert (words("hi", "ru", name="Аня"), words("hi", "fr", name="Ann")) == ("Привет, Аня", "Hi, Ann")
    assert "hi" in words and "bye" not in words


def test_number_marks():
    assert v.local_number(f"{1234567.5:,.2f}", "ru") == "1 234 567,50"
    assert v.local_number(f"{1234567.5:,.2f}", "en") == "1,234,567.50"
    assert (v.decimal_mark("ru"), v.decimal_mark("en")) == (",", ".")
    assert v.SPREADSHEET_LOCALES["ru"] == "ru_RU"


def test_yes_no_words_do_not_overlap():
    assert not v.TRUE_WORDS & v.FALSE_WORDS
    assert {"да", "yes", "true"} <= v.TRUE_WORDS and {"нет", "no", "false"} <= v.FALSE_WORDS


def test_a_templates_folder_overrides_labels_and_lacks_fall_back(tmp_path, monkeypatch):
    (tmp_path / "vocabularies.toml").write_text(
        '[task_status]\nvalues = [{ value = "done", ru = "Сделано", en = "Finished" }]\n', encoding="utf-8")
    monkeypatch.setenv("SHEETSYNC_TEMPLATES", str(tmp_path))
    assert v.status_label("done", "en") == "Finished"
    assert v.role_label("designer", "en") == "Designer"  # [roles] from the packaged templates
    monkeypatch.delenv("SHEETSYNC_TEMPLATES")
    assert v.status_label("done", "en") == "Done"


def test_one_serial_epoch():
    assert date_to_serial(EPOCH) == 0
    assert date_to_serial(dt.date(2026, 11, 24)) == 46350
    assert date_to_serial(dt.datetime(2026, 11, 24, 15, 30)) == 46350
    assert serial_to_date(46350.75) == dt.date(2026, 11, 24)


def test_no_module_writes_the_epoch_or_status_labels_again():
    """The duplicates issue 14 removed stay removed: one epoch, labels only in vocabularies.toml."""
    offenders = []
    for path in (ROOT / "sheetsync").rglob("*.py"):
        if "emulator" in path.parts:  # the emulator is Google's side, a package of its own
            continue
        text = path.read_text("utf-8")
        rel = path.relative_to(ROOT).as_posix()
        if "1899, 12, 30" in text and rel != "sheetsync/sheets/values.py":
            offenders.append(f"{rel}: the serial epoch")
        if "Ждёт клиента" in text or "Waiting on client" in text:
            offenders.append(f"{rel}: a status label")
    assert offenders == []


@pytest.mark.parametrize(("locale", "more"), [("ru", "… и ещё 3"), ("en", "… +3")])
def test_a_cut_list_says_how_many_more_in_the_sheets_language(locale, more):
    from sheetsync.provision.render import WaitingTask, layout_of, waiting_block
    from sheetsync.templates import load_templates

    templates = load_templates()
    n = layout_of(templates).waiting_rows
    tasks = [WaitingTask(f"T-{i}", f"task {i}", dt.date(2026, 11, 1) + dt.timedelta(days=i), days=i) for i in range(n + 2)]
    rows = waiting_block(templates, 0, tasks, locale=locale)[0]["updateCells"]["rows"]
    texts = [c.get("userEnteredValue", {}).get("stringValue", "") for r in rows for c in r["values"]]
    assert more in texts  # n + 2 tasks in n rows: n - 1 shown, the last row counts the other 3
