"""Test doubles shared by the transport tests (a module, so tests can import it by name)."""

from __future__ import annotations

TOKEN_URI = "https://oauth2.googleapis.com/token"
SA_EMAIL = "sheetsync-bot@agency-project.iam.gserviceaccount.com"
API_HOSTS = ("https://sheets.googleapis.com/", "https://www.googleapis.com/")
ACCESS_TOKEN = "ya29.test-access-token-SECRET"


class FakeClock:
    """A clock whose ``sleep`` advances time instantly and records every wait."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def api_calls(rsps) -> list:
    """The calls `responses` saw to the Sheets/Drive APIs (not google-auth's own token/IAM calls)."""
    return [c for c in rsps.calls if c.request.url.startswith(API_HOSTS)]
