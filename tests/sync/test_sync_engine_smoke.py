


def test_smoke(store, engine, manager, sid, emu):
    store.tasks.create("acme", {"title": "Лендинг", "priority": 2}, origin="cli", actor="t")
    r = engine.sync_client("acme")
    print(r)
    ws = manager.worksheet("Бэклог")
    print(ws.get_all_values()[:3])
    r2 = engine.sync_client("acme")
    print(r2)
    assert r2.writes == 0
