"""The view in a real browser (headless Chromium): what each person sees, edits, and live updates."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from gsheets_emulator.a1 import index_to_col
from viewhelpers import MANAGER, SA, VIEWER_A

pytestmark = pytest.mark.usefixtures("browser")

BACKLOG, IN_WORK = "Бэклог", "В работе"


def open_tab(page, server, world, slug: str, tab: str, person: str):
    """Open the client's spreadsheet as ``person`` and click ``tab`` in the tab bar, as a person would."""
    page.goto(f"{server.url}/view/s/{world.ids[slug]}?as={quote(person)}")
    page.locator("nav.tabs a", has_text=tab).click()
    page.wait_for_selector(f'table.grid[data-title="{tab}"]')


def cell_of(page, world, slug: str, tab: str, key: str, header: str):
    """The <td> of task ``key``'s ``header`` column, found from the sheet through the API (not the page)."""
    ws = world.emu.gspread_client(SA).open_by_key(world.ids[slug]).worksheet(tab)
    values = ws.get_all_values()
    row = next(i for i, r in enumerate(values) if r and r[0] == key)
    col = values[0].index(header)
    return page.locator(f'#grid td[data-a1="{index_to_col(col)}{row + 1}"]')


def test_clicking_a_tab_shows_that_tab(page, server, world):
    page.goto(f"{server.url}/view/?as={quote(SA)}")
    page.locator("a.file", has_text="ACME").click()
    assert page.locator("table.grid").get_attribute("data-title") != BACKLOG
    page.locator("nav.tabs a", has_text=BACKLOG).click()
    page.wait_for_selector(f'table.grid[data-title="{BACKLOG}"]')
    assert page.locator("nav.tabs a.active").inner_text() == BACKLOG
    assert page.locator("#grid", has_text="Статья про SEO").count() == 1
    assert cell_of(page, world, "acme", BACKLOG, world.keys["article"], "Задача").inner_text() == "Статья про SEO"


def test_hovering_a_note_shows_it(page, server, world):
    open_tab(page, server, world, "acme", BACKLOG, SA)
    header = page.locator('#grid td[data-a1="A1"]')
    assert "note" in header.get_attribute("class")
    assert page.locator("#tip").is_hidden()
    header.hover()
    tip = page.locator("#tip")
    tip.wait_for(state="visible")
    assert tip.inner_text().startswith("Номер задачи")


def test_formats_and_conditional_formats_drawn(page, server, world):
    open_tab(page, server, world, "acme", IN_WORK, SA)
    deadline = cell_of(page, world, "acme", IN_WORK, world.keys["overdue"], "Срок")
    # the overdue rule (CUSTOM_FORMULA, relative to the row): pink and bold
    assert deadline.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(244, 204, 204)"
    assert deadline.evaluate("e => getComputedStyle(e).fontWeight") in ("700", "bold")
    status = cell_of(page, world, "acme", IN_WORK, world.keys["overdue"], "Статус")
    assert status.inner_text() == "В работе"
    assert status.evaluate("e => getComputedStyle(e).backgroundColor") not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    assert "dd" in status.get_attribute("class")  # a dropdown
    # the frozen header row stays put, and the column keeps its width from the sheet
    assert page.locator('#grid td[data-a1="A1"]').evaluate("e => getComputedStyle(e).position") == "sticky"


def test_manager_edit_reaches_the_store(page, server, world):
    key = world.keys["article"]
    open_tab(page, server, world, "acme", BACKLOG, MANAGER)
    cell = cell_of(page, world, "acme", BACKLOG, key, "Задача")
    a1 = cell.get_attribute("data-a1")
    cell.dblclick()
    box = page.locator(f'#grid td[data-a1="{a1}"] input')
    box.fill("Статья про SEO, версия 2")
    box.press("Enter")
    page.locator("#msg.ok").wait_for()
    assert page.locator(f'#grid td[data-a1="{a1}"]').inner_text() == "Статья про SEO, версия 2"
    report = world.engine.sync_client("acme")
    assert report.failed is None and report.pulled == 1
    assert world.store.tasks.get(key).title == "Статья про SEO, версия 2"
    assert any(e.origin == "sheet" and e.field == "title" for e in world.store.log(task=key))


def test_protected_cell_edit_is_refused_with_googles_message(page, server, world):
    open_tab(page, server, world, "acme", BACKLOG, MANAGER)
    cell = cell_of(page, world, "acme", BACKLOG, world.keys["article"], "ID")  # protected: nobody edits ids
    assert "locked" in cell.get_attribute("class")
    cell.dblclick()
    box = page.locator("#grid td.editing input")
    box.fill("T-999999")
    box.press("Enter")
    msg = page.locator("#msg:not(.ok)")
    msg.wait_for()
    page.wait_for_function("document.getElementById('msg').textContent.length > 0")
    assert "protected cell" in msg.inner_text()
    assert cell.inner_text() == world.keys["article"]
    ws = world.emu.gspread_client(SA).open_by_key(world.ids["acme"]).worksheet(BACKLOG)
    assert world.keys["article"] in ws.col_values(1)


def test_client_viewer_sees_only_their_file(page, server, world):
    page.goto(f"{server.url}/view/?as={quote(VIEWER_A)}")
    names = page.locator("a.file").all_inner_texts()
    assert len(names) == 1 and "ACME" in names[0]
    resp = page.goto(f"{server.url}/view/s/{world.ids['beta']}?as={quote(VIEWER_A)}")
    assert resp.status == 403
    assert "may not open" in page.locator(".error h2").inner_text()
    assert page.locator("body", has_text="Секретная задача беты").count() == 0
    # and they see their own, without the right to edit it
    page.goto(f"{server.url}/view/s/{world.ids['acme']}?as={quote(VIEWER_A)}")
    assert page.locator("p.muted", has_text="may not edit").count() == 1


def test_person_picker_switches_person(page, server, world):
    page.goto(f"{server.url}/view/?as={quote(SA)}")
    assert len(page.locator("a.file").all()) == 2
    with page.expect_navigation():
        page.select_option("#as", VIEWER_A)
    assert f"as={quote(VIEWER_A)}" in page.url
    assert len(page.locator("a.file").all()) == 1


def test_a_change_by_the_daemon_shows_without_reload(page, server, world):
    key = world.keys["article"]
    open_tab(page, server, world, "acme", BACKLOG, MANAGER)
    page.evaluate("window.notReloaded = true")
    world.store.tasks.update(key, {"title": "Переименовано командой"}, origin="cli", actor="team")
    assert world.engine.sync_client("acme").pushed >= 1  # the daemon's cycle writes it to the sheet
    cell = cell_of(page, world, "acme", BACKLOG, key, "Задача")
    page.wait_for_function(f"document.querySelector('#grid td[data-a1=\"{cell.get_attribute('data-a1')}\"]')"
                           ".textContent === 'Переименовано командой'", timeout=8000)
    assert page.evaluate("window.notReloaded") is True


@pytest.fixture
def desk_server(world):
    """The view as `sheetsync view` builds it: with the store's conflict desk."""
    from gsheets_emulator import EmulatorServer

    from sheetsync.view import ViewApp
    from sheetsync.view.conflicts import StoreConflicts

    view = ViewApp(world.emu, operator=SA, conflicts=StoreConflicts(world.store, operator=SA))
    with EmulatorServer(world.emu, port=0, view=view) as srv:
        yield srv


def test_a_conflict_is_settled_from_the_view(page, desk_server, world):
    """Issue 17 item 5 "(and from the view)": the manager sees the client's open conflict under the
    spreadsheet, takes the store's value; the store logs the resolution with the manager as actor; the
    next sync writes the value and takes the note off. A client's viewer sees no conflicts at all."""
    key = world.keys["article"]
    ws = world.emu.gspread_client(MANAGER).open_by_key(world.ids["acme"]).worksheet(BACKLOG)
    row = next(i for i, r in enumerate(ws.get_all_values(), start=1) if r and r[0] == key)
    col = ws.row_values(1).index("Задача") + 1
    ws.update_cell(row, col, "заголовок менеджера")
    world.store.tasks.update(key, {"title": "заголовок команды"}, origin="cli", actor="team")
    assert world.engine.sync_client("acme").conflicts == 1
    (c,) = world.store.sync.conflicts("acme")
    assert ws.get_note(ws.cell(row, col).address)

    page.goto(f"{desk_server.url}/view/s/{world.ids['acme']}?as={quote(VIEWER_A)}")
    page.wait_for_selector("table.grid")
    assert page.locator("#conflicts").count() == 0  # a client's viewer never sees them

    page.goto(f"{desk_server.url}/view/s/{world.ids['acme']}?as={quote(MANAGER)}")
    row_el = page.locator(f'tr[data-conflict="{c.id}"]')
    assert "заголовок менеджера" in row_el.inner_text() and "заголовок команды" in row_el.inner_text()
    row_el.locator('button[data-take="store"]').click()
    page.locator("#msg.ok").wait_for()
    assert page.locator(f'tr[data-conflict="{c.id}"]').count() == 0
    assert world.store.tasks.get(key).title == "заголовок команды"
    (done,) = [r for r in world.store.log(task=key) if r.action == "resolve"]
    assert done.actor == MANAGER
    assert world.engine.sync_client("acme").failed is None
    assert ws.cell(row, col).value == "заголовок команды" and ws.get_note(ws.cell(row, col).address) == ""
    assert not world.store.sync.conflicts("acme")


def test_a_conflict_value_that_does_not_read_is_refused_in_the_view(page, desk_server, world):
    key = world.keys["article"]
    ws = world.emu.gspread_client(MANAGER).open_by_key(world.ids["acme"]).worksheet(BACKLOG)
    row = next(i for i, r in enumerate(ws.get_all_values(), start=1) if r and r[0] == key)
    col = ws.row_values(1).index("Приоритет") + 1
    ws.update_cell(row, col, 1)
    world.store.tasks.update(key, {"priority": 3}, origin="cli", actor="team")
    assert world.engine.sync_client("acme").conflicts == 1
    (c,) = world.store.sync.conflicts("acme")
    page.goto(f"{desk_server.url}/view/s/{world.ids['acme']}?as={quote(MANAGER)}")
    page.locator(f'input[data-value-for="{c.id}"]').fill("завтра")
    page.locator(f'tr[data-conflict="{c.id}"] button[data-take=""]').click()
    msg = page.locator("#msg")
    msg.wait_for()
    page.wait_for_function("document.getElementById('msg').textContent.length > 0")
    assert "priority" in msg.inner_text() and page.locator("#msg.ok").count() == 0
    assert world.store.sync.conflicts("acme")  # nothing settled


def test_only_the_agency_settles_conflicts(desk_server, world):
    """A client's viewer (or editor) posting a resolution by hand is refused; nothing changes."""
    import json
    import urllib.request

    key = world.keys["article"]
    ws = world.emu.gspread_client(MANAGER).open_by_key(world.ids["acme"]).worksheet(BACKLOG)
    row = next(i for i, r in enumerate(ws.get_all_values(), start=1) if r and r[0] == key)
    ws.update_cell(row, ws.row_values(1).index("Задача") + 1, "менеджер")
    world.store.tasks.update(key, {"title": "команда"}, origin="cli", actor="team")
    world.engine.sync_client("acme")
    (c,) = world.store.sync.conflicts("acme")
    for person, sid in ((VIEWER_A, world.ids["acme"]), (MANAGER, world.ids["beta"])):
        req = urllib.request.Request(f"{desk_server.url}/view/s/{sid}/resolve", method="POST",
                                     data=f"as={quote(person)}&id={c.id}&take=store".encode(),
                                     headers={"X-Sheetsync-View": "1"})
        answer = json.loads(urllib.request.urlopen(req, timeout=10).read())
        assert answer["ok"] is False, (person, answer)
    assert world.store.sync.conflicts("acme") and world.store.tasks.get(key).title == "менеджер"
