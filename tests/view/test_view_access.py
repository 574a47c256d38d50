"""Who may do what through the view, over HTTP without a browser: edits from loopback only, Google's refusals."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from urllib.parse import quote

import pytest
import requests
from viewhelpers import MANAGER, SA, VIEWER_A

from sheetsync.view import ViewApp

HEADERS = {"X-Sheetsync-View": "1"}


def edit(server, sid, person, a1, value, tab):
    return requests.post(f"{server.url}/view/s/{sid}/edit", data={"as": person, "a1": a1, "value": value, "tab": tab},
                         headers=HEADERS, timeout=10)


def tab_id(world, slug, title):
    return str(world.emu.gspread_client(SA).open_by_key(world.ids[slug]).worksheet(title).id)


def test_other_addresses_get_pages_but_not_edits(world):
    view = ViewApp(world.emu, operator=SA)
    sid = world.ids["acme"]
    page = view.handle("GET", f"/view/s/{sid}?as={quote(MANAGER)}", {}, b"", "10.1.2.3")
    assert page.status == 200 and "edits are taken from this machine only" in page.body.decode()
    body = f"as={quote(MANAGER)}&a1=B2&value=x&tab={tab_id(world, 'acme', 'Бэклог')}".encode()
    refused = view.handle("POST", f"/view/s/{sid}/edit", {"x-sheetsync-view": "1"}, body, "10.1.2.3")
    assert refused.status == 403 and "read-only from other machines" in refused.body.decode()
    ok = view.handle("POST", f"/view/s/{sid}/edit", {"x-sheetsync-view": "1"}, body, "127.0.0.1")
    assert ok.status == 200 and b'"ok": true' in ok.body
    remote = ViewApp(world.emu, operator=SA, allow_remote=True)
    assert b'"ok": true' in remote.handle("POST", f"/view/s/{sid}/edit", {"x-sheetsync-view": "1"}, body,
                                          "10.1.2.3").body


def test_an_edit_must_come_from_the_views_page(server, world):
    sid = world.ids["acme"]
    r = requests.post(f"{server.url}/view/s/{sid}/edit", data={"as": MANAGER, "a1": "B2", "value": "x"}, timeout=10)
    assert r.status_code == 403 and not r.json()["ok"]


def test_refusals_are_googles(server, world):
    sid, backlog = world.ids["acme"], tab_id(world, "acme", "Бэклог")
    header = edit(server, sid, MANAGER, "B1", "Заголовок", backlog).json()  # headers: protected from everyone
    assert not header["ok"] and header["code"] == 400 and "protected cell" in header["message"]
    viewer = edit(server, sid, VIEWER_A, "B2", "x", backlog).json()
    assert not viewer["ok"] and viewer["code"] == 403 and "permission" in viewer["message"]
    stranger = requests.get(f"{server.url}/view/s/{world.ids['beta']}/rev?as={quote(VIEWER_A)}", timeout=10)
    assert stranger.status_code == 403
    grid = requests.get(f"{server.url}/view/s/{world.ids['beta']}/grid?as={quote(VIEWER_A)}", timeout=10)
    assert grid.status_code == 403 and "Секретная" not in grid.text
    assert requests.get(f"{server.url}/view/s/nosuchfile?as={quote(SA)}", timeout=10).status_code == 404


def test_the_live_poll_costs_no_api_call(server, world):
    """Each open page asks every second; with quotas on, API reads would eat the person's 60 a minute."""
    sid = world.ids["acme"]
    before = world.emu.mark()
    first = requests.get(f"{server.url}/view/s/{sid}/rev?as={quote(MANAGER)}", timeout=10).json()["rev"]
    assert world.emu.calls(before) == {}
    edit(server, sid, MANAGER, "B2", "Новое имя", tab_id(world, "acme", "Бэклог"))
    assert requests.get(f"{server.url}/view/s/{sid}/rev?as={quote(MANAGER)}", timeout=10).json()["rev"] > first


def test_a_dropdown_offers_its_list(server, world):
    """Google's API (and so the emulator) does not apply data validation to writes; the page's dropdown
    offers only the list's values, as the Sheets UI does."""
    sid, backlog = world.ids["acme"], tab_id(world, "acme", "Бэклог")
    html = requests.get(f"{server.url}/view/s/{sid}/grid?as={quote(MANAGER)}&tab={backlog}", timeout=10).text
    cell = re.search(r'<td data-a1="J2"[^>]*>', html).group(0)
    assert "data-choices=" in cell and "Бэклог" in cell and "Готово" in cell


def _own_address() -> str | None:
    """This machine's non-loopback address, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") else ip


def test_api_answers_loopback_only_unless_allowed(world):
    from gsheets_emulator import EmulatorServer

    ip = _own_address()
    if ip is None:
        pytest.skip("this machine has no non-loopback address to call from")
    with EmulatorServer(world.emu, host="0.0.0.0", port=0, view=ViewApp(world.emu), api_from_remote=False) as srv:
        port = srv.httpd.server_address[1]
        auth = {"Authorization": f"Bearer {SA}"}
        assert requests.get(f"http://{ip}:{port}/drive/v3/files", headers=auth, timeout=10).status_code == 403
        assert requests.get(f"http://127.0.0.1:{port}/drive/v3/files", headers=auth, timeout=10).status_code == 200
        assert requests.get(f"http://{ip}:{port}/view/", timeout=10).status_code == 200  # pages: read-only


def test_cli_serves_the_configured_emulator(tmp_path, world):
    from gsheets_emulator import Emulator

    data = tmp_path / "data"
    saved = Emulator(str(data / "emulator"))
    saved.files = world.emu.files
    saved.save()
    cfg = tmp_path / "sheetsync.toml"
    cfg.write_text('data_dir = "data"\n', encoding="utf-8")
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-c", "from sheetsync.cli import main; main()", "view", "--config",
                             str(cfg), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+)/view/", line).group(1)
        page = requests.get(f"{url}/view/?as={quote(VIEWER_A)}", timeout=10)
        assert page.status_code == 200 and page.text.count('class="file"') == 1
        files = requests.get(f"{url}/drive/v3/files", headers={"Authorization": f"Bearer {SA}"}, timeout=10)
        assert len(files.json()["files"]) == 2  # the API for a daemon's --emulator-url, on the same port
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "view stopped" in out and "Traceback" not in err


def test_cli_refuses_a_google_backend(tmp_path):
    cfg = tmp_path / "sheetsync.toml"
    cfg.write_text('[backend]\ntype = "google"\ncredentials = "key.json"\n', encoding="utf-8")
    r = subprocess.run([sys.executable, "-c", "from sheetsync.cli import main; main()", "view", "--config", str(cfg)],
                       capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 1 and r.stderr.startswith("error: the view shows the embedded emulator")
