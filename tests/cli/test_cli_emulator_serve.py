"""`sheetsync emulator serve`: the emulator's API on a port from sheetsync's CLI — it persists, stops on
SIGTERM, reports a busy port, and passes --drive-lag through (moved here from the emulator's tests,
which no longer depend on sheetsync; gsheets-emulator's own `serve` is tested in emulator/tests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from gsheets_emulator import Emulator, loopback_client

ROOT = Path(__file__).resolve().parents[2]
FIELDS = "id,modifiedTime,version"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_serve_persists_and_stops_on_sigterm(tmp_path):
    port = _free_port()
    data = tmp_path / "data"
    cmd = [sys.executable, "-c", "from sheetsync.cli import main; main()", "emulator", "serve",
           "--port", str(port), "--data", str(data)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(url + "/drive/v3/files", headers={"Authorization": "Bearer o@x.test"}, timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    out = proc.stdout.read() if proc.stdout else ""
                    raise AssertionError("the server did not come up: " + out) from None
                time.sleep(0.1)
        gc = loopback_client(url, user="o@x.test")
        sid = gc.create("Kept").id
        os.kill(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0, out
        assert f"serving on {url}" in out and "emulator stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert Emulator(str(data)).files[sid].name == "Kept"


def test_cli_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([sys.executable, "-c", "from sheetsync.cli import main; main()", "emulator", "serve",
                            "--port", str(port)], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "cannot listen" in r.stderr and "--port" in r.stderr


def test_cli_serve_drive_lag_flag(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-c", "from sheetsync.cli import main; main()", "emulator", "serve",
           "--port", str(port), "--drive-lag", "3600"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(url + "/drive/v3/files", headers={"Authorization": "Bearer o@x.test"}, timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("the server did not come up: " + (proc.stdout.read() or "")) from None
                time.sleep(0.1)
        gc = loopback_client(url, user="o@x.test")
        sh = gc.create("Served")
        before = gc.http_client.request("get", f"https://www.googleapis.com/drive/v3/files/{sh.id}",
                                        params={"fields": FIELDS}).json()
        sh.sheet1.update_acell("A1", "typed")
        after = gc.http_client.request("get", f"https://www.googleapis.com/drive/v3/files/{sh.id}",
                                       params={"fields": FIELDS}).json()
        assert after == before  # an hour of lag: Drive has not refreshed yet
        os.kill(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        assert "lag 3600 s" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
