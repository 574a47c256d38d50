"""Templates load into typed specs, bad ones fail naming the file and key, and nothing internal is in them."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import inspect as sa_inspect

from sheetsync.store import models
from sheetsync.templates import CLIENT_KINDS, TemplateError, load_sheet, load_templates


def test_all_kinds_load_with_versions(templates):
    assert set(CLIENT_KINDS) | {"invoices"} <= set(templates.sheets)
    assert templates.version == ".".join(f"{k}{templates[k].version}" for k in CLIENT_KINDS)
    backlog = templates["backlog"]
    assert backlog.keys == ("key", "title", "expected_result", "task_type", "role", "assignee", "estimate_hours",
                            "estimate_source", "priority", "status", "client_comment", "plan_note")
    assert templates["in_work"].keys == ("key", "title", "assignee", "estimate_hours", "start_date", "deadline",
                                         "status", "done_date", "actual_hours", "overdue_days", "client_comment",
                                         "stage_days")
    days = templates["in_work"].column("stage_days")
    assert days.computed and days.source == "stage_clock" and days.edit == "nobody" and days.formula is None
    assert "stage_days" not in templates["in_work"].store_fields
    assert backlog.id_column == "key" and backlog.column("key").edit == "nobody"


def test_headers_localise(templates):
    assert templates["backlog"].headers("ru")[:2] == ["ID", "Задача"]
    assert templates["backlog"].headers("en")[:2] == ["ID", "Task"]
    assert templates["in_work"].title_for("ru") == "В работе"
    assert templates["in_work"].title_for("en") == "In work"


def test_status_vocabulary_matches_the_store(templates):
    assert tuple(e.value for e in templates.vocabularies["task_status"].values) == models.TASK_STATUSES
    assert tuple(e.value for e in templates.vocabularies["invoice_status"].values) == models.INVOICE_STATUSES
    assert tuple(e.value for e in templates.vocabularies["estimate_source"].values) == models.ESTIMATE_SOURCES
    v = templates.vocabularies["task_status"]
    assert v.label("waiting_client", "ru") == "Ждёт клиента"
    assert v.value_for("  ждёт   клиента ", "ru") == "waiting_client"
    assert v.value_for("In review", "en") == "review"


def test_formula_placeholders_expand(templates):
    f = templates.formula("in_work", templates["in_work"].column("overdue_days").formula, 7, "en")
    assert f == '=IF(AND(ISNUMBER(F7),G7<>"Done",F7<TODAY()),TODAY()-F7,"")'


def _internal_fields() -> set[str]:
    """Internal-only fields as the store declares them: its explicit list when it has one, plus
    every column named like an internal note or a rate on any model."""
    declared = set(getattr(models, "INTERNAL_TASK_FIELDS", ()) or ()) | set(getattr(models, "INTERNAL_FIELDS", ()) or ())
    named = {c.key for m in models.Base.registry.mappers for c in sa_inspect(m.class_).columns
             if "internal" in c.key or "rate" in c.key}
    return declared | named | {"internal_note"}


def test_no_internal_field_in_any_client_template(templates):
    internal = _internal_fields()
    assert "internal_note" in internal
    task_fields = {c.key for c in sa_inspect(models.Task).columns}
    for kind in CLIENT_KINDS:
        spec = templates[kind]
        keys = set(spec.keys)
        assert not keys & internal, f"{kind}.toml shows internal-only fields {keys & internal}"
        if spec.role == "synced":  # every synced column is a client-visible task field or computed
            assert {c.key for c in spec.columns if not c.computed} <= task_fields
        text = repr(spec).lower()
        for name in internal:
            assert name not in text, f"{kind}.toml mentions {name}"


def _copy(tmp_path, templates):
    d = tmp_path / "tpl"
    shutil.copytree(templates.directory, d)
    return d


def test_bad_type_names_file_and_column(tmp_path, templates):
    d = _copy(tmp_path, templates)
    p = d / "backlog.toml"
    p.write_text(p.read_text().replace('type = "hours"', 'type = "hourz"', 1))
    with pytest.raises(TemplateError) as e:
        load_templates(d)
    msg = str(e.value)
    assert "backlog.toml" in msg and "columns[6] (key 'estimate_hours').type" in msg


def test_unknown_vocabulary_and_duplicate_keys(tmp_path, templates):
    d = _copy(tmp_path, templates)
    p = d / "in_work.toml"
    p.write_text(p.read_text().replace('vocabulary = "task_status"', 'vocabulary = "task_state"'))
    with pytest.raises(TemplateError, match=r"in_work.toml: column 'status' uses vocabulary 'task_state'"):
        load_templates(d)
    p.write_text(p.read_text().replace('key = "done_date"', 'key = "deadline"'))
    with pytest.raises(TemplateError, match="duplicate column keys: deadline"):
        load_sheet(p)


def test_formula_to_missing_column_and_editable_id(tmp_path, templates):
    d = _copy(tmp_path, templates)
    p = d / "in_work.toml"
    p.write_text(p.read_text().replace("{col:deadline}<TODAY()),TODAY()", "{col:dedline}<TODAY()),TODAY()"))
    with pytest.raises(TemplateError, match=r"refers to \{col:dedline\}"):
        load_sheet(p)
    b = d / "backlog.toml"
    b.write_text(b.read_text().replace('edit = "nobody"', 'edit = "manager"', 1))
    with pytest.raises(TemplateError, match="ID column 'key' must have edit"):
        load_sheet(b)


def test_bad_toml_and_wrong_file_name(tmp_path, templates):
    d = _copy(tmp_path, templates)
    (d / "metrics.toml").write_text("kind = [")
    with pytest.raises(TemplateError, match="metrics.toml: not valid TOML"):
        load_templates(d)
    (d / "metrics.toml").unlink()
    with pytest.raises(TemplateError, match="missing template.*metrics.toml"):
        load_templates(d)
    shutil.copy(templates.directory + "/card.toml", d / "kard.toml")
    with pytest.raises(TemplateError, match="kind = 'card' but the file is named 'kard.toml'"):
        load_sheet(d / "kard.toml")
