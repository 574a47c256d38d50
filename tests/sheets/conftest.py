"""Fixtures for the transport tests: a fake clock, a throwaway service-account key, a Google client on `responses`."""

from __future__ import annotations

import json
import re

import pytest
import responses
from sheets_fakes import ACCESS_TOKEN, SA_EMAIL, TOKEN_URI, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
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
        "type": "service_account", "project_id": "agency-project", "private_key_id": "abc123",
        "private_key": private_key_pem, "client_email": SA_EMAIL, "client_id": "1234567890",
        "token_uri": TOKEN_URI,
    }))
    return path


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as r:
        yield r


@pytest.fixture
def token_ok(rsps):
    rsps.add(responses.POST, TOKEN_URI, json={"access_token": ACCESS_TOKEN, "expires_in": 3600,
                                              "token_type": "Bearer"})
    # google-auth looks up the service account's regional access boundary after a refresh
    rsps.add(responses.GET, re.compile(r"https://iamcredentials\.googleapis\.com/.*/allowedLocations"),
             json={"locations": [], "encodedLocations": "0x0"})
    return rsps


@pytest.fixture
def google(sa_file, token_ok, clock):
    """A Google-backend SheetsClient whose HTTP is answered by `responses`; sleeps go to the fake clock."""
    from sheetsync.sheets import Backend, QuotaSettings, connect

    return connect(Backend(kind="google", credentials_file=str(sa_file), quota=QuotaSettings(enabled=False)),
                   sleep=clock.sleep, clock=clock)


@pytest.fixture
def no_adc(tmp_path, monkeypatch):
    """Application Default Credentials that find nothing: an empty gcloud config folder and no metadata
    server probe (google-auth would otherwise ping 169.254.169.254)."""
    from google.auth.compute_engine import _metadata

    cfg = tmp_path / "gcloud-empty"
    cfg.mkdir()
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(cfg))
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)
    return cfg
