"""The App over a pool: a transport per account, least-loaded assignment at provisioning, the shares it makes,
and the safety rule — a pool account reaches its own clients' spreadsheets only (the emulator answers 403)."""

from __future__ import annotations

import pytest
from poolhelpers import MANAGER, P1, P2, SA, SLUGS, people, protected_editors

from sheetsync.sheets.errors import PermissionDenied


def test_a_transport_per_account_cached(app):
    assert app.accounts == ["default", "pool-1", "pool-2"]
    assert app.sheets_for(None) is app.sheets and app.sheets_for("default") is app.sheets
    assert app.sheets_for("pool-1") is app.sheets_for("pool-1")
    assert (app.sheets.identity, app.sheets_for("pool-1").identity, app.sheets_for("pool-2").identity) == (SA, P1, P2)
    assert app.sheets_for("pool-1").emulator is app.sheets.emulator
    with pytest.raises(KeyError, match="pool-9"):
        app.sheets_for("pool-9")


def test_provisioning_spreads_new_clients_over_the_least_loaded(provisioned):
    app = provisioned
    assert {s: app.account_of(s) for s in SLUGS} == {"acme": "default", "beta": "pool-1", "gamma": "pool-2"}
    assert app.clients_by_account() == {"default": ["acme"], "pool-1": ["beta"], "pool-2": ["gamma"]}
    app.provision("beta")  # a repair never moves a client
    assert app.account_of("beta") == "pool-1"


def test_each_spreadsheet_is_shared_with_its_account_only(provisioned, emu):
    app = provisioned
    sids = {s: app.store.clients.get(s).spreadsheet_id for s in SLUGS}
    assert P1 not in people(emu, sids["acme"]) and P2 not in people(emu, sids["acme"])
    assert people(emu, sids["beta"])[P1] == "writer" and P2 not in people(emu, sids["beta"])
    assert people(emu, sids["gamma"])[P2] == "writer" and P1 not in people(emu, sids["gamma"])
    assert all(P1 in eds and SA in eds for eds in protected_editors(emu, sids["beta"]))
    assert not any(P2 in eds for eds in protected_editors(emu, sids["beta"]))
    # the manager still edits only the manager's columns: the account is no manager
    assert any(MANAGER not in eds for eds in protected_editors(emu, sids["beta"]))


def test_an_account_cannot_open_another_clients_spreadsheet(provisioned):
    app = provisioned
    acme, gamma = (app.store.clients.get(s).spreadsheet_id for s in ("acme", "gamma"))
    for sid in (acme, gamma):
        with pytest.raises(PermissionDenied):
            app.sheets_for("pool-1").snapshot(sid, ["'Бэклог'!A1:B2"])
    assert {f.id for f in app.sheets_for("pool-1").list_modified()} == {app.store.clients.get("beta").spreadsheet_id}


def test_each_account_syncs_its_clients(provisioned):
    app = provisioned
    app.store.tasks.create("gamma", {"title": "Баннер"}, origin="cli", actor="team")
    before = {a: app.sheets_for(a).counts() for a in app.accounts}
    report = app.sync("gamma")
    used = {a: (app.sheets_for(a).counts() - before[a]).calls for a in app.accounts}
    assert report.pushed + report.created >= 1 and not report.failed, report
    assert used["pool-2"] > 0 and used["default"] == 0 and used["pool-1"] == 0, used
    cycle = app.sync()
    assert sorted(r.client for r in cycle.clients) == SLUGS and not any(r.failed for r in cycle.clients)
    assert app.engine(account="pool-2").sheets is app.sheets_for("pool-2")


def test_the_sharing_check_keeps_the_clients_account_and_takes_back_another(provisioned, emu):
    from sheetsync.provision import ProvisionSettings, check_sharing

    app = provisioned
    beta = app.store.clients.get("beta")
    app.sheets.share(beta.spreadsheet_id, P2, "writer")  # someone gave pool-2 access it must not have
    found = check_sharing(app.store, app.sheets, beta, viewer_role=ProvisionSettings().viewer_role)
    assert found.reverted == [f"{P2}: writer -> -"] and found.missing == []
    assert people(emu, beta.spreadsheet_id)[P1] == "writer" and P2 not in people(emu, beta.spreadsheet_id)


def test_a_client_on_an_account_no_longer_configured_is_stopped_with_advice(provisioned):
    app = provisioned
    app.store.clients.assign_account("beta", "pool-7", origin="cli", actor="test")
    with pytest.raises(LookupError, match="pool-7.*move-account beta default"):
        app.account_of("beta")
    with pytest.raises(LookupError, match="pool-7.*move-account beta default"):
        app.provision("beta")


def test_the_daemons_sharing_job_keeps_each_clients_account(provisioned, emu):
    """The daemon's job passes ``app.sheets`` as it always did; the App's transport knows the pool's emails."""
    from sheetsync.daemon.jobs import sharing_job

    app = provisioned
    beta, gamma = (app.store.clients.get(s).spreadsheet_id for s in ("beta", "gamma"))
    app.sheets.share(gamma, P1, "reader")  # pool-1 must not see gamma's
    assert sharing_job(app) == "3 spreadsheets checked, 1 permissions taken back"
    assert people(emu, beta)[P1] == "writer" and people(emu, gamma)[P2] == "writer"
    assert P1 not in people(emu, gamma)


def test_the_daemon_syncs_each_client_as_its_own_account(provisioned, emu):
    """The daemon's cycle (and each PostgreSQL sync job, through the same ``engine_for``) acts as the
    client's account: a pool grows the quota only if the daemon spends each account's own."""
    from sheetsync.daemon.loop import Daemon, DaemonSettings

    app = provisioned
    d = Daemon(app, DaemonSettings(worker_id="pool"))
    d.sync_cycle()  # everything agreed once
    app.store.tasks.create("beta", {"title": "Лендинг"}, origin="cli", actor="team")
    app.store.tasks.create("gamma", {"title": "Баннер"}, origin="cli", actor="team")
    mark = len(emu.log)
    report = d.sync_cycle()
    assert not any(r.failed for r in report.clients), report
    writers = {e.user for e in emu.log[mark:] if e.kind == "write"}
    assert writers == {P1, P2}, writers  # beta as pool-1, gamma as pool-2; nothing as the default account
    assert d.engine_for("pool-1") is d.engine_for("pool-1") and d.engine_for("default") is d.engine
