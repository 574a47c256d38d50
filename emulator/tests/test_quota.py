"""Per-minute quotas: Sheets' per-user and per-project read/write limits and Google's 429 body.

Checked against the Sheets API "Usage limits" page (60 per minute per user, 300 per minute per
project, reads and writes counted apart, "refilled every minute") and the 429 body real
clients report ("Quota exceeded for quota metric 'Read requests' and limit 'Read requests per
minute per user' of service 'sheets.googleapis.com' ...", status RESOURCE_EXHAUSTED).
"""

from __future__ import annotations

import gspread
import pytest

from gsheets_emulator import Emulator


class Clock:
    def __init__(self) -> None:
        self.t = 1_790_000_000.0 // 60 * 60 + 40  # 40 s into a clock minute

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def qemu(clock):
    emu = Emulator(clock=clock)
    return emu


def _sheet(emu):
    gc = emu.gspread_client("owner@agency.test")
    sh = gc.create("Q")
    return gc, sh


def test_off_by_default(qemu):
    gc, sh = _sheet(qemu)
    for _ in range(70):
        sh.sheet1.acell("A1")


def test_read_limit_per_user_with_googles_body(qemu, clock):
    gc, sh = _sheet(qemu)
    ws = sh.sheet1
    qemu.quota.configure(enabled=True)
    for _ in range(60):
        ws.acell("A1")
    with pytest.raises(gspread.exceptions.APIError) as e:
        ws.acell("A1")
    r = e.value.response
    assert r.status_code == 429
    assert "retry-after" not in {k.lower() for k in r.headers}
    err = r.json()["error"]
    assert err["status"] == "RESOURCE_EXHAUSTED" and err["code"] == 429
    assert err["message"].startswith("Quota exceeded for quota metric 'Read requests' and limit 'Read requests per "
                                     "minute per user' of service 'sheets.googleapis.com' for consumer "
                                     "'project_number:")
    info = err["details"][0]
    assert info["reason"] == "RATE_LIMIT_EXCEEDED"
    assert info["metadata"]["quota_limit"] == "ReadRequestsPerMinutePerUser"
    assert info["metadata"]["quota_limit_value"] == "60"
    # writes have their own bucket
    ws.update_acell("A1", "still fine")
    # another user is not affected
    sh.share("m@x.test", perm_type="user", role="reader", notify=False)
    qemu.gspread_client("m@x.test").open_by_key(sh.id)
    # fixed windows: the next clock minute refills
    clock.t += 20
    ws.acell("A1")
    assert qemu.quota.refused == 1


def test_write_limit_and_refused_requests_do_not_count(qemu, clock):
    gc, sh = _sheet(qemu)
    ws = sh.sheet1
    qemu.quota.configure(enabled=True, write_per_user=3)
    for i in range(3):
        ws.update_acell("A1", i)
    for _ in range(3):
        with pytest.raises(gspread.exceptions.APIError) as e:
            ws.update_acell("A1", "x")
        assert "Write requests per minute per user" in e.value.response.json()["error"]["message"]
    assert ws.acell("A1").value == "2"  # the refused writes did nothing
    assert qemu.quota.used("owner@agency.test", "write") == 3


def test_per_project_limit(qemu, clock):
    gc, sh = _sheet(qemu)
    for i in range(4):
        sh.share(f"u{i}@x.test", perm_type="user", role="reader", notify=False)
    clients = [qemu.gspread_client(f"u{i}@x.test") for i in range(4)]
    ws = [c.open_by_key(sh.id).sheet1 for c in clients]
    qemu.quota.configure(enabled=True, read_per_project=5)
    for i in range(5):  # 5 users' reads, each far below the per-user limit
        ws[i % 4].acell("A1")
    with pytest.raises(gspread.exceptions.APIError) as e:
        ws[3].acell("A1")
    msg = e.value.response.json()["error"]["message"]
    assert "limit 'Read requests per minute' of service" in msg


def test_sliding_window(qemu, clock):
    gc, sh = _sheet(qemu)
    ws = sh.sheet1
    qemu.quota.configure(enabled=True, read_per_user=2, window="sliding")
    ws.acell("A1")
    clock.t += 30
    ws.acell("A1")
    clock.t += 29  # the first read is 59 s old: still inside the window
    with pytest.raises(gspread.exceptions.APIError):
        ws.acell("A1")
    clock.t += 2
    ws.acell("A1")


def test_drive_has_its_own_budget_and_body(qemu):
    gc, sh = _sheet(qemu)
    qemu.quota.configure(enabled=True, drive_per_user=2, read_per_user=1)
    gc.list_spreadsheet_files()
    gc.list_spreadsheet_files()
    with pytest.raises(gspread.exceptions.APIError) as e:
        gc.list_spreadsheet_files()
    err = e.value.response.json()["error"]
    assert e.value.response.status_code == 403
    assert err["errors"][0] == {"domain": "usageLimits", "reason": "userRateLimitExceeded",
                                "message": "User rate limit exceeded."}


def test_configure_rejects_unknown_window(qemu):
    with pytest.raises(ValueError, match="window"):
        qemu.quota.configure(window="hourly")
