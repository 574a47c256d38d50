"""Sharing is exactly what the config says (docs/safety.md): provisioning adds, changes and removes access."""

from __future__ import annotations

import gspread
import pytest
from safetyhelpers import MANAGER, SA, VIEWERS


def _people(app, sid):
    return {(p.get("emailAddress") or p.get("type"), p["role"]) for p in app.emulator.files[sid].permissions}


def test_provisioned_sharing_is_the_config(app):
    for slug, viewers in VIEWERS.items():
        sid = app.store.clients.get(slug).spreadsheet_id
        managers = {"initech": "boris@agency.test"}.get(slug, MANAGER)
        assert _people(app, sid) == {(SA, "owner"), (managers, "writer"), (viewers[0], "reader")}


def test_a_viewer_removed_from_the_config_loses_access(app, make_app):
    sid = app.store.clients.get("acme").spreadsheet_id
    boss = app.emulator.gspread_client(user="boss@acme.example")
    boss.open_by_key(sid).sheet1.get_all_values()  # can read today
    after = make_app({**VIEWERS, "acme": []}, reuse=app)
    result = after.provision("acme")
    assert ("boss@acme.example", "reader") not in _people(after, sid)
    assert any("boss@acme.example" in u for u in result.unshared), result
    with pytest.raises((gspread.exceptions.APIError, PermissionError)):  # gspread turns a 403 into PermissionError
        boss.open_by_key(sid).sheet1.get_all_values()


@pytest.mark.parametrize("who", [("stranger@evil.example", "user", "writer"), (None, "anyone", "reader"),
                                 ("evil.example", "domain", "reader")])
def test_access_granted_by_hand_is_removed_and_reported(app, who):
    value, kind, role = who
    sid = app.store.clients.get("globex").spreadsheet_id
    owner = app.emulator.gspread_client(user=SA).open_by_key(sid)
    owner.share(value, perm_type=kind, role=role, notify=False)
    assert len(app.emulator.files[sid].permissions) == 4
    result = app.provision("globex")
    assert _people(app, sid) == {(SA, "owner"), (MANAGER, "writer"), ("cto@globex.example", "reader")}
    assert result.unshared, "provisioning removed access without saying so"


def test_a_manager_given_owner_rights_elsewhere_is_not_a_reader_of_other_clients(app):
    # boris manages initech only: acme's and globex's sheets are closed to him
    boris = app.emulator.gspread_client(user="boris@agency.test")
    for slug in ("acme", "globex"):
        with pytest.raises((gspread.exceptions.APIError, PermissionError)):
            boris.open_by_key(app.store.clients.get(slug).spreadsheet_id).sheet1.get_all_values()
    # and a client viewer sees no other client's spreadsheet, not even in a Drive listing
    cto = app.emulator.gspread_client(user="cto@globex.example")
    listed = {f["id"] for f in cto.list_spreadsheet_files()}
    assert listed == {app.store.clients.get("globex").spreadsheet_id}


def test_a_viewer_promoted_by_hand_is_put_back_to_reader(app):
    sid = app.store.clients.get("acme").spreadsheet_id
    (perm,) = [p for p in app.emulator.files[sid].permissions if p.get("emailAddress") == "boss@acme.example"]
    owner = app.emulator.gspread_client(user=SA)
    owner.http_client.request("patch", f"https://www.googleapis.com/drive/v3/files/{sid}/permissions/{perm['id']}",
                              json={"role": "writer"})
    assert ("boss@acme.example", "writer") in _people(app, sid)
    result = app.provision("acme")
    assert ("boss@acme.example", "reader") in _people(app, sid)
    assert any("boss@acme.example" in s for s in result.shared), result
