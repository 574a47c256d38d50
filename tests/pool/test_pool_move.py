"""`move-account`: grant the new account, switch the store, revoke the old one — idempotent, resumable, dry-runnable."""

from __future__ import annotations

import pytest
from poolhelpers import BACKLOG, P1, P2, SA, people, protected_editors

from sheetsync.sheets.errors import PermissionDenied


def _sid(app, slug):
    return app.store.clients.get(slug).spreadsheet_id


def _only(app, emu, slug, email):
    """``email`` is the one pool account with access to ``slug``'s spreadsheet, and edits every protected range."""
    sid = _sid(app, slug)
    others = {P1, P2} - {email} if email else {P1, P2}
    who = people(emu, sid)
    assert not (others & set(who)), who
    for eds in protected_editors(emu, sid):
        assert SA in eds and not (others & eds), eds
        if email:
            assert email in eds, eds


def test_move_between_pool_accounts(provisioned, emu):
    app = provisioned
    res = app.move_account("beta", "pool-2", actor="ops@agency.test")
    assert (res.old, res.new, res.switched) == ("pool-1", "pool-2", True)
    assert res.granted.shared == [f"{P2}:writer"] and res.granted.protections > 0
    assert res.revoked.unshared == [P1] and res.revoked.protections > 0
    assert app.account_of("beta") == "pool-2"
    _only(app, emu, "beta", P2)
    app.store.tasks.create("beta", {"title": "После переезда"}, origin="cli", actor="team")
    assert not app.sync("beta").failed
    with pytest.raises(PermissionDenied):  # the old account has lost it
        app.sheets_for("pool-1").snapshot(_sid(app, "beta"), [f"'{BACKLOG}'!A1:B2"])
    log = app.store.log(entity="client", key="beta")
    assert ('"pool-1"', '"pool-2"') in [(r.old, r.new) for r in log if r.field == "account"]
    assert any(r.field == "sharing" and r.actor == "ops@agency.test" for r in log)
    again = app.move_account("beta", "pool-2")
    assert again.nothing_to_do


def test_move_to_and_from_the_default_account(provisioned, emu):
    app = provisioned
    res = app.move_account("gamma", "default")
    assert res.switched and res.revoked.unshared == [P2] and res.granted.empty
    assert app.account_of("gamma") == "default" and app.store.clients.account_of("gamma") is None
    _only(app, emu, "gamma", None)
    res = app.move_account("acme", "pool-1")
    assert res.switched and res.granted.shared == [f"{P1}:writer"]
    assert any("default account keeps its access" in n for n in res.notes)
    _only(app, emu, "acme", P1)
    assert not app.sync("acme").failed


def test_dry_run_changes_nothing(provisioned, emu):
    app = provisioned
    sid = _sid(app, "beta")
    before = (people(emu, sid), protected_editors(emu, sid))
    res = app.move_account("beta", "pool-2", dry_run=True)
    assert res.dry_run and res.switched and res.granted.shared == [f"{P2}:writer"] and res.granted.protections
    assert app.account_of("beta") == "pool-1"
    assert (people(emu, sid), protected_editors(emu, sid)) == before


def test_an_interrupted_move_is_finished_by_running_it_again(provisioned, emu, monkeypatch):
    """Cut after the grant (before the switch), then after the switch (before the revoke): each time the old
    account still syncs or the new one does, and re-running completes the move."""
    import sheetsync.provision.accounts as accounts

    app = provisioned
    real = accounts.set_account_access

    def cut_before_switch(*a, **kw):
        real(*a, **kw)
        if kw.get("grant"):
            raise RuntimeError("killed after the grant")
        return accounts.AccessChange()

    monkeypatch.setattr(accounts, "set_account_access", cut_before_switch)
    with pytest.raises(RuntimeError):
        app.move_account("beta", "pool-2")
    assert app.account_of("beta") == "pool-1"  # not switched: the old account still syncs it
    assert not app.sync("beta").failed
    monkeypatch.setattr(accounts, "set_account_access", real)
    # the second cut: the store switched, the old account not yet revoked
    orig_assign = app.store.clients.assign_account

    def cut_after_switch(*a, **kw):
        orig_assign(*a, **kw)
        raise RuntimeError("killed after the switch")

    monkeypatch.setattr(app.store.clients, "assign_account", cut_after_switch)
    with pytest.raises(RuntimeError):
        app.move_account("beta", "pool-2")
    monkeypatch.undo()
    assert app.account_of("beta") == "pool-2"
    assert P1 in people(emu, _sid(app, "beta"))  # left over, unused
    assert not app.sync("beta").failed
    res = app.move_account("beta", "pool-2")  # re-run: finishes
    assert not res.switched and res.revoked.unshared == [P1]
    _only(app, emu, "beta", P2)


def test_provisioning_and_the_sharing_check_agree_with_a_move(provisioned, emu):
    from sheetsync.provision import ProvisionSettings, check_sharing

    app = provisioned
    app.move_account("beta", "pool-2")
    assert app.provision("beta").requests_applied == 0  # the protected ranges are as provisioning wants them
    found = check_sharing(app.store, app.sheets, app.store.clients.get("beta"),
                          viewer_role=ProvisionSettings().viewer_role)
    assert found.reverted == [] and found.missing == []


def test_an_account_not_on_the_protected_ranges_cannot_write_them(provisioned, emu):
    """Why the move edits protected ranges: a writer who is not an editor of the range is refused (Google's
    400 "You are trying to edit a protected cell or object", as the emulator answers it)."""
    from sheetsync.sheets.errors import InvalidRequest

    app = provisioned
    sid = _sid(app, "acme")  # the default account's; pool-1 gets the file but not the ranges
    app.sheets.share(sid, P1, "writer")
    with pytest.raises(InvalidRequest, match="protected cell"):
        app.sheets_for("pool-1").write_values(sid, [(f"'{BACKLOG}'!A2", [["T-999999"]])])


def test_unknown_account_is_refused(provisioned):
    with pytest.raises(LookupError, match="no account 'pool-9'.*default, pool-1, pool-2"):
        provisioned.move_account("beta", "pool-9")
