"""The store's commands, run through Typer's CliRunner against a real SQLite file."""

from __future__ import annotations

import importlib

import pytest
from typer.testing import CliRunner

from sheetsync.cli import _COMMANDS, app
from sheetsync.store import Store

for _name in _COMMANDS:
    importlib.import_module(f"sheetsync.cli.{_name}")

runner = CliRunner()


@pytest.fixture
def project(tmp_path, monkeypatch):
    from sheetsync.cli import _app

    for console in (_app.console, _app.err_console):  # wide enough that tables keep words whole
        monkeypatch.setattr(console, "_width", 200)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHEETSYNC_ACTOR", "op@agency.test")
    monkeypatch.delenv("SHEETSYNC_CONFIG", raising=False)
    result = _run("init", "--config", "conf/sheetsync.toml", "--agency", 'Студия "Ветер"')
    assert result.exit_code == 0, result.output
    return tmp_path / "conf" / "sheetsync.toml"


class _Result:
    """The run's exit code and its output with rich's line wrapping undone."""

    def __init__(self, result) -> None:
        self.exit_code = result.exit_code
        self.output = " ".join(result.output.split())


def _run(*args):
    return _Result(runner.invoke(app, [str(a) for a in args]))


def test_init_refuses_to_overwrite_without_force(project):
    before = project.read_text(encoding="utf-8")
    assert 'name = "Студия \\"Ветер\\""' in before
    result = _run("init", "--config", project)
    assert result.exit_code == 1 and "already exists" in result.output and "--force" in result.output
    assert _run("init", "--config", project, "--force").exit_code == 0


def test_db_upgrade_then_import_export_log_restore(project, tmp_path):
    result = _run("db", "upgrade", "--config", project)
    assert result.exit_code == 0, result.output
    assert "revision 0008" in result.output
    store_file = project.parent / "data" / "sheetsync.db"
    assert store_file.is_file()  # relative data_dir resolves against the config's folder

    csv_path = tmp_path / "tasks.csv"
    csv_path.write_text("client,title,status\ndemo,Первая,backlog\ndemo,Вторая,doing\n", encoding="utf-8")
    bad = _run("import", "tasks", csv_path, "--config", project)
    assert bad.exit_code == 1
    assert "tasks.csv:3" in bad.output and "nothing was imported" in bad.output
    partial = _run("import", "tasks", csv_path, "--skip-bad", "--config", project)
    assert partial.exit_code == 2 and "1 created" in partial.output and "skipped" in partial.output

    out = tmp_path / "out.csv"
    assert _run("export-data", "tasks", out, "--config", project).exit_code == 0
    assert "T-000001,demo,Первая" in out.read_text(encoding="utf-8")
    assert _run("export-data", "tasks", out, "--config", project).exit_code == 1  # no silent overwrite

    with Store.open(store_file) as store:
        store.tasks.update("T-000001", title="Испорчено", origin="sheet", actor="client@demo.example")
        store.tasks.delete("T-000001", origin="sheet", actor="client@demo.example")
    log = _run("log", "--task", "T-000001", "--config", project)
    assert log.exit_code == 0 and "delete" in log.output and "client@demo.example" in log.output

    assert _run("restore", "T-000001", "--config", project).exit_code == 0
    field = _run("restore", "T-000001", "--field", "title", "--config", project)
    assert field.exit_code == 0, field.output
    with Store.open(store_file) as store:
        task = store.tasks.get("T-000001")
        assert task.title == "Первая"
        last = store.log(task="T-000001", newest_first=True, limit=1)[0]
        assert (last.origin, last.actor) == ("cli", "op@agency.test")


def test_errors_say_what_to_do(project, tmp_path):
    assert _run("db", "upgrade", "--config", project).exit_code == 0
    unknown = _run("import", "projects", tmp_path / "x.csv", "--config", project)
    assert unknown.exit_code == 1 and "clients, tasks, invoices, metric_values" in unknown.output
    missing = _run("restore", "T-000404", "--config", project)
    assert missing.exit_code == 1 and "no task 'T-000404'" in missing.output
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text('[[specialists]]\nemail = "a@b.ru"\nname = "A"\nrole = "dev"\nweekly_hours = "forty"\n',
                          encoding="utf-8")
    result = _run("db", "upgrade", "--config", bad_config)
    assert result.exit_code == 1
    assert 'specialists[0].weekly_hours: expected a positive number of hours, got "forty"' in result.output


def test_db_status_and_log_by_client(project):
    before = _run("db", "status", "--config", project)
    assert before.exit_code == 0 and "empty: run `sheetsync db upgrade`" in before.output
    assert _run("db", "upgrade", "--config", project).exit_code == 0
    after = _run("db", "status", "--config", project)
    assert "(up to date)" in after.output
    log = _run("log", "--client", "demo", "--config", project)
    assert log.exit_code == 0 and "Демо-клиент" in log.output and "create" in log.output
    assert _run("log", "--client", "nobody", "--config", project).exit_code == 1
