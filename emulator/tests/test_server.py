"""The loopback HTTP server: real gspread and raw HTTP over a socket, and the CLI that starts it."""

from __future__ import annotations

import socket
import time

import gspread
import pytest
import requests

from gsheets_emulator import EmulatorServer, loopback_client, loopback_session


@pytest.fixture
def server(emu):
    srv = EmulatorServer(emu, port=0).start()
    yield srv
    srv.stop()


def test_gspread_over_loopback(server, emu):
    gc = loopback_client(server.url, user="owner@agency.test")
    sh = gc.create("Over HTTP")
    sh.sheet1.update([["a", "b"], [1, 2]])
    sh.share("client@acme.test", perm_type="user", role="reader", notify=False)
    client = loopback_client(server.url, user="client@acme.test")
    assert client.open_by_key(sh.id).sheet1.get_all_values() == [["a", "b"], ["1", "2"]]
    assert [f["name"] for f in client.list_spreadsheet_files()] == ["Over HTTP"]
    assert gc.open("Over HTTP").id == sh.id
    assert emu.calls()["drive.files.create"] == 1  # the same emulator answered


def test_raw_http_and_errors(server, emu):
    r = requests.get(server.url + "/drive/v3/files", headers={"Authorization": "Bearer a@x.test"}, timeout=5)
    assert r.status_code == 200 and r.json()["files"] == []
    r = requests.get(server.url + "/v4/spreadsheets/nope", headers={"Authorization": "Bearer a@x.test"}, timeout=5)
    assert r.status_code == 404 and r.json()["error"]["status"] == "NOT_FOUND"
    r = requests.get(server.url + "/drive/v3/files", timeout=5)
    assert r.status_code == 401
    s = loopback_session(server.url, "a@x.test")
    r = s.post("https://www.googleapis.com/drive/v3/files",
               json={"name": "raw", "mimeType": "application/vnd.google-apps.spreadsheet"}, timeout=5)
    assert r.status_code == 200
    export = s.get(f"https://www.googleapis.com/drive/v3/files/{r.json()['id']}/export",
                   params={"mimeType": "text/csv"}, timeout=5)
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")


def test_lost_response_over_a_socket(server, emu):
    gc = loopback_client(server.url, user="o@x.test")
    sh = gc.create("L")
    emu.faults.lose_response_next(method="sheets.spreadsheets.values.update")
    with pytest.raises(requests.ConnectionError):
        sh.sheet1.update_acell("A1", "landed")
    assert sh.sheet1.acell("A1").value == "landed"


def test_injected_503_over_a_socket(server, emu):
    gc = loopback_client(server.url, user="o@x.test")
    emu.faults.fail_next(1, status=503)
    with pytest.raises(gspread.exceptions.APIError) as e:
        gc.list_spreadsheet_files()
    assert e.value.response.status_code == 503


def test_concurrent_clients(server, emu):
    from concurrent.futures import ThreadPoolExecutor

    gc = loopback_client(server.url, user="o@x.test")
    sh = gc.create("C")
    ws = sh.sheet1

    def write(i):
        loopback_client(server.url, user="o@x.test").open_by_key(sh.id).sheet1.update_acell(f"A{i + 1}", i)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(16)))
    assert [int(v[0]) for v in ws.get("A1:A16")] == list(range(16))


def test_client_that_hangs_up_leaves_no_traceback(server, emu, capfd):
    """A client whose timeout fired (it reset the connection) must not make the server print a traceback."""
    import struct

    emu.faults.latency(0.2)
    host, port = server.httpd.server_address[:2]
    for _ in range(3):
        sock = socket.create_connection((host, port), timeout=5)
        sock.sendall(b"GET /drive/v3/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a@x.test\r\n\r\n")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # RST: the server's answer will hit a reset connection
    time.sleep(0.5)
    emu.faults.clear()
    r = requests.get(server.url + "/drive/v3/files", headers={"Authorization": "Bearer a@x.test"}, timeout=5)
    assert r.status_code == 200  # still serving
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err, err
