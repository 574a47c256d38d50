"""Issue 17 item 4: every probe a new user tried gets one line saying what was wrong and what to do,
a non-zero exit, and no traceback; secrets never shown.

Each probe runs the real command line (Typer's runner on the root app, whose SafeGroup is the
entry point's last line of defence; a few through the console script in a subprocess) against a
config with one provisioned client on the embedded emulator and a SQLite store.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from sheetsync.cli import _COMMANDS, app

for _name in _COMMANDS:
    importlib.import_module(f"sheetsync.cli.{_name}")

runner = CliRunner()

CONFIG = """
data_dir = "{data}"
{store}
[agency]
name = "Ветер"

[[specialists]]
email = "maria@veter.test"
name = "Мария"
role = "manager"

[[clients]]
slug = "acme"
name = "ACME"
manager_email = "maria@veter.test"
"""


def write_config(path, *, store: str = "") -> str:
    path.write_text(CONFIG.format(data=path.parent / "data", store=store), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A config whose client `acme` is provisioned and has one task (T-000001)."""
    root = tmp_path_factory.mktemp("probes")
    cfg = write_config(root / "sheetsync.toml")
    result = runner.invoke(app, ["provision", "acme", "-c", cfg])
    assert result.exit_code == 0, result.output
    from sheetsync.config import load_config
    from sheetsync.store import Store

    st = Store.from_config(load_config(cfg))
    st.tasks.create("acme", {"title": "Лендинг"}, origin="cli", actor="t")
    st.close()
    return root, cfg


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "80", **(env or {})})


def one_line(result, *needles: str) -> str:
    """The probe's error: exit != 0, exactly one line on stderr, `error: … — what to do: …`, no traceback."""
    assert result.exit_code not in (0, None), result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: ") and " — what to do: " in line, line
    for needle in needles:
        assert needle in line, (needle, line)
    return line


# --- "Tracebacks reached the person for" ---------------------------------------------------------------
def test_conflicts_with_an_unknown_client(project):
    _, cfg = project
    one_line(run("conflicts", "--client", "nope", "-c", cfg), "no client 'nope'", "known: acme")


def test_export_onto_a_folder(project, tmp_path):
    _, cfg = project
    one_line(run("export", "acme", "--xlsx", tmp_path, "-c", cfg), "is a folder", "acme.xlsx")
    assert not list(tmp_path.parent.glob(f"{tmp_path.name}.part"))  # no stray temporary file beside it


def test_export_under_a_file_where_a_folder_should_be(project, tmp_path):
    _, cfg = project
    (tmp_path / "afile").write_text("x")
    one_line(run("export", "acme", "--xlsx", tmp_path / "afile" / "out.xlsx", "-c", cfg), "cannot write")


def test_export_into_a_missing_folder_creates_it(project, tmp_path):
    """Not an error: the folder is made (as before); the probe's traceback is gone either way."""
    _, cfg = project
    target = tmp_path / "new" / "dir" / "acme.xlsx"
    result = run("export", "acme", "--xlsx", target, "-c", cfg)
    assert result.exit_code == 0 and target.is_file(), result.output


def test_emulator_serve_on_an_impossible_port():
    one_line(run("emulator", "serve", "--port", "99999"), "--port 99999", "0 to 65535")


def test_demo_out_pointing_at_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    one_line(run("demo", "--out", tmp_path / "afile"), "is a file", "--out")


def test_a_windows_1251_csv_is_imported(project, tmp_path):
    _, cfg = project
    path = tmp_path / "tasks.csv"
    path.write_bytes("client;title;deadline\nacme;Отчёт «осень»;24.11.2026\n".encode("cp1251"))
    result = run("import", "tasks", path, "-c", cfg)
    assert result.exit_code == 0 and "1 created" in " ".join(result.output.split()), result.output
    out = run("export-data", "tasks", tmp_path / "back.csv", "-c", cfg)
    assert out.exit_code == 0
    text = (tmp_path / "back.csv").read_text(encoding="utf-8")
    assert "Отчёт «осень»" in text and "2026-11-24" in text


def test_a_csv_in_no_encoding_we_can_tell_is_one_line(project, tmp_path):
    _, cfg = project
    path = tmp_path / "tasks.csv"
    path.write_bytes("client;title\nacme;Crème brûlée\n".encode("latin-1"))
    one_line(run("import", "tasks", path, "-c", cfg), "neither UTF-8 nor Windows-1251", "UTF-8")


# --- "Unclear messages" ------------------------------------------------------------------------------
def test_sync_with_an_unknown_client_points_at_a_command_that_exists(project):
    _, cfg = project
    line = one_line(run("sync", "--client", "nope", "-c", cfg), "no client 'nope'")
    import re

    commands = re.findall(r"`sheetsync ([a-z-]+)", line)
    assert commands, line
    for name in commands:
        assert run(name, "--help").exit_code == 0, name


def test_plan_with_an_unknown_client_keeps_the_brackets(project):
    _, cfg = project
    one_line(run("plan", "nope", "-c", cfg), "no client 'nope'", "[[clients]]")


def test_rich_markup_never_eats_store_or_sync_sections(tmp_path):
    cfg = write_config(tmp_path / "s.toml", store='[store]\nurl = "postgresql+psycopg://u@127.0.0.1:1/x"\n')
    one_line(run("status", "-c", cfg), "[store] url")
    bad = tmp_path / "b.toml"
    bad.write_text("[sync]\ninterval_seconds = 1\n", encoding="utf-8")
    one_line(run("status", "-c", bad), "sync.interval_seconds")


def test_status_with_an_unknown_client(project):
    _, cfg = project
    one_line(run("status", "--client", "nope", "-c", cfg), "no client 'nope'")


def test_config_given_a_directory(project):
    root, _ = project
    one_line(run("status", "--config", root), "is a folder", "sheetsync.toml")


def test_restore_an_unknown_field(project):
    _, cfg = project
    one_line(run("restore", "T-000001", "--field", "nope", "-c", cfg), "no field 'nope'", "title", "sheetsync log")


def test_provision_a_client_and_all(project):
    _, cfg = project
    one_line(run("provision", "acme", "--all", "-c", cfg), "both a client (acme) and --all")


@pytest.mark.parametrize("args", [["status", "--client", "a", "--client", "b"],
                                  ["conflicts", "--client=a", "--client", "b"],
                                  ["log", "--client", "acme", "--client", "acme"]])
def test_a_single_value_option_given_twice(project, args):
    _, cfg = project
    one_line(run(*args, "-c", cfg), "--client was given 2 times", "give --client once")


@pytest.mark.parametrize("value", ["0", "4", "-1", "100000"])
def test_run_interval_out_of_the_configs_range(project, value):
    _, cfg = project
    line = one_line(run("run", "--once", "--interval", value, "-c", cfg), f"--interval {value}")
    from sheetsync.config import MIN_SYNC_INTERVAL_SECONDS

    assert f"every {MIN_SYNC_INTERVAL_SECONDS} to" in line  # the config validator's bound


def test_a_mysql_store_url(tmp_path):
    cfg = write_config(tmp_path / "m.toml", store='[store]\nurl = "mysql://app:hunter22@db/agency"\n')
    line = one_line(run("status", "-c", cfg), "store.url", "SQLite", "PostgreSQL", "mysql://")
    assert "hunter22" not in line


def test_doctor_with_a_valid_key_and_no_network(tmp_path):
    """A key Google would accept, but the token endpoint cannot be reached: not the credentials' fault."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    sa = tmp_path / "sa.json"
    sa.write_text(json.dumps({"type": "service_account", "project_id": "p", "private_key_id": "abc",
                              "private_key": pem, "client_email": "sync@p.iam.gserviceaccount.com",
                              "client_id": "1", "token_uri": "http://127.0.0.1:9/token"}))  # nothing listens
    cfg = tmp_path / "g.toml"
    cfg.write_text(f'data_dir = "d"\n[backend]\ntype = "google"\ncredentials = "{sa}"\nshared_drive_id = "0AbC"\n')
    result = run("doctor", "-c", cfg, env={"COLUMNS": "300"})
    assert result.exit_code == 1 and "Traceback" not in result.output
    out = " ".join(result.output.split())
    assert "cannot reach Google to obtain an access token (Connection refused)" in out, out
    assert "credentials were not checked online" in out and "network connection" in out
    assert "points to a valid service-account" not in out  # the old advice blamed the key
    assert "BEGIN PRIVATE KEY" not in out


# --- PostgreSQL password ----------------------------------------------------------------------------------
PG_DOWN = "postgresql+psycopg://agent:Pa55-w0rd@127.0.0.1:5999/agency"  # nothing listens on 5999


@pytest.mark.parametrize("command", [["sync"], ["run", "--once"], ["status"], ["plan", "--all"],
                                     ["provision", "--all"]])
def test_the_postgres_password_is_never_printed(tmp_path, command):
    cfg = write_config(tmp_path / "pg.toml", store=f'[store]\nurl = "{PG_DOWN}"\n')
    line = one_line(run(*command, "-c", cfg), "agent:***@127.0.0.1:5999", "[store] url")
    assert "Pa55-w0rd" not in line


def test_run_through_the_console_script_masks_the_password_in_what_reaches_the_journal(tmp_path):
    cfg = write_config(tmp_path / "pg.toml", store=f'[store]\nurl = "{PG_DOWN}"\n')
    proc = subprocess.run([sys.executable, "-c", "from sheetsync.cli import main; main()", "run", "--once",
                           "-c", cfg, "--log-file", str(tmp_path / "d.log")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    journal = proc.stdout + proc.stderr + (tmp_path / "d.log").read_text(encoding="utf-8")
    assert "Pa55-w0rd" not in journal and "Traceback" not in journal
    assert len(proc.stderr.strip().splitlines()) == 1 and "agent:***@" in proc.stderr


# --- the last line of defence --------------------------------------------------------------------------
def test_an_exception_no_command_expected_is_one_line(project, monkeypatch):
    _, cfg = project
    from sheetsync.store.sync_state import SyncStateRepository

    def boom(*_a, **_k):
        raise RuntimeError("password=hunter22 went wrong")

    monkeypatch.setattr(SyncStateRepository, "conflicts", boom)
    line = one_line(run("conflicts", "-c", cfg), "unexpected RuntimeError", "SHEETSYNC_DEBUG=1")
    assert "hunter22" not in line


def test_version():
    result = run("--version")
    from importlib.metadata import version

    assert result.exit_code == 0 and result.stdout.strip() == f"sheetsync {version('sheetsync')}"
    proc = subprocess.run([sys.executable, "-c", "from sheetsync.cli import main; main()", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("sheetsync ")


# --- JSON output ---------------------------------------------------------------------------------------------
def test_json_output_of_status_conflicts_log_and_a_dry_run(project):
    _, cfg = project
    dry = run("sync", "--dry-run", "--json", "-c", cfg)
    assert dry.exit_code == 0, dry.output
    doc = json.loads(dry.stdout)
    assert doc["dry_run"] is True and [c["client"] for c in doc["clients"]] == ["acme"]
    acme = doc["clients"][0]
    assert acme["state"] == "ok" and acme["error"] is None
    assert any("T-000001" in a["what"] and a["side"] == "sheet" for a in acme["actions"]), acme
    assert set(acme) == {"client", "state", "error", "api_calls", "pulled", "pushed", "created", "tombstoned",
                         "conflicts", "errors", "warnings", "actions"}

    status = json.loads(run("status", "--json", "-c", cfg).stdout)
    (row,) = status["clients"]
    assert row["client"] == "acme" and row["spreadsheet_id"] and row["conflicts"] == 0
    assert set(row) == {"client", "spreadsheet_id", "last_sync", "result", "api_calls", "conflicts", "errors"}

    conflicts = json.loads(run("conflicts", "--json", "--client", "acme", "-c", cfg).stdout)
    assert conflicts == {"conflicts": []}

    log = json.loads(run("log", "--json", "--task", "T-000001", "-c", cfg).stdout)
    first = log["changes"][0]
    assert first["key"] == "T-000001" and first["action"] == "create" and first["entity"] == "task"
    assert set(first) == {"id", "at", "origin", "actor", "entity", "key", "action", "field", "old", "new"}


def test_bad_csv_rows_keep_their_brackets(project, tmp_path):
    """Per-row messages go through Rich too: a value such as `[sync]` is shown, not swallowed as markup."""
    _, cfg = project
    path = tmp_path / "tasks.csv"
    path.write_text("client,title,status\nacme,ok,[sync]\n", encoding="utf-8")
    result = run("import", "tasks", path, "-c", cfg)
    assert result.exit_code == 1 and "'[sync]'" in result.stderr, result.stderr


def test_file_system_errors_no_command_expected_are_one_line(project, tmp_path):
    """SafeGroup turns an OSError from any command into one line naming the path."""
    _, cfg = project
    one_line(run("stage-report", "--csv", tmp_path, "-c", cfg), str(tmp_path), "is a folder, not a file")
    (tmp_path / "afile").write_text("x")
    one_line(run("init", tmp_path / "afile" / "x.toml"), "a file is in the way")
    one_line(run("run", "--once", "--log-file", tmp_path / "no" / "such" / "d.log", "-c", cfg), "no such file")
