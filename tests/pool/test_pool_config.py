"""The pool of service accounts in the config: `[[backend.accounts]]`, one-line errors, the backend each builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheetsync.config import DEFAULT_ACCOUNT, ConfigError, load_config
from sheetsync.sheets.client import DEFAULT_EMULATOR_USER, backend_from_config


def _problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        load_config(data)
    return exc.value.problems


def test_no_accounts_is_one_default_account():
    c = load_config(None)
    assert c.backend.accounts == [] and c.backend.account_names == [DEFAULT_ACCOUNT]
    assert c.backend.account(None) is None and c.backend.account(DEFAULT_ACCOUNT) is None


def test_emulator_accounts_each_act_as_their_user():
    c = load_config({"backend": {"accounts": [{"name": "pool-1", "user": "sync-1@agency.test"},
                                              {"name": "pool-2", "user": "sync-2@agency.test"}]}})
    assert c.backend.account_names == ["default", "pool-1", "pool-2"]
    assert backend_from_config(c).user == DEFAULT_EMULATOR_USER
    b = backend_from_config(c, account="pool-2")
    assert (b.kind, b.user, b.emulator_path) == ("emulator", "sync-2@agency.test", str(c.emulator_dir))
    with pytest.raises(KeyError, match="no account 'pool-9'.*default, pool-1, pool-2"):
        backend_from_config(c, account="pool-9")


def test_google_accounts_each_have_their_key_and_no_drive(tmp_path):
    c = load_config({"backend": {"type": "google", "credentials": "keys/main.json", "shared_drive_id": "0Adrive",
                                 "subject": None,
                                 "accounts": [{"name": "pool-1", "credentials": "keys/pool-1.json"}]}})
    main, pool = backend_from_config(c), backend_from_config(c, account="pool-1")
    assert main.shared_drive_id == "0Adrive" and Path(str(main.credentials_file)).name == "main.json"
    assert Path(str(pool.credentials_file)) == c.resolve("keys/pool-1.json")
    assert pool.shared_drive_id is None and pool.folder_id is None  # it never creates files


@pytest.mark.parametrize(("backend", "expected"), [
    ({"accounts": [{"name": "default", "user": "a@agency.test"}]},
     'backend.accounts[0].name: expected a name other than "default"'),
    ({"accounts": [{"name": "p", "user": "a@agency.test"}, {"name": "p", "user": "b@agency.test"}]},
     "backend.accounts[1].name: expected a name not used by backend.accounts[0], got 'p'"),
    ({"accounts": [{"name": "Pool One", "user": "a@agency.test"}]},
     "backend.accounts[0].name: expected a short key of lowercase letters"),
    ({"accounts": [{"name": "p"}]},
     "backend.accounts[0].user: expected the emulator user this account acts as"),
    ({"accounts": [{"name": "p", "user": "sheetsync@agency.test"}]},
     "backend.accounts[0].user: expected an email not used by the default account"),
    ({"accounts": [{"name": "p", "user": "a@agency.test"}, {"name": "q", "user": "A@agency.test"}]},
     "backend.accounts[1].user: expected an email not used by backend.accounts[0]"),
    ({"accounts": [{"name": "p", "user": "not-an-email"}]},
     'backend.accounts[0].user: expected an email address like name@example.com, got "not-an-email"'),
    ({"accounts": [{"name": "p", "user": "a@agency.test", "credentials": "k.json"}]},
     "backend.accounts[0].credentials: expected no credentials for the emulator backend"),
    ({"type": "google", "accounts": [{"name": "p"}]},
     "backend.accounts[0].credentials: expected the path of this service account's JSON key file, but it is missing"),
    ({"type": "google", "accounts": [{"name": "p", "credentials": "k.json"}, {"name": "q", "credentials": "k.json"}]},
     "backend.accounts[1].credentials: expected a key file not used by backend.accounts[0]"),
    ({"type": "google", "credentials": "k.json", "accounts": [{"name": "p", "credentials": "k.json"}]},
     "backend.accounts[0].credentials: expected a key file other than backend.credentials"),
    ({"type": "google", "accounts": [{"name": "p", "credentials": "k.json", "user": "a@agency.test"}]},
     "backend.accounts[0].user: expected no user for the google backend"),
    ({"accounts": [{"name": "p", "user": "a@agency.test", "colour": "red"}]},
     "backend.accounts[0].colour: unknown key (known keys here: name, credentials, user)"),
])
def test_account_errors_are_one_line_each(backend, expected):
    problems = _problems({"backend": backend})
    assert any(p.startswith(expected) for p in problems), problems
    assert all("\n" not in p for p in problems)


def test_a_pasted_key_is_refused_and_never_echoed():
    secret = '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----xyz"}'
    problems = _problems({"backend": {"type": "google", "accounts": [{"name": "p", "credentials": secret}]}})
    assert any("holds the key itself, not a file path" in p for p in problems), problems
    assert not any("xyz" in p for p in problems)


def test_the_example_file_documents_accounts():
    text = (Path(__file__).resolve().parents[2] / "config" / "sheetsync.example.toml").read_text(encoding="utf-8")
    assert "[[backend.accounts]]" in text
