"""One redaction module for the CLI's error path and the log: passwords, keys and tokens never leave."""

from __future__ import annotations

import io
import json
import logging

import pytest

from sheetsync.redact import MASK, RedactingFilter, add_url_password, redact

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"

CASES = [
    ("cannot open postgresql+psycopg://agent:Pa55-w0rd@db:5432/agency", "Pa55-w0rd", "agent:***@db"),
    ("postgresql://agent:p%40ss@db/x", "p%40ss", "agent:***@db"),
    ("host=db user=agent password=Pa55-w0rd dbname=x", "Pa55-w0rd", "password=***"),
    ('{"type": "service_account", "private_key": "' + PEM.replace("\n", "\\n") + '"}', "MIIEvQ", '"private_key": "***"'),
    ("key was " + PEM, "MIIEvQ", "<private key ***>"),
    ("Authorization: Bearer ya29.a0AfH6SMBx-secret_token", "a0AfH6SMBx", "Bearer ***"),
    ("got ya29.a0AfH6SMBx-secret_token from the server", "a0AfH6SMBx", "ya29.***"),
    ("refresh 1//0gLq9VzY-secret-refresh-token", "0gLq9VzY", "1//***"),
    ("https://x.test/cb?code=1&access_token=abc.def-123&x=1", "abc.def-123", "access_token=***"),
    ("client_secret: GOCSPX-abcdefghijkl", "abcdefghijkl", "***"),
    ("api key AIzaSyA1234567890abcdefghijklmnopqrstuv", "SyA1234567890", "AIza***"),
]


@pytest.mark.parametrize(("text", "secret", "shown"), CASES)
def test_redact_masks_every_kind_of_secret(text, secret, shown):
    out = redact(text)
    assert secret not in out and shown in out, out


def test_redact_leaves_ordinary_text_alone():
    for text in ("no client 'nope' in the store (known: acme)", "sqlite:////srv/data/sheetsync.db",
                 "T-000001.deadline = 2026-11-24", "https://docs.google.com/spreadsheets/d/1AbC/edit",
                 "tokens: 3 of 60 per minute"):
        assert redact(text) == text


def test_a_known_password_is_masked_even_where_no_pattern_sees_it():
    add_url_password("postgresql+psycopg://agent:Unusual-Secret-42@db/x")
    assert redact("the driver said: auth failed for Unusual-Secret-42 (whatever)") == \
        f"the driver said: auth failed for {MASK} (whatever)"


def _records(json_lines: bool):
    from sheetsync.daemon.logs import configure

    stream = io.StringIO()
    configure(stream=stream, json_lines=json_lines, level="DEBUG")
    log = logging.getLogger("sheetsync.daemon.test")
    try:
        log.info("store %s", "postgresql://agent:Pa55-w0rd@db/x", extra={"store": "postgresql://a:Pa55-w0rd@db/y",
                                                                         "held": ["password=Pa55-w0rd"]})
        try:
            raise RuntimeError("connect failed: postgresql://agent:Pa55-w0rd@db/x " + PEM)
        except RuntimeError:
            log.exception("cycle failed with token=tok_3f9a8b7c6d")
    finally:
        configure(console=False)
    return stream.getvalue()


@pytest.mark.parametrize("json_lines", [False, True])
def test_the_logging_setup_masks_messages_arguments_extras_and_tracebacks(json_lines):
    text = _records(json_lines)
    assert "Pa55-w0rd" not in text and "MIIEvQ" not in text and "tok_3f9a8b7c6d" not in text, text
    assert "agent:***@db" in text and "Traceback" in text and "token=***" in text
    if json_lines:
        first, second = (json.loads(line) for line in text.splitlines()[:2])
        assert first["store"] == "postgresql://a:***@db/y" and "exc" in second


def test_the_filter_is_on_every_handler_configure_installs(tmp_path):
    from sheetsync.daemon.logs import configure

    configure(stream=io.StringIO(), file=str(tmp_path / "d.log"))
    try:
        handlers = [h for h in logging.getLogger("sheetsync").handlers if getattr(h, "_sheetsync", False)]
        assert len(handlers) == 2
        assert all(any(isinstance(f, RedactingFilter) for f in h.filters) for h in handlers)
        logging.getLogger("sheetsync.x").warning("url postgresql://u:Pa55-w0rd@h/d")
    finally:
        configure(console=False)
    assert "Pa55-w0rd" not in (tmp_path / "d.log").read_text() and "u:***@h" in (tmp_path / "d.log").read_text()


def test_json_output_is_masked_and_still_json(capsys):
    from sheetsync.cli._app import print_json

    print_json({"urls": ["x://u:p", "q@r"], "store": "postgresql://a:Pa55-w0rd@h/d", "dsn": "password=zzz9",
                "pair": ["postgresql://a:\"odd@h"]})
    doc = json.loads(capsys.readouterr().out)
    assert doc["store"] == "postgresql://a:***@h/d" and doc["dsn"] == "password=***"
    assert doc["urls"] == ["x://u:p", "q@r"]
