"""The credential routes (docs/google-setup.md), built as real google-auth objects offline: a service-account
key, OAuth user credentials, domain-wide delegation (`backend.subject`) and Application Default Credentials."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest
import responses
from sheets_fakes import ACCESS_TOKEN, SA_EMAIL, TOKEN_URI

from sheetsync.config import ConfigError, load_config
from sheetsync.sheets import SCOPES, AuthFailed, Backend, connect
from sheetsync.sheets.client import backend_from_config, load_credentials

BOSS = "boss@agency.example"


@pytest.fixture
def user_file(tmp_path):
    p = tmp_path / "user.json"
    p.write_text(json.dumps({"type": "authorized_user", "client_id": "123-abc.apps.googleusercontent.com",
                             "client_secret": "GOCSPX-test", "refresh_token": "1//0test-refresh"}))
    return p


def test_service_account_key(sa_file):
    from google.oauth2 import service_account

    creds, info = load_credentials(str(sa_file))
    assert type(creds) is service_account.Credentials
    assert tuple(creds.scopes) == SCOPES and creds.service_account_email == SA_EMAIL
    assert creds._subject is None
    assert (info.type, info.identity, info.subject, info.adc) == ("service_account", SA_EMAIL, None, False)


def test_oauth_user_credentials(user_file):
    from google.oauth2.credentials import Credentials

    creds, info = load_credentials(str(user_file))
    assert type(creds) is Credentials and tuple(creds.scopes) == SCOPES
    assert creds.refresh_token == "1//0test-refresh"
    assert info.type == "authorized_user" and info.identity == "the authorized user"


def test_domain_wide_delegation_acts_as_the_subject(sa_file, rsps):
    """with_subject: the token request's JWT carries `sub` = the Workspace user and both scopes."""
    from google.oauth2 import service_account

    creds, info = load_credentials(str(sa_file), subject=BOSS)
    assert type(creds) is service_account.Credentials and creds._subject == BOSS
    assert (info.identity, info.subject, info.service_account) == (BOSS, BOSS, SA_EMAIL)

    rsps.add(responses.POST, TOKEN_URI, json={"access_token": ACCESS_TOKEN, "expires_in": 3600,
                                              "token_type": "Bearer"})
    rsps.add(responses.GET, "https://www.googleapis.com/drive/v3/files", json={"files": []})
    client = connect(Backend(kind="google", credentials_file=str(sa_file), subject=BOSS))
    assert client.identity == BOSS
    client.list_modified()
    body = rsps.calls[0].request.body
    form = urllib.parse.parse_qs(body.decode() if isinstance(body, bytes) else body)
    payload = form["assertion"][0].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == BOSS and claims["iss"] == SA_EMAIL
    assert set(claims["scope"].split()) == set(SCOPES)


def test_subject_with_user_credentials_is_refused(user_file):
    with pytest.raises(AuthFailed, match="backend.subject is set but the credentials are authorized_user"):
        load_credentials(str(user_file), subject=BOSS)


def test_adc_from_gcloud_application_default_login(no_adc, user_file):
    from google.oauth2.credentials import Credentials

    (no_adc / "application_default_credentials.json").write_text(user_file.read_text())
    creds, info = load_credentials(None)
    assert type(creds) is Credentials and info.adc and info.type == "authorized_user"
    assert info.path == "application default credentials"


def test_adc_service_account_with_delegation(no_adc, sa_file):
    from google.oauth2 import service_account

    (no_adc / "application_default_credentials.json").write_text(sa_file.read_text())
    creds, info = load_credentials(None, subject=BOSS)
    assert type(creds) is service_account.Credentials and creds._subject == BOSS
    assert tuple(creds.scopes) == SCOPES and info.adc and info.identity == BOSS


def test_adc_finding_nothing_is_one_clear_error(no_adc):
    with pytest.raises(AuthFailed) as err:
        connect(Backend(kind="google"))
    assert "Application Default Credentials found none" in err.value.message
    assert "gcloud auth application-default login" in err.value.hint


def test_env_path_is_used_and_named(monkeypatch, tmp_path):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "gone.json"))
    with pytest.raises(AuthFailed) as err:
        connect(Backend(kind="google"))
    assert "gone.json does not exist" in err.value.message and "GOOGLE_APPLICATION_CREDENTIALS" in err.value.hint


def test_config_carries_subject_drive_and_folder(sa_file, monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    cfg = load_config({"backend": {"type": "google", "credentials": str(sa_file), "subject": BOSS,
                                   "shared_drive_id": "0AbCdrive", "folder_id": "1folder"}})
    b = backend_from_config(cfg)
    assert (b.kind, b.credentials_file, b.subject, b.shared_drive_id, b.folder_id) == (
        "google", str(sa_file), BOSS, "0AbCdrive", "1folder")
    adc = backend_from_config(load_config({"backend": {"type": "google"}}))
    assert adc.credentials_file is None and adc.subject is None
    with pytest.raises(ConfigError, match="backend.subject: expected an email address"):
        load_config({"backend": {"type": "google", "subject": "not an email"}})
    with pytest.raises(ConfigError, match="backend.subject: expected no subject for the emulator backend"):
        load_config({"backend": {"subject": BOSS}})


def test_a_delegated_service_account_acts_as_a_user_with_storage(sa_file, rsps):
    """With `subject` the files belong to the Workspace user: nothing may treat the client as a storage-less
    service account (e.g. refuse to create a spreadsheet outside a shared drive)."""
    client = connect(Backend(kind="google", credentials_file=str(sa_file), subject=BOSS))
    assert client.identity == BOSS and client.credentials.subject == BOSS
    assert getattr(client, "is_service_account", False) is False
