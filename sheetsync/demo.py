"""`sheetsync demo`: a realistic agency, its spreadsheets, and the daemon syncing while people edit.

Seeds a fresh data directory (config, SQLite store, embedded emulator) with a small Russian digital
agency — four clients, five specialists, task types, backlogs, a month of invoices across departments
and this month's metric values — provisions every client's spreadsheet, plans the week (the
plan-schedule's bars), then runs the real daemon loop for a few cycles while a scripted manager edits
rows through gspread, the manager and the team make a conflict that the operator resolves, and an
account moves a payment. Each cycle prints what it pulled, pushed and flagged; at the end it exports
every spreadsheet to xlsx and says where to look, with commands that run as printed.
"""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from rich.console import Console
from rich.table import Table

from sheetsync.app import App
from sheetsync.cli.ops import export_xlsx
from sheetsync.cli.view import DEFAULT_PORT
from sheetsync.daemon import Daemon, DaemonSettings
from sheetsync.daemon.logs import configure
from sheetsync.sheets.values import date_to_serial
from sheetsync.sync.resolve import resolve_conflict

MARKER = ".sheetsync-demo"
WIDE = 200  # columns when the output is not a terminal (a pipe, a log file): tables and ids never wrap
MANAGER = "anna.petrova@agency.test"
ACCOUNT = "elena.account@agency.test"

SPECIALISTS: list[dict[str, Any]] = [
    {"email": MANAGER, "name": "Анна Петрова", "role": "manager", "department": "marketing", "weekly_hours": 40},
    {"email": "dmitry.sokolov@agency.test", "name": "Дмитрий Соколов", "role": "designer", "department": "design"},
    {"email": "oleg.ivanov@agency.test", "name": "Олег Иванов", "role": "developer", "department": "dev"},
    {"email": "maria.kuznetsova@agency.test", "name": "Мария Кузнецова", "role": "copywriter",
     "department": "marketing", "weekly_hours": 30},
    {"email": "igor.smirnov@agency.test", "name": "Игорь Смирнов", "role": "marketer", "department": "marketing"},
]
TASK_TYPES = [
    {"key": "design", "name": "Дизайн макета", "role": "designer", "default_estimate_hours": 8},
    {"key": "landing", "name": "Лендинг", "role": "developer", "default_estimate_hours": 16},
    {"key": "article", "name": "Статья в блог", "role": "copywriter", "default_estimate_hours": 4},
    {"key": "ads", "name": "Настройка рекламы", "role": "marketer", "default_estimate_hours": 6},
    {"key": "seo_audit", "name": "SEO-аудит", "role": "marketer", "default_estimate_hours": 10},
]
DEPARTMENTS = [
    {"key": "design", "name": "Дизайн", "monthly_minimum": 300000},
    {"key": "dev", "name": "Разработка", "monthly_minimum": 500000},
    {"key": "marketing", "name": "Маркетинг", "monthly_minimum": 400000},
]
METRICS = [
    {"key": "leads", "name": "Лиды из рекламы", "unit": "шт", "direction": "up", "target": 120, "period": "month"},
    {"key": "calls", "name": "Звонки", "unit": "шт", "direction": "up", "target": 60, "period": "month"},
    {"key": "cpl", "name": "Стоимость лида", "unit": "₽", "direction": "down", "target": 900, "period": "month"},
]
CLIENTS = [
    ("romashka", "ООО «Ромашка»", "Ирина Волкова, +7 495 123-45-67"),
    ("zerno", "Кофейня «Зерно»", "Павел Орлов, +7 812 555-01-02"),
    ("ulybka", "Стоматология «Улыбка»", "Светлана Морозова, +7 343 200-30-40"),
    ("vektor", "Автосалон «Вектор»", "Андрей Лебедев, +7 383 777-88-99"),
]
BACKLOG = [
    ("Редизайн главной страницы", "Новый первый экран, конверсия в заявку выше 3%", "design", 12, 2),
    ("Лендинг для весенней акции", "Страница акции с формой заявки", "landing", 16, 1),
    ("Статья: как выбрать услугу", "Статья 6000 знаков с перелинковкой", "article", 4, 3),
    ("Настроить рекламу в Директе", "Кампании на поиск и РСЯ, цена лида до 900 ₽", "ads", 6, 1),
    ("SEO-аудит сайта", "Список ошибок с приоритетами", "seo_audit", 10, 2),
    ("Баннеры для соцсетей", "5 баннеров под сторис", "design", 6, 4),
    ("Обновить прайс на сайте", "Актуальные цены на странице услуг", "landing", 3, 3),
    # bigger than a week of anyone: they stay in the backlog when the demo plans (see run_demo)
    ("Новый корпоративный сайт", "Сайт на новой CMS, 20 страниц", "landing", 80, 4),
    ("Фирменный стиль", "Логотип, цвета, шрифты, гайдлайн", "design", 60, 5),
    ("Контент-план на квартал", "36 статей с темами и сроками", "article", 40, 5),
]
BACKLOG_VARIES = 7  # the first seven differ a little between clients


@dataclass
class DemoResult:
    out_dir: Path
    config_path: Path
    log_path: Path
    exports: list[Path] = field(default_factory=list)
    cycles: int = 0
    pulled: int = 0
    pushed: int = 0
    created: int = 0
    errors: int = 0
    planned: int = 0
    stopped: bool = False  # SIGTERM or Ctrl-C ended it early


# --- seeding ----------------------------------------------------------------------------------------
def write_config(out: Path, *, interval: int = 5) -> Path:
    config = {
        "agency": {"name": "Агентство «Пиксель»", "timezone": "Europe/Moscow", "locale": "ru", "currency": "RUB"},
        "data_dir": "data",
        "departments": DEPARTMENTS,
        "specialists": SPECIALISTS,
        "task_types": TASK_TYPES,
        "clients": [{"slug": slug, "name": name, "contacts": contacts, "manager_email": MANAGER,
                     "tracker_url": f"https://tracker.agency.test/boards/{slug}",
                     "viewer_emails": [f"director@{slug}.test"], "editor_emails": [MANAGER, ACCOUNT],
                     "metrics": METRICS} for slug, name, contacts in CLIENTS],
        "sync": {"interval_seconds": max(5, interval)},
        "invoices": {"meeting_weekday": "wed", "meeting_time": "11:00", "editor_emails": [ACCOUNT]},
    }
    path = out / "sheetsync.toml"
    path.write_text("# The demo agency (written by `sheetsync demo`).\n" + tomli_w.dumps(config), encoding="utf-8")
    return path


def seed(store: Any, today: dt.date) -> dict[str, int]:
    """Backlogs, work in progress, a month of invoices across departments, metric values."""
    monday = today - dt.timedelta(days=today.weekday())
    year, week, _ = today.isocalendar()
    counts = {"tasks": 0, "invoices": 0, "metric_values": 0}
    who = {t["role"]: s["email"] for t in TASK_TYPES for s in SPECIALISTS if s["role"] == t["role"]}
    for n, (slug, _name, _c) in enumerate(CLIENTS):
        for i, (title, result, ttype, hours, prio) in enumerate(BACKLOG):
            if i < BACKLOG_VARIES and (i + n) % 5 == 4:
                continue  # every client's backlog differs a little
            role = next(t["role"] for t in TASK_TYPES if t["key"] == ttype)
            fields: dict[str, Any] = {"title": title, "expected_result": result, "task_type": ttype, "role": role,
                                      "estimate_hours": hours, "estimate_source": "manual", "priority": prio}
            if i < 2:  # already in work this week
                fields.update(status="in_progress", assignee=who[role], period=f"{year}-W{week:02d}",
                              start_date=monday, deadline=monday + dt.timedelta(days=4))
            store.tasks.create(slug, fields, origin="import", actor="demo")
            counts["tasks"] += 1
        first = today.replace(day=1)
        for j, (dep, desc, amount) in enumerate([("design", "Дизайн: этап 1", 120000),
                                                 ("dev", "Разработка лендинга", 240000),
                                                 ("marketing", "Ведение рекламы", 90000 + 15000 * n)]):
            day = first + dt.timedelta(days=3 + 7 * ((j + n) % 4))
            status = "paid" if day < today - dt.timedelta(days=7) else ("issued" if day < today else "planned")
            store.invoices.create(slug, {"description": desc, "amount": amount, "currency": "RUB",
                                         "planned_date": day, "status": status,
                                         "paid_date": day if status == "paid" else None},
                                  department=dep, origin="import", actor="demo")
            counts["invoices"] += 1
        # the metrics sheet shows this month: values on its first day and today, and weekly ones before
        # (the trend); the first days of a month are otherwise empty on the sheet
        days = sorted({today, today.replace(day=1), *(today - dt.timedelta(days=7 * w) for w in range(1, 5))})
        for w, day in enumerate(reversed(days)):
            for key, base in (("leads", 28), ("calls", 14), ("cpl", 950)):
                value = base + (n * 3 - w * 2 if key != "cpl" else n * 20 + w * 15)
                store.metrics.set_value(slug, key, day, value, origin="import", actor="demo")
                counts["metric_values"] += 1
    return counts


# --- the scripted people ----------------------------------------------------------------------------
class Person:
    """Someone editing a client's spreadsheet through gspread, finding rows by ID and columns by header."""

    def __init__(self, gc: Any, spreadsheet_id: str) -> None:
        self.ss = gc.open_by_key(spreadsheet_id)

    def _ws(self, title: str) -> Any:
        return self.ss.worksheet(title)

    def _cell(self, ws: Any, key: str, header: str) -> tuple[int, int]:
        values = ws.get_all_values()
        col = values[0].index(header) + 1
        row = next(i for i, r in enumerate(values, 1) if r and r[0] == key)
        return row, col

    def set(self, sheet: str, key: str, header: str, value: Any) -> None:
        ws = self._ws(sheet)
        row, col = self._cell(ws, key, header)
        ws.update_cell(row, col, value)

    def add_row(self, sheet: str, values: dict[str, Any]) -> None:
        ws = self._ws(sheet)
        grid = ws.get_all_values()
        header = grid[0]
        row = len(grid) + 1
        for name, value in values.items():
            ws.update_cell(row, header.index(name) + 1, value)

    def first_key(self, sheet: str, skip: int = 0) -> str:
        rows = [r for r in self._ws(sheet).get_all_values()[1:] if r and r[0]]
        return rows[min(skip, len(rows) - 1)][0]


def script(app: Any, emulator: Any, say: Callable[[str], None], config_path: Path = Path("sheetsync.toml")
           ) -> list[Callable[[], None]]:
    """The edits made between cycles, in order: each step is a person doing one thing."""
    clients = {c.slug: c for c in app.store.clients.list()}
    manager = Person(emulator.gspread_client(user=MANAGER), clients["romashka"].spreadsheet_id)
    zerno = Person(emulator.gspread_client(user=MANAGER), clients["zerno"].spreadsheet_id)
    state: dict[str, str] = {}

    def retitle() -> None:
        task = next(t for t in app.store.tasks.list("romashka") if t.title == "Статья: как выбрать услугу")
        key = task.key
        state["retitled"] = key
        sheet = "Бэклог" if task.status == "backlog" else "В работе"  # the planner may have taken it into work
        manager.set(sheet, key, "Задача", "Статья: как выбрать услугу (обновлено с клиентом)")
        other = zerno.first_key("Бэклог", 1)
        zerno.set("Бэклог", other, "Оценка, ч", 9)
        say(f"manager Anna renames {key} (romashka, sheet «{sheet}») and changes {other}'s estimate to 9 h (zerno)")

    def take_into_work() -> None:
        key = manager.first_key("Бэклог", 1)
        state["taken"] = key
        manager.set("Бэклог", key, "Статус", "В работе")
        say(f"manager Anna sets {key}'s status to «В работе» — it moves to the in-work sheet")

    def new_row_and_conflict() -> None:
        manager.add_row("Бэклог", {"Задача": "Добавить онлайн-запись на сайт", "Оценка, ч": 5, "Приоритет": 2})
        say("manager Anna types a new backlog row without an ID — the sync gives it one")
        key = manager.first_key("Бэклог", 1)
        state["conflict"] = key
        title = app.store.tasks.get(key).title
        manager.set("Бэклог", key, "Задача", f"{title} (правки клиента)")
        app.store.tasks.update(key, {"title": f"{title}, версия 2"}, origin="cli", actor="oleg")
        say(f"at the same time Anna and the team both retitle {key} (romashka) — a conflict: the sheet's value "
            "is kept and the cell gets a note")

    def bad_date_and_resolve() -> None:
        key = state.get("taken") or manager.first_key("В работе")
        manager.set("В работе", key, "Срок", "завтра")
        say(f"manager Anna types «завтра» as {key}'s deadline — not a date: flagged, not applied")
        open_ = [c for c in app.store.sync.conflicts("romashka") if c.entity_key == state.get("conflict")]
        if open_:
            c = open_[-1]
            resolve_conflict(app.store, c.id, "store", actor="operator", origin="cli")
            say(f"the operator settles conflict {c.id} for the team's title: "
                f"{command()} conflicts resolve {c.id} --take store --config {_rel(config_path)} "
                "— the next cycle writes it and takes the note off")

    def move_payment() -> None:
        invoices = app.store.invoices.list("vektor")
        inv = next((i for i in invoices if i.status in ("planned", "issued")), invoices[0])
        to = inv.planned_date + dt.timedelta(days=7)
        sid = app.invoices.spreadsheet_id(create=False)
        ws = emulator.gspread_client(user=ACCOUNT).open_by_key(sid).worksheet(f"{inv.planned_date:%Y-%m}")
        grid = ws.get_all_values()
        col = grid[0].index("Плановая дата") + 1
        row = next(i for i, r in enumerate(grid, 1) if r and r[0] == inv.key)
        ws.update_cell(row, col, date_to_serial(to))  # a date, as Sheets stores it
        say(f"account Elena moves payment {inv.key} (vektor, {inv.amount:,.0f} ₽) in the turnover sheet from "
            f"{inv.planned_date:%d.%m} to {to:%d.%m}")
        report = app.invoices.refresh()  # the job the daemon runs before the Wednesday meeting
        say(f"the invoice refresh pulls it: {report} — the old week keeps a trace")

    def team_update() -> None:
        key = state.get("retitled")
        task = next(t for t in app.store.tasks.list("romashka") if t.status == "in_progress")
        app.store.tasks.update(task.key, {"actual_hours": 7, "status": "done"}, origin="cli", actor="oleg")
        say(f"the team closes {task.key} in the tracker (store side) — the sync pushes it to the sheet"
            + (f"; {key} keeps the manager's title" if key else ""))

    return [retitle, take_into_work, new_row_and_conflict, bad_date_and_resolve, move_payment, team_update]


# --- running ----------------------------------------------------------------------------------------
def prepare_dir(out: Path) -> None:
    """A fresh directory: refuse to wipe anything the demo did not create."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise FileExistsError(f"{out} exists and was not made by `sheetsync demo`; "
                                  f"choose another --out or empty it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by `sheetsync demo`; safe to delete\n", encoding="utf-8")


def run_demo(out: str | Path = "demo-output", *, cycles: int = 8, interval: float = 1.0,
             console: Console | None = None, today: dt.date | None = None) -> DemoResult:
    console = console or Console()
    if not console.is_terminal:
        console.width = max(console.width, WIDE)  # a pipe or a file: no wrapping at 80, no split ids
    out = Path(out).resolve()
    prepare_dir(out)
    config_path = write_config(out)
    log_path = out / "sheetsync.log"
    configure(json_lines=True, file=str(log_path), console=False)
    today = today or dt.date.today()
    result = DemoResult(out, config_path, log_path)
    line = lambda text: console.print(text, soft_wrap=True)  # noqa: E731 - ids and commands stay whole

    console.rule("[bold]sheetsync demo")
    app = App.from_config(config_path)
    previous = _term_as_interrupt()  # SIGTERM before the daemon runs (it has its own handling): one line too
    try:
        app.store.sync_reference_data(app.config)
        counts = seed(app.store, today)
        line(f"Seeded [bold]{app.config.agency.name}[/]: {len(CLIENTS)} clients, {len(SPECIALISTS)} "
             f"specialists, {counts['tasks']} tasks, {counts['invoices']} invoices, "
             f"{counts['metric_values']} metric values  →  {out}")
        with console.status("provisioning spreadsheets…"):
            for slug, name, _c in CLIENTS:
                r = app.provision(slug)
                line(f"  provisioned [cyan]{name}[/] ({slug}): spreadsheet {r.spreadsheet_id}")
            turnover = app.invoices.refresh()
            line(f"  turnover sheet (the Wednesday meeting's): {turnover}")
        with console.status("planning…"):
            plan = app.plan(period=plan_period(today), today=today)
        result.planned = len(plan.taken)
        line(f"  planned {plan.period.label}: {len(plan.taken)} "
             f"backlog task(s) taken into work, {len(plan.not_fitting)} wait for capacity — the plan-schedule "
             f"sheets show the bars, the metrics sheets this month's values")
        steps = script(app, app.emulator, lambda text: line(f"  [magenta]✎ {text}[/]"), config_path)
        daemon: Any = None

        def on_cycle(n: int, report: Any) -> None:
            _print_cycle(console, n, report, result)
            if n - 1 < len(steps) and n < cycles and not daemon.stopping:
                steps[n - 1]()

        # Drive lag as on Google (docs/emulator.md "Drive lag"), scaled to the demo's pace: Drive shows a
        # spreadsheet's modifiedTime half a cycle after an edit (Google: about 3 minutes), so detection
        # works on late news, as it will in production, and every edit still lands in the next cycle.
        if app.emulator is not None:
            app.emulator.drive_lag = interval / 2
            line(f"  Drive lag on: modifiedTime/version published {interval / 2:g} s after an edit "
                 "(Google: about 180 s)")
        console.rule("the daemon runs; people edit between cycles")
        settings = DaemonSettings(worker_id="demo", interval=interval, max_cycles=cycles, jobs=False)
        daemon = Daemon(app, settings, on_cycle=on_cycle)
        daemon.run()
        if daemon.stopping:  # SIGTERM or Ctrl-C: the client in flight finished its writes; say so and stop
            result.stopped = True
            line(f"stopped in cycle {max(result.cycles, 1)}, as asked (the client being synced finished its "
                 f"writes); what was done is in {_rel(out)} — run the demo again for the whole tour")
            return result

        console.rule("exports")
        for c in app.store.clients.list():
            if not c.spreadsheet_id:  # every demo client is provisioned above
                continue
            path = out / "exports" / f"{c.slug}.xlsx"
            export_xlsx(app.sheets, c.spreadsheet_id, path)
            result.exports.append(path)
            line(f"  {path}")
        turnover_id = app.invoices.spreadsheet_id(create=False)
        if turnover_id:  # made by the refresh above
            path = out / "exports" / "turnover.xlsx"
            export_xlsx(app.sheets, turnover_id, path)
            result.exports.append(path)
            line(f"  {path}  (the agency's turnover plan)")
        _print_moves(console, app)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (see _term_as_interrupt), before or after the daemon's cycles
        result.stopped = True
        where = f"in cycle {result.cycles}" if result.cycles else "before cycle 1"
        line(f"stopped {where}, as asked; what was done is in {_rel(out)} — run the demo again for the whole tour")
        return result
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        app.close()
    rel, exe = _rel(config_path), command()
    console.rule("done")
    line("[bold]Where to look[/]" + ("" if exe == "sheetsync" else
                                     f" (sheetsync is in the project's venv: {exe}, or `source .venv/bin/activate` "
                                     "first and type sheetsync)"))
    line(f"  sync status:   {exe} status --config {rel}")
    line(f"  conflicts:     {exe} conflicts --all --config {rel}   (the demo's conflict, resolved)")
    line(f"  spreadsheets:  {_rel(out / 'exports')}/*.xlsx (one per client, and the turnover plan)")
    line(f"  the log:       {_rel(log_path)} (JSON lines)")
    line(f"  run it again:  {exe} run --config {rel}   (Ctrl-C stops)")
    # `sheetsync demo` in a terminal then serves the view itself (sheetsync/cli/demo.py)
    view = view_line(exe, rel)
    if view:
        line(f"  see them:      {view}")
    return result


def _term_as_interrupt() -> Any:
    """Make SIGTERM stop the demo like Ctrl-C (one line, no traceback); returns the handler it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


def plan_period(today: dt.date) -> str:
    """The week the demo plans: this one while it has working days ahead (Mon-Thu), else the next,
    so the plan-schedule always has bars (on a Saturday this week has no capacity left)."""
    day = today if today.weekday() <= 3 else today + dt.timedelta(days=7 - today.weekday())
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def view_line(exe: str, config: str) -> str | None:
    """The demo's last line: how to open the spreadsheets in a browser (`sheetsync view`, docs/view.md)."""
    return f"{exe} view --config {config}   then open http://127.0.0.1:{DEFAULT_PORT}/view/"


def command() -> str:
    """How to type sheetsync here: ``sheetsync`` when that is on PATH (and is this one), else the path of
    the venv's script relative to the current folder (``.venv/bin/sheetsync``)."""
    here = Path(sys.executable).with_name("sheetsync")
    found = shutil.which("sheetsync")
    if not here.exists():
        return "sheetsync"
    if found and Path(found).resolve() == here.resolve():
        return "sheetsync"
    return _rel(here)


def _print_cycle(console: Console, n: int, report: Any, result: DemoResult) -> None:
    result.cycles = n
    table = Table(title=f"cycle {n}", title_justify="left", show_edge=False)
    for col in ("client", "pulled", "pushed", "new", "conflicts", "invalid", "calls", "state"):
        table.add_column(col, justify="left" if col in ("client", "state") else "right")
    for r in report.clients:
        state = "unchanged" if r.skipped else ("[red]FAILED[/]" if r.failed else "[green]synced[/]")
        table.add_row(r.client, str(r.pulled), str(r.pushed), str(r.created), str(r.conflicts), str(r.errors),
                      str(r.api_calls), state)
        result.pulled += r.pulled
        result.pushed += r.pushed
        result.created += r.created
        result.errors += r.errors
    console.print(table)
    console.print(f"  API calls this cycle: {report.api_calls}")
    for r in report.clients:
        for w in r.warnings:
            console.print(f"  [yellow]⚑ {w}[/]")


def _print_moves(console: Console, app: Any) -> None:
    for inv in app.store.invoices.list():
        for m in app.store.invoices.moves(inv.key):
            console.print(f"  payment {inv.key}: moved {m.from_date:%d.%m} → {m.to_date:%d.%m} by {m.actor}"
                          + (f" ({m.reason})" if m.reason else "") + " — the turnover sheet keeps a trace in the old week")


def _rel(p: Path) -> str:
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)
