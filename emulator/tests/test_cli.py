"""`gsheets-emulator serve` (argparse; also `python -m gsheets_emulator serve`): it serves real gspread,
persists with --data, stops on SIGTERM saving its state, passes --drive-lag on, and explains a bad port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from gsheets_emulator import Emulator, loopback_client
from gsheets_emulator.cli import main

FIELDS = "id,modifiedTime,version"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve(tmp_path):
    """Start `python -m gsheets_emulator serve ARGS` on a free port; yields (url, process)."""
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[str, subprocess.Popen[str]]:
        port = _free_port()
        proc = subprocess.Popen([sys.executable, "-m", "gsheets_emulator", "serve", "--port", str(port), *args],
                                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(url + "/drive/v3/files", headers={"Authorization": "Bearer o@x.test"}, timeout=1)
                return url, proc
            except requests.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("the server did not come up: " + (proc.stdout.read() if proc.stdout else "")) from None
                time.sleep(0.1)

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def _stop(proc: subprocess.Popen[str]) -> str:
    os.kill(proc.pid, signal.SIGTERM)
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0, out
    return out


def test_serve_persists_and_stops_on_sigterm(serve, tmp_path):
    data = tmp_path / "data"
    url, proc = serve("--data", str(data))
    sid = loopback_client(url, user="o@x.test").create("Kept").id
    out = _stop(proc)
    assert f"gsheets-emulator serving on {url}" in out and "emulator stopped" in out
    assert Emulator(str(data)).files[sid].name == "Kept"


def test_serve_drive_lag_flag(serve):
    url, proc = serve("--drive-lag", "3600")
    gc = loopback_client(url, user="o@x.test")
    sh = gc.create("Served")
    drive = f"https://www.googleapis.com/drive/v3/files/{sh.id}"
    before = gc.http_client.request("get", drive, params={"fields": FIELDS}).json()
    sh.sheet1.update_acell("A1", "typed")
    assert gc.http_client.request("get", drive, params={"fields": FIELDS}).json() == before  # an hour of lag
    assert "lag 3600 s" in _stop(proc)


def test_port_in_use_is_a_clear_error(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert main(["serve", "--port", str(s.getsockname()[1])]) == 1
    err = capsys.readouterr().err
    assert "cannot listen" in err and "--port" in err


@pytest.mark.parametrize("args, says", [(["--port", "99999"], "0 to 65535"), (["--drive-lag", "-1"], "negative")])
def test_bad_arguments_are_explained(args, says, capsys):
    assert main(["serve", *args]) == 1
    assert says in capsys.readouterr().err


def test_data_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert main(["serve", "--data", str(tmp_path / "f")]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err
