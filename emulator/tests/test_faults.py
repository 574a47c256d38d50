"""Injected faults: 5xx before a call, latency, and writes that land while their response is lost.

Bodies follow Google's JSON error envelope for 500 INTERNAL / 503 UNAVAILABLE; a lost response
is what a client sees when the connection drops after the server applied the request.
"""

from __future__ import annotations

import time

import gspread
import pytest
import requests

VALUES_BATCH = "sheets.spreadsheets.values.batchUpdate"


@pytest.fixture
def sh(owner_gc):
    return owner_gc.create("F")


def test_fail_next_n_matching_calls(emu, sh):
    ws = sh.sheet1
    emu.faults.fail_next(2, status=503, method="sheets.spreadsheets.values.update")
    ws.acell("A1")  # other methods pass
    for _ in range(2):
        with pytest.raises(gspread.exceptions.APIError) as e:
            ws.update_acell("A1", "x")
        err = e.value.response.json()["error"]
        assert e.value.response.status_code == 503
        assert err == {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}
    assert ws.acell("A1").value is None  # a failed call did nothing
    ws.update_acell("A1", "x")
    assert ws.acell("A1").value == "x"
    assert emu.faults.injected == 2 and emu.faults.pending == 0


def test_500_and_drive_body(emu, sh, owner_gc):
    emu.faults.fail_next(1, status=500, method="drive.files.list")
    with pytest.raises(gspread.exceptions.APIError) as e:
        owner_gc.list_spreadsheet_files()
    err = e.value.response.json()["error"]
    assert err["status"] == "INTERNAL" and err["errors"][0]["reason"] == "internalError"


def test_method_prefix_and_kind(emu, sh):
    emu.faults.fail_next(1, method="sheets.spreadsheets.values.*")
    with pytest.raises(gspread.exceptions.APIError):
        sh.sheet1.acell("A1")
    emu.faults.fail_next(1, kind="write")
    sh.sheet1.acell("A1")  # a read: not matched
    with pytest.raises(gspread.exceptions.APIError):
        sh.sheet1.update_acell("A1", 1)


def test_fail_rate_is_reproducible(emu, sh):
    ws = sh.sheet1

    def run(seed):
        emu.faults.clear()
        emu.faults.fail_rate(0.5, seed=seed, method="sheets.spreadsheets.values.get")
        out = []
        for _ in range(20):
            try:
                ws.acell("A1")
                out.append(True)
            except gspread.exceptions.APIError:
                out.append(False)
        return out

    a, b = run(7), run(7)
    assert a == b and 3 < a.count(False) < 17
    assert run(8) != a


def test_lost_response_applies_the_write(emu, sh):
    ws = sh.sheet1
    emu.faults.lose_response_next(method=VALUES_BATCH)
    ws.acell("A1")  # reads are not matched
    with pytest.raises(requests.ConnectionError):
        ws.batch_update([{"range": "A1", "values": [["landed"]]}])
    assert ws.acell("A1").value == "landed"
    assert emu.faults.lost == 1
    ws.batch_update([{"range": "A1", "values": [["again"]]}])  # only the next one


def test_lost_response_of_a_create(emu, owner_gc):
    emu.faults.lose_response_next(method="drive.files.create")
    with pytest.raises(requests.ConnectionError):
        owner_gc.create("ghost")
    assert [f["name"] for f in owner_gc.list_spreadsheet_files()] == ["ghost"]  # it exists anyway


def test_latency(emu, sh):
    ws = sh.sheet1
    emu.faults.latency(0.05, method="sheets.spreadsheets.values.get")
    t = time.perf_counter()
    ws.acell("A1")
    assert time.perf_counter() - t >= 0.05
    t = time.perf_counter()
    ws.update_acell("A1", 1)
    assert time.perf_counter() - t < 0.05
    emu.faults.clear()
    t = time.perf_counter()
    ws.acell("A1")
    assert time.perf_counter() - t < 0.05


def test_bad_arguments(emu):
    with pytest.raises(ValueError, match="status"):
        emu.faults.fail_next(1, status=418)
    with pytest.raises(ValueError, match="probability"):
        emu.faults.fail_rate(1.5)


def test_injected_errors_are_logged(emu, sh):
    mark = emu.mark()
    emu.faults.fail_next(1)
    with pytest.raises(gspread.exceptions.APIError):
        sh.sheet1.acell("A1")
    assert [e.status for e in emu.log[mark:]][-1] == 503
    assert emu.usage(mark)["owner@agency.test"]["errors"] >= 1


def test_lost_response_of_a_read_when_asked(emu, sh):
    emu.faults.lose_response_next(method="sheets.spreadsheets.values.get", kind=None)
    with pytest.raises(requests.ConnectionError):
        sh.sheet1.acell("A1")
    assert sh.sheet1.acell("A1").value is None


def test_lost_response_rate_is_reproducible_and_every_write_lands(emu, sh):
    ws = sh.sheet1

    def run(seed):
        emu.faults.clear()
        emu.faults.lose_response_rate(0.5, seed=seed)
        lost = []
        for i in range(20):
            try:
                ws.update_acell(f"A{i + 1}", i)
                lost.append(False)
            except requests.ConnectionError:
                lost.append(True)
        emu.faults.clear()
        return lost

    a = run(3)
    assert a == run(3) and 3 < a.count(True) < 17
    assert ws.col_values(1) == [str(i) for i in range(20)]  # lost or not, each write landed
