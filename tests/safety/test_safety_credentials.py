"""Credentials are never logged (docs/safety.md): a Google-mode transport built from a service-account key,
used at DEBUG logging, leaves neither the private key nor the access token in any log record."""

from __future__ import annotations

import json
import logging
import re

import pytest
import responses

TOKEN_URI = "https://oauth2.googleapis.com/token"
SA_EMAIL = "sheetsync-bot@agency-project.iam.gserviceaccount.com"
ACCESS_TOKEN = "ya29.safety-audit-SECRET-TOKEN"


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def sa_file(tmp_path, private_key_pem):
    path = tmp_path / "sa.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "agency-project", "private_key_id": "deadbeefcafe0001",
        "private_key": private_key_pem, "client_email": SA_EMAIL, "client_id": "1234567890", "token_uri": TOKEN_URI,
    }))
    return path


def _secrets(pem: str) -> list[str]:
    body = "".join(pem.strip().splitlines()[1:-1])
    # any 40-character slice of the key body, the token, the key id
    return [body[i:i + 40] for i in range(0, len(body) - 40, 40)] + [ACCESS_TOKEN, "deadbeefcafe0001"]


@pytest.mark.parametrize("how", ["file", "env"])
def test_no_credential_in_debug_logs(sa_file, private_key_pem, caplog, monkeypatch, how):
    from sheetsync.config import load_config
    from sheetsync.sheets import connect
    from sheetsync.sheets.client import backend_from_config

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, TOKEN_URI, json={"access_token": ACCESS_TOKEN, "expires_in": 3600,
                                                  "token_type": "Bearer"})
        rsps.add(responses.GET, re.compile(r"https://iamcredentials\.googleapis\.com/.*"),
                 json={"locations": [], "encodedLocations": "0x0"})
        rsps.add(responses.GET, re.compile(r"https://www\.googleapis\.com/drive/v3/files.*"),
                 json={"files": [{"id": "abc", "name": "x", "modifiedTime": "2026-11-22T10:00:00.000Z",
                                  "mimeType": "application/vnd.google-apps.spreadsheet"}]})
        rsps.add(responses.GET, re.compile(r"https://sheets\.googleapis\.com/v4/spreadsheets/abc.*"),
                 status=403, json={"error": {"code": 403, "message": "The caller does not have permission",
                                             "status": "PERMISSION_DENIED"}})
        backend = {"type": "google"}
        if how == "file":
            backend["credentials"] = str(sa_file)
        else:
            monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(sa_file))
        with caplog.at_level(logging.DEBUG):
            logging.getLogger().setLevel(logging.DEBUG)
            sheets = connect(backend_from_config(load_config({"backend": backend})))
            sheets.list_modified()
            with pytest.raises(Exception) as err:
                sheets.get_metadata("abc", "properties")
            repr(sheets)
        seen = [c.request.headers.get("Authorization", "") for c in rsps.calls]
    assert any(ACCESS_TOKEN in h for h in seen), "the test never exercised an authenticated call"
    text = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records) + caplog.text
    text += str(err.value) + repr(err.value)
    assert len(caplog.records) > 0
    leaked = [s for s in _secrets(private_key_pem) if s in text]
    assert not leaked, f"credentials in the logs: {leaked[:3]}"


@pytest.mark.parametrize("damage", ["no-email", "bad-key", "not-json"])
def test_a_damaged_key_file_is_reported_without_its_content(tmp_path, private_key_pem, caplog, damage):
    """The error (and its whole traceback chain, which a daemon logs) names the file, never its content."""
    import traceback

    from sheetsync.sheets import Backend, connect

    body = private_key_pem.strip().splitlines()[5]
    data = {"type": "service_account", "private_key": private_key_pem, "client_email": SA_EMAIL,
            "token_uri": TOKEN_URI, "private_key_id": "deadbeefcafe0001"}
    if damage == "no-email":
        del data["client_email"]
        text = json.dumps(data)
    elif damage == "bad-key":
        data["private_key"] = "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n"
        text = json.dumps(data)
    else:
        text = "{not json " + private_key_pem
    path = tmp_path / "sa.json"
    path.write_text(text)
    with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as err:
        connect(Backend(kind="google", credentials_file=str(path)))
    told = "".join(traceback.format_exception(err.value)) + caplog.text
    assert str(path) in str(err.value), "the error should name the file to fix"
    assert body[:32] not in told and "deadbeefcafe0001" not in told


# --- a key or an authorized-user file pasted AS CONTENT instead of a path (issue 13 item 8) ------------

CLIENT_SECRET = "GOCSPX-safety-audit-CLIENT-SECRET"
REFRESH_TOKEN = "1//0safety-audit-REFRESH-TOKEN-xyz"


def _pasted(kind: str, pem: str) -> str:
    if kind == "service_account":
        return json.dumps({"type": "service_account", "project_id": "agency-project",
                           "private_key_id": "deadbeefcafe0001", "private_key": pem, "client_email": SA_EMAIL,
                           "client_id": "1234567890", "token_uri": TOKEN_URI}, indent=2)
    return json.dumps({"type": "authorized_user", "client_id": "123-abc.apps.googleusercontent.com",
                       "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN})


def _all_secrets(pem: str) -> list[str]:
    return _secrets(pem) + [CLIENT_SECRET, REFRESH_TOKEN, "PRIVATE KEY"]


def _toml_config(tmp_path, where: str, content: str) -> str:
    """A config file with the google backend; the content pasted into backend.credentials when asked."""
    lines = ['data_dir = "data"', "[[clients]]", 'slug = "acme"', 'name = "Acme"', "[backend]", 'type = "google"']
    if where == "config":
        lines.append("credentials = '''" + content + "'''")
    elif where == "table":  # pasted as a TOML table: every JSON key becomes a config key
        lines.append("[backend.credentials]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in json.loads(content).items()]
    path = tmp_path / "sheetsync.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("kind", ["service_account", "authorized_user"])
@pytest.mark.parametrize("where", ["env", "config"])
def test_pasted_credentials_never_printed_by_the_library(tmp_path, private_key_pem, caplog, monkeypatch, kind,
                                                         where):
    import traceback

    from sheetsync.config import ConfigError, load_config
    from sheetsync.sheets import connect
    from sheetsync.sheets.client import backend_from_config
    from sheetsync.sheets.errors import AuthFailed

    content = _pasted(kind, private_key_pem)
    backend = {"type": "google"}
    if where == "env":
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", content)
    else:
        monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
        backend["credentials"] = content
    with caplog.at_level(logging.DEBUG), pytest.raises((AuthFailed, ConfigError)) as err:
        connect(backend_from_config(load_config({"backend": backend})))
    told = "".join(traceback.format_exception(err.value)) + caplog.text + repr(err.value)
    told += str(getattr(err.value, "hint", "") or "")
    leaked = [s for s in _all_secrets(private_key_pem) if s in told]
    assert not leaked, f"secrets in the error: {leaked[:3]}"
    name = "GOOGLE_APPLICATION_CREDENTIALS" if where == "env" else "backend.credentials"
    assert f"{name} holds JSON text, not a file path" in str(err.value) + told


@pytest.mark.parametrize("kind", ["service_account", "authorized_user"])
@pytest.mark.parametrize("where", ["env", "config", "table"])
@pytest.mark.parametrize("command", [["doctor"], ["doctor", "--deep"], ["status"], ["sync", "--once"], ["provision", "acme"],
                                     ["run"]])
def test_pasted_credentials_never_printed_by_the_cli(tmp_path, private_key_pem, monkeypatch, kind, where, command):
    import importlib

    from typer.testing import CliRunner

    from sheetsync.cli import _COMMANDS, app

    for name in _COMMANDS:
        importlib.import_module(f"sheetsync.cli.{name}")
    monkeypatch.chdir(tmp_path)
    content = _pasted(kind, private_key_pem)
    config = _toml_config(tmp_path, where, content)
    env = {"COLUMNS": "300", "GOOGLE_APPLICATION_CREDENTIALS": content if where == "env" else ""}
    if where != "env":
        monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    result = CliRunner().invoke(app, [*command, "-c", config], env=env)
    told = result.output + (result.stderr if result.stderr_bytes is not None else "")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        told += "".join(traceback.format_exception(result.exception))
    leaked = [s for s in _all_secrets(private_key_pem) if s in told]
    assert not leaked, f"secrets printed by `sheetsync {' '.join(command)}`: {leaked[:3]}\n{told[:2000]}"
    if command[0] in ("doctor", "provision", "run") or where == "table":
        assert "holds JSON text" in told.replace("\n", " ") or "not a file path" in told, told[:2000]
        assert result.exit_code != 0


@pytest.mark.parametrize("command", [["sync", "--once"], ["run"], ["provision", "acme"]])
def test_an_error_says_what_to_do_once(tmp_path, monkeypatch, command):
    """A transport error carries its hint in str(e) too; the CLI printed it twice (sync, run)."""
    import importlib

    from typer.testing import CliRunner

    from sheetsync.cli import _COMMANDS, app

    for name in _COMMANDS:
        importlib.import_module(f"sheetsync.cli.{name}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    config = tmp_path / "sheetsync.toml"
    config.write_text('data_dir = "data"\n[[clients]]\nslug = "acme"\nname = "Acme"\n[backend]\ntype = "google"\n'
                      f'credentials = "{tmp_path / "missing-key.json"}"\n')
    result = CliRunner().invoke(app, [*command, "-c", str(config)], env={"COLUMNS": "300"})
    told = (result.stderr if result.stderr_bytes is not None else result.output).replace("\n", " ")
    assert result.exit_code != 0 and "missing-key.json" in told, told
    assert told.count("what to do") == 1, told
