"""The Google transport at the HTTP level (`responses`): retries, no retries, timeouts, errors, auth."""

from __future__ import annotations

import logging

import pytest
import requests
import responses
from sheets_fakes import ACCESS_TOKEN, SA_EMAIL, TOKEN_URI, api_calls

from sheetsync.sheets import (
    AuthFailed,
    Backend,
    Budget,
    NotFound,
    PermissionDenied,
    QuotaExhausted,
    QuotaSettings,
    RetryPolicy,
    ScopeMissing,
    TransientError,
    WriteOutcomeUnknown,
    connect,
)

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
BATCH_GET = f"{SHEETS}/sid1/values:batchGet"
BATCH_WRITE = f"{SHEETS}/sid1/values:batchUpdate"
STRUCTURE = f"{SHEETS}/sid1:batchUpdate"
DRIVE = "https://www.googleapis.com/drive/v3/files"
OK_GET = {"spreadsheetId": "sid1", "valueRanges": [{"range": "'Backlog'!A1:C3", "values": [["ID", "Title"]]}]}


def google_error(code: int, status: str, message: str = "boom", reason: str | None = None) -> dict:
    err: dict = {"code": code, "message": message, "status": status}
    if reason:
        err["errors"] = [{"domain": "global", "reason": reason, "message": message}]
    return {"error": err}


def test_429_is_retried_after_retry_after(google, rsps, clock):
    rsps.add(responses.GET, BATCH_GET, status=429, headers={"Retry-After": "7"},
             json=google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"))
    rsps.add(responses.GET, BATCH_GET, json=OK_GET)
    assert google.snapshot("sid1", ["'Backlog'!A1:C3"]) == {"'Backlog'!A1:C3": [["ID", "Title"]]}
    assert len(api_calls(rsps)) == 2
    assert len(clock.sleeps) == 1 and 7 <= clock.sleeps[0] <= 8  # Retry-After plus at most 1s of jitter
    counts = google.counts()
    assert (counts.calls, counts.reads, counts.retries, counts.throttled) == (2, 2, 1, 1)


def test_retry_after_as_http_date_is_honoured(google, rsps, clock):
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    rsps.add(responses.GET, BATCH_GET, status=503, headers={"Retry-After": when})
    rsps.add(responses.GET, BATCH_GET, json=OK_GET)
    google.snapshot("sid1", ["'Backlog'!A1:C3"])
    assert 18 <= clock.sleeps[0] <= 21


def test_5xx_is_retried_with_jittered_exponential_backoff(google, rsps, clock):
    for status in (500, 502, 503):
        rsps.add(responses.GET, BATCH_GET, status=status, json=google_error(status, "INTERNAL"))
    rsps.add(responses.GET, BATCH_GET, json=OK_GET)
    google.snapshot("sid1", ["'Backlog'!A1:C3"])
    assert len(api_calls(rsps)) == 4
    # waits are 2**n plus U(0, 1): 1..2, 2..3, 4..5
    for n, s in enumerate(clock.sleeps):
        assert 2**n <= s <= 2**n + 1


def test_jitter_spreads_waits(sa_file, token_ok, clock):
    """Many clients hitting the same 503 must not all come back at the same instant."""
    rsps = token_ok
    rsps.add(responses.GET, BATCH_GET, status=503)
    c = connect(Backend(kind="google", credentials_file=str(sa_file), quota=QuotaSettings(enabled=False),
                        retry=RetryPolicy(max_attempts=2)), sleep=clock.sleep, clock=clock)
    for _ in range(20):
        with pytest.raises(TransientError):
            c.snapshot("sid1", ["A1"])
    assert len(clock.sleeps) == 20
    assert len({round(s, 6) for s in clock.sleeps}) > 15
    assert all(1 <= s <= 2 for s in clock.sleeps)


def test_a_429_storm_ends_in_quota_exhausted_after_the_bound(google, rsps, clock):
    rsps.add(responses.GET, BATCH_GET, status=429, json=google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"))
    with pytest.raises(QuotaExhausted) as ei:
        google.snapshot("sid1", ["'Backlog'!A1:C3"])
    policy = RetryPolicy()
    assert len(api_calls(rsps)) == policy.max_attempts
    assert ei.value.attempts == policy.max_attempts
    assert sum(clock.sleeps) <= policy.max_total_wait
    assert all(s <= policy.max_wait for s in clock.sleeps)
    assert "quota" in str(ei.value).lower() and "what to do" in str(ei.value)


def test_total_wait_bound_stops_early_when_retry_after_is_long(google, rsps, clock):
    rsps.add(responses.GET, BATCH_GET, status=429, headers={"Retry-After": "100"})
    with pytest.raises(QuotaExhausted) as ei:
        google.snapshot("sid1", ["A1"])
    assert len(api_calls(rsps)) == 2  # 100 s waited once; a second 100 s would pass max_total_wait=120
    assert ei.value.retry_after == 100


def test_absolute_value_writes_are_retried(google, rsps, clock):
    rsps.add(responses.POST, BATCH_WRITE, body=requests.exceptions.ReadTimeout("response lost"))
    rsps.add(responses.POST, BATCH_WRITE, status=503)
    rsps.add(responses.POST, BATCH_WRITE, json={"spreadsheetId": "sid1", "totalUpdatedCells": 4})
    google.write_values("sid1", [("'Backlog'!A2:B3", [["T-1", "x"], ["T-2", "y"]])])
    assert len(api_calls(rsps)) == 3
    c = google.counts()
    assert c.writes == 3 and c.cells_written == 12 and c.errors == 2


@pytest.mark.parametrize("method,url,call", [
    (responses.POST, f"{SHEETS}/sid1/values/%27Backlog%27%21A1:append",
     lambda g: g.gc.http_client.values_append("sid1", "'Backlog'!A1", {"valueInputOption": "RAW"},
                                              {"values": [["x"]]})),
    (responses.POST, SHEETS, lambda g: g.create_spreadsheet({"properties": {"title": "Acme"}})),
    (responses.POST, STRUCTURE, lambda g: g.batch_update("sid1", [{"addSheet": {"properties": {"title": "X"}}}])),
    (responses.POST, f"{DRIVE}/sid1/copy", lambda g: g.request("POST", f"{DRIVE}/sid1/copy", json_body={})),
    (responses.POST, f"{DRIVE}/sid1/permissions", lambda g: g.share("sid1", "c@client.test", "reader")),
])
def test_non_idempotent_requests_are_never_retried(google, rsps, clock, method, url, call):
    rsps.add(method, url, status=503, json=google_error(503, "UNAVAILABLE"))
    with pytest.raises(WriteOutcomeUnknown) as ei:
        call(google)
    assert len(api_calls(rsps)) == 1 and clock.sleeps == []
    assert "re-read" in str(ei.value)


def test_lost_answer_to_an_append_is_a_distinct_error(google, rsps, clock):
    url = f"{SHEETS}/sid1/values/%27Backlog%27%21A1:append"
    rsps.add(responses.POST, url, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(WriteOutcomeUnknown):
        google.gc.http_client.values_append("sid1", "'Backlog'!A1", {"valueInputOption": "RAW"}, {"values": [[1]]})
    assert len(api_calls(rsps)) == 1


def test_429_on_a_create_is_not_retried_and_says_nothing_was_applied(google, rsps, clock):
    rsps.add(responses.POST, SHEETS, status=429, json=google_error(429, "RESOURCE_EXHAUSTED"))
    with pytest.raises(QuotaExhausted) as ei:
        google.create_spreadsheet({"properties": {"title": "Acme"}})
    assert not isinstance(ei.value, WriteOutcomeUnknown)
    assert len(api_calls(rsps)) == 1


def test_connect_failure_on_a_create_is_transient_not_unknown(google, rsps):
    rsps.add(responses.POST, SHEETS, body=requests.exceptions.ConnectTimeout("no route"))
    with pytest.raises(TransientError):
        google.create_spreadsheet({"properties": {"title": "Acme"}})


def test_every_request_has_a_timeout_even_through_raw_gspread(google, rsps):
    rsps.add(responses.GET, f"{SHEETS}/sid1", json={"spreadsheetId": "sid1", "properties": {"title": "Acme"},
                                                   "sheets": []})
    rsps.add(responses.GET, BATCH_GET, json=OK_GET)
    google.get_metadata("sid1", "spreadsheetId")
    google.snapshot("sid1", ["A1"])
    google.gc.http_client.set_timeout(None)  # someone resets gspread's timeout: the adapter still sets one
    google.gc.open_by_key("sid1")
    calls = api_calls(rsps)
    assert len(calls) == 3
    for c in calls:
        assert c.request.req_kwargs["timeout"] == RetryPolicy().timeout


def test_bearer_token_is_sent_and_requests_are_counted_by_method(google, rsps):
    rsps.add(responses.GET, BATCH_GET, json=OK_GET)
    google.snapshot("sid1", ["A1"])
    assert api_calls(rsps)[0].request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert google.counts().by_method == {"sheets.spreadsheets.values.batchGet": 1}


def test_auth_failure_is_reported_clearly_and_never_leaks_the_key(sa_file, rsps, caplog, private_key_pem):
    rsps.add(responses.POST, TOKEN_URI, status=400,
             json={"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
    caplog.set_level(logging.DEBUG)
    c = connect(Backend(kind="google", credentials_file=str(sa_file)))
    with pytest.raises(AuthFailed) as ei:
        c.snapshot("sid1", ["A1"])
    text = str(ei.value)
    assert "access token" in text and "GOOGLE_APPLICATION_CREDENTIALS" in text
    assert api_calls(rsps) == []  # nothing reached the Sheets API
    key_body = private_key_pem.splitlines()[1]
    assert key_body not in text and key_body not in caplog.text
    assert SA_EMAIL in caplog.text  # identity is fine to log, the key is not


def test_401_from_the_api_is_auth_failed(google, rsps):
    rsps.add(responses.GET, BATCH_GET, status=401, json=google_error(401, "UNAUTHENTICATED", "bad token"))
    with pytest.raises(AuthFailed):
        google.snapshot("sid1", ["A1"])


def test_permission_denied_says_whom_to_share_with(google, rsps):
    rsps.add(responses.GET, BATCH_GET, status=403,
             json=google_error(403, "PERMISSION_DENIED", "The caller does not have permission"))
    with pytest.raises(PermissionDenied) as ei:
        google.snapshot("sid1", ["A1"])
    assert f"share the spreadsheet with {SA_EMAIL} as editor" in str(ei.value)
    assert len(api_calls(rsps)) == 1  # a 403 is not retried


def test_missing_scope_is_named(google, rsps):
    rsps.add(responses.GET, DRIVE, status=403, json=google_error(
        403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.", reason="insufficientPermissions"))
    with pytest.raises(ScopeMissing) as ei:
        google.list_modified()
    assert "auth/drive" in str(ei.value)


def test_not_found(google, rsps):
    rsps.add(responses.GET, f"{SHEETS}/gone", status=404, json=google_error(404, "NOT_FOUND",
                                                                             "Requested entity was not found."))
    with pytest.raises(NotFound) as ei:
        google.get_metadata("gone")
    assert "provision" in str(ei.value)


def test_drive_listing_pages_and_sends_the_narrow_fields(google, rsps):
    rsps.add(responses.GET, DRIVE, json={"nextPageToken": "p2", "files": [
        {"id": "a", "name": "Acme", "modifiedTime": "2026-11-22T10:00:00.000Z", "version": "12"}]})
    rsps.add(responses.GET, DRIVE, json={"files": [
        {"id": "b", "name": "Beta", "modifiedTime": "2026-11-22T11:00:00.000Z", "version": "3"}]})
    from datetime import UTC, datetime

    files = google.list_modified(since=datetime(2026, 11, 22, 9, 30, tzinfo=UTC))
    assert [(f.id, f.version) for f in files] == [("a", 12), ("b", 3)]
    calls = api_calls(rsps)
    assert len(calls) == 2
    from urllib.parse import parse_qs, urlsplit

    q1 = parse_qs(urlsplit(calls[0].request.url).query)
    q2 = parse_qs(urlsplit(calls[1].request.url).query)
    assert q1["fields"] == ["nextPageToken,files(id,name,modifiedTime,version)"]
    assert q1["pageSize"] == ["1000"] and "pageToken" not in q1 and q2["pageToken"] == ["p2"]
    assert q1["q"] == ["mimeType = 'application/vnd.google-apps.spreadsheet' and trashed = false "
                       "and modifiedTime > '2026-11-22T09:30:00.000Z'"]


def test_snapshot_asks_for_unformatted_serial_values_in_one_call(google, rsps):
    rsps.add(responses.GET, BATCH_GET, json={"valueRanges": [{"values": [[1]]}, {}]})
    out = google.snapshot("sid1", ["'Бэклог'!A1:Z", "'In work'!A1:Z"])
    assert out == {"'Бэклог'!A1:Z": [[1]], "'In work'!A1:Z": []}
    from urllib.parse import parse_qs, urlsplit

    q = parse_qs(urlsplit(api_calls(rsps)[0].request.url).query)
    assert q["ranges"] == ["'Бэклог'!A1:Z", "'In work'!A1:Z"]
    assert q["valueRenderOption"] == ["UNFORMATTED_VALUE"] and q["dateTimeRenderOption"] == ["SERIAL_NUMBER"]


def test_empty_work_sends_nothing(google, rsps):
    assert google.snapshot("sid1", []) == {}
    assert google.write_values("sid1", []) == {}
    assert google.batch_update("sid1", []) == []
    assert api_calls(rsps) == []


def test_budget_spaces_requests_on_the_fake_clock(sa_file, token_ok, clock):
    rsps = token_ok
    rsps.add(responses.GET, BATCH_GET, json=OK_GET)
    budget = Budget(QuotaSettings(read_per_user=3, read_per_project=10, window_seconds=60), clock=clock,
                    sleep=clock.sleep)
    c = connect(Backend(kind="google", credentials_file=str(sa_file)), budget=budget, sleep=clock.sleep, clock=clock)
    for _ in range(7):
        c.snapshot("sid1", ["A1"])
    # 3 in the first minute, 3 in the second, the 7th in the third: never 4 inside any 60 s
    assert clock.sleeps == [60.0, 60.0]
    assert len(api_calls(rsps)) == 7


def test_a_429_pauses_the_shared_budget_for_every_job(sa_file, token_ok, clock):
    rsps = token_ok
    rsps.add(responses.POST, SHEETS, status=429, headers={"Retry-After": "30"})
    rsps.add(responses.POST, BATCH_WRITE, json={"spreadsheetId": "sid1"})
    budget = Budget(QuotaSettings(), clock=clock, sleep=clock.sleep)
    backend = Backend(kind="google", credentials_file=str(sa_file))
    provisioner = connect(backend, budget=budget, sleep=clock.sleep, clock=clock)
    syncer = connect(backend, budget=budget, sleep=clock.sleep, clock=clock)
    with pytest.raises(QuotaExhausted):
        provisioner.create_spreadsheet({"properties": {"title": "Acme"}})  # not retried, but the budget learns
    assert clock.sleeps == []
    syncer.write_values("sid1", [("A1", [["x"]])])
    assert clock.sleeps == [30.0]  # the other job waited out Retry-After instead of earning another 429
    assert [c.request.method for c in api_calls(rsps)] == ["POST", "POST"]


def test_authorized_user_credentials_from_the_environment(tmp_path, monkeypatch, token_ok):
    p = tmp_path / "adc.json"
    p.write_text('{"type": "authorized_user", "client_id": "cid.apps.googleusercontent.com", '
                 '"client_secret": "s3cret", "refresh_token": "1//refresh-SECRET"}')
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(p))
    token_ok.add(responses.GET, BATCH_GET, json=OK_GET)
    c = connect(Backend(kind="google"))
    assert c.credentials.type == "authorized_user" and c.credentials.path == str(p)
    c.snapshot("sid1", ["A1"])
    token_calls = [x for x in token_ok.calls if x.request.url == TOKEN_URI]
    body = token_calls[0].request.body
    assert len(token_calls) == 1 and b"refresh_token" in (body if isinstance(body, bytes) else body.encode())
    assert api_calls(token_ok)[0].request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert "s3cret" not in repr(c) and "SECRET" not in repr(c.credentials)


def test_a_service_account_key_missing_its_private_key_is_refused_before_any_call(tmp_path, rsps):
    p = tmp_path / "sa.json"
    p.write_text('{"type": "service_account", "client_email": "x@y.iam.gserviceaccount.com"}')
    with pytest.raises(AuthFailed, match="lacks private_key"):
        connect(Backend(kind="google", credentials_file=str(p)))
    assert len(rsps.calls) == 0


def test_a_429_storm_without_retry_after_slows_every_job(sa_file, token_ok, clock):
    rsps = token_ok
    rsps.add(responses.POST, SHEETS, status=429)
    rsps.add(responses.POST, SHEETS, status=429)
    rsps.add(responses.POST, SHEETS, status=429)
    rsps.add(responses.POST, SHEETS, json={"spreadsheetId": "new"})
    rsps.add(responses.POST, BATCH_WRITE, json={"spreadsheetId": "sid1"})
    budget = Budget(QuotaSettings(), clock=clock, sleep=clock.sleep)
    c = connect(Backend(kind="google", credentials_file=str(sa_file)), budget=budget, sleep=clock.sleep, clock=clock)
    for expected_hold in (1, 2, 4):  # Sheets sends no Retry-After: the shared hold doubles per 429 in a row
        with pytest.raises(QuotaExhausted):
            c.create_spreadsheet({"properties": {"title": "Acme"}})
        start = clock.now
        budget.acquire("someone-else@x.test", "write")  # any job's next write waits the hold out
        assert clock.now - start == pytest.approx(expected_hold)
    c.create_spreadsheet({"properties": {"title": "Acme"}})  # success ends the streak
    start = clock.now
    c.write_values("sid1", [("A1", [["x"]])])
    assert clock.now == start
