"""Sharing is enforced continuously (docs/safety.md, issue 13 item 9): provisioning turns writersCanShare
off so a manager cannot share a client's spreadsheet, and the daemon's scheduled sharing check takes back
what the config does not list (shared by someone with owner rights, or on an old spreadsheet)."""

from __future__ import annotations

import datetime as dt
import logging

import gspread
import pytest
import time_machine
from daemonhelpers import MANAGER, SA, config_dict, provision_by_cloning, seed_tasks

SLUGS = ["alfa", "beta", "gamma"]
START = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)  # a Tuesday: no daily or weekly job falls in the hour


def _app(tmp_path, emu, **sharing):
    from sheetsync.app import App
    from sheetsync.sheets import Backend, connect

    cfg = config_dict(tmp_path / "data", SLUGS)
    cfg["clients"][1]["viewer_emails"] = ["ceo@beta.example"]
    if sharing:
        cfg["sharing"] = sharing
    app = App.from_config(cfg, sheets=connect(Backend(emulator=emu)))
    app.store.sync_reference_data(app.config)
    seed_tasks(app.store, SLUGS, n=1)
    provision_by_cloning(app, emu, SLUGS)
    return app


def _people(emu, sid):
    return {(p.get("emailAddress") or p.get("domain") or p["type"], p["role"]) for p in emu.files[sid].permissions}


def test_a_manager_cannot_share_a_provisioned_spreadsheet(tmp_path, emu):
    app = _app(tmp_path, emu)
    sid = app.store.clients.get("alfa").spreadsheet_id
    mine = emu.gspread_client(MANAGER).open_by_key(sid)
    for args in (("friend@else.example", "user", "writer"), (None, "anyone", "reader")):
        with pytest.raises(gspread.exceptions.APIError) as e:
            mine.share(args[0], perm_type=args[1], role=args[2], notify=False)
        assert e.value.response.status_code == 403
        assert e.value.response.json()["error"]["errors"][0]["reason"] == "insufficientFilePermissions"
    assert _people(emu, sid) == {(SA, "owner"), (MANAGER, "writer")}
    mine.worksheet("Бэклог").update([["правка менеджера"]], "B2")  # editing is untouched
    app.close()


def test_provisioning_locks_an_old_spreadsheet_once(tmp_path, emu):
    app = _app(tmp_path, emu)
    sid = app.store.clients.get("alfa").spreadsheet_id
    emu.files[sid].writers_can_share = True  # provisioned before the lock existed
    m = emu.mark()
    r = app.provision("alfa")
    assert "sharing: editors could share the spreadsheet; turned off (writersCanShare)" in r.repairs
    assert emu.calls(since=m)["drive.files.update"] == 1 and not emu.files[sid].writers_can_share
    with pytest.raises(gspread.exceptions.APIError, match="sufficient permissions"):
        emu.gspread_client(MANAGER).open_by_key(sid).share("friend@else.example", perm_type="user", role="reader",
                                                           notify=False)
    m = emu.mark()
    again = app.provision("alfa")  # already locked: one Drive read, no write
    assert not any("writersCanShare" in x for x in again.repairs)
    assert emu.calls(since=m).get("drive.files.update", 0) == 0 and emu.calls(since=m)["drive.files.get"] == 1
    app.close()


def test_the_scheduled_check_takes_back_what_the_config_does_not_list(tmp_path, emu, caplog):
    from sheetsync.daemon import Daemon, DaemonSettings

    with time_machine.travel(START, tick=False) as clock:
        app = _app(tmp_path, emu, check_interval_minutes=30)
        beta = app.store.clients.get("beta").spreadsheet_id
        gamma = app.store.clients.get("gamma").spreadsheet_id
        # someone with owner rights shares beta with a stranger and the link; the client's viewer is made editor
        owner = emu.gspread_client(SA).open_by_key(beta)
        owner.share("ceo@beta.example", perm_type="user", role="reader", notify=False)  # as the config says
        owner.share("stranger@evil.example", perm_type="user", role="writer", notify=False)
        owner.share(None, perm_type="anyone", role="reader")
        ceo = next(p for p in owner.list_permissions() if p.get("emailAddress") == "ceo@beta.example")
        owner.client.request("patch", f"https://www.googleapis.com/drive/v3/files/{beta}/permissions/"
                                         f"{ceo['id']}", json={"role": "writer"})
        emu.files[gamma].permissions = [p for p in emu.files[gamma].permissions if p["role"] == "owner"]
        d = Daemon(app, DaemonSettings(worker_id="t"))
        sched = d.build_scheduler()
        job = next(j for j in sched.get_jobs() if "sharing" in j.tags)
        assert job.interval == 30 and job.unit == "minutes"
        clock.shift(dt.timedelta(minutes=29))
        sched.run_pending()
        assert ("stranger@evil.example", "writer") in _people(emu, beta)  # not due yet
        clock.shift(dt.timedelta(minutes=2))
        m = emu.mark()
        with caplog.at_level(logging.WARNING):
            sched.run_pending()
        calls = emu.calls(since=m)
        assert _people(emu, beta) == {(SA, "owner"), (MANAGER, "writer"), ("ceo@beta.example", "reader")}
        assert calls["drive.permissions.list"] == len(SLUGS)  # one Drive listing per client per check
        assert calls["drive.permissions.delete"] == 2 and calls["drive.permissions.update"] == 1
        # gamma lost its manager: reported (provisioning shares and sends the e-mail), not silently re-shared
        assert _people(emu, gamma) == {(SA, "owner")}
        reverted = [r for r in caplog.records if r.getMessage() == "sharing reverted"]
        assert len(reverted) == 1 and reverted[0].client == "beta"
        assert sorted(reverted[0].reverted) == ["anyone: reader -> -", "ceo@beta.example: writer -> reader",
                                                "stranger@evil.example: writer -> -"]
        assert any("missing" in r.__dict__ and r.client == "gamma" for r in caplog.records)
        log = [(e.field, e.old, e.new) for e in app.store.log(client="beta") if e.field == "sharing"]
        assert sorted(log) == sorted([("sharing", '"anyone:reader"', None),
                                      ("sharing", '"stranger@evil.example:writer"', None),
                                      ("sharing", '"ceo@beta.example:writer"', '"ceo@beta.example:reader"')])
        assert all(e.origin == "daemon" for e in app.store.log(client="beta") if e.field == "sharing")
        assert 'sheetsync_jobs_total{job="sharing",outcome="ok"} 1.0' in d.metrics.exposition().decode()
        app.close()


def test_the_check_is_off_at_zero_minutes(tmp_path, emu):
    from sheetsync.daemon import Daemon, DaemonSettings

    app = _app(tmp_path, emu, check_interval_minutes=0)
    tags = {next(iter(j.tags)) for j in Daemon(app, DaemonSettings(worker_id="t")).build_scheduler().get_jobs()}
    assert "sharing" not in tags and "sync" in tags
    app.close()
