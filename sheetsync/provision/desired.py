"""The desired spreadsheet: client + templates + vocabularies -> what the sheets must look like.

Pure (no I/O). Everything is expressed in the Sheets API's own JSON shapes (CellData,
DataValidationRule, ConditionalFormatRule, GridRange without ``sheetId``) at the column
positions the template gives, so ``diff`` can compare it with ``spreadsheets.get`` and emit
requests without translating twice.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gspread.utils import rowcol_to_a1

from ..templates import CLIENT_KINDS, ColumnSpec, SheetSpec, Templates, Vocabulary
from ..vocabulary import SPREADSHEET_LOCALES

META_SHEET = "sheetsync.sheet"
META_COLUMN = "sheetsync.column"
META_CLIENT = "sheetsync.client"
META_TEMPLATE = "sheetsync.template"
PROTECTION_PREFIX = "sheetsync:"

HEADER_BG = "#E8EAED"
DEFAULT_TITLE = {"ru": "{name} — проект с агентством", "en": "{name} — project with the agency"}

# only plain web links become a HYPERLINK formula; anything else is written as text
_SAFE_URL = re.compile(r"^https?://[^\s\"'<>\\]+$")


def rgb(hex_colour: str) -> dict[str, float]:
    """``#RRGGBB`` -> the API's Color (0..1 floats)."""
    h = hex_colour.lstrip("#")
    return {"red": int(h[0:2], 16) / 255, "green": int(h[2:4], 16) / 255, "blue": int(h[4:6], 16) / 255}


def text_cell(value: str, **fmt: Any) -> dict[str, Any]:
    """A CellData holding ``value`` as an explicit string: never parsed, never a formula."""
    cell: dict[str, Any] = {"userEnteredValue": {"stringValue": value}}
    if fmt:
        cell["userEnteredFormat"] = fmt
    return cell


def formula_cell(formula: str, **fmt: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {"userEnteredValue": {"formulaValue": formula}}
    if fmt:
        cell["userEnteredFormat"] = fmt
    return cell


def days_cell(spec: SheetSpec) -> dict[str, Any]:
    """The format of the card's "days waiting" cells (TODAY() minus a date is a number, not a date)."""
    assert spec.card is not None
    return {"userEnteredFormat": {"numberFormat": {"type": "NUMBER", "pattern": spec.card.waiting.days_format}}}


#: the mask that repairs the "days waiting" format and nothing else (the values belong to the sync)
DAYS_FIELDS = "userEnteredFormat.numberFormat"


def quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def quote_string(text: str) -> str:
    """A string literal inside a formula."""
    return '"' + text.replace('"', '""') + '"'


@dataclass(frozen=True)
class ClientInfo:
    """What provisioning needs to know about a client (decoupled from the ORM row)."""

    slug: str
    name: str
    locale: str = "ru"
    timezone: str = "Europe/Moscow"
    contacts: str = ""
    manager_email: str | None = None
    manager_name: str | None = None
    tracker_url: str | None = None
    viewer_emails: tuple[str, ...] = ()
    editor_emails: tuple[str, ...] = ()

    @classmethod
    def from_store(cls, client: Any, *, manager_name: str | None = None) -> ClientInfo:
        return cls(slug=client.slug, name=client.name, locale=client.locale or "ru",
                   timezone=client.timezone or "Europe/Moscow", contacts=client.contacts or "",
                   manager_email=client.manager_email, manager_name=manager_name, tracker_url=client.tracker_url,
                   viewer_emails=tuple(client.viewer_emails or ()), editor_emails=tuple(client.editor_emails or ()))


@dataclass(frozen=True)
class Access:
    """Who may edit what: the service account always (and the pool account that syncs the client, in
    ``accounts``); managers their columns; client editors theirs."""

    service_account: str
    managers: tuple[str, ...] = ()
    client_editors: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()

    def editors(self, edit: str) -> tuple[str, ...]:
        people = [self.service_account, *self.accounts]
        if edit in ("manager", "client"):
            people += self.managers
        if edit == "client":
            people += self.client_editors
        seen: dict[str, None] = {}
        for p in people:
            seen.setdefault(p.lower(), None)
        return tuple(seen)


@dataclass(frozen=True)
class DesiredColumn:
    key: str
    index: int
    width: int
    number_format: dict[str, str] | None
    validation: dict[str, Any] | None
    metadata: bool = True


@dataclass(frozen=True)
class DesiredProtection:
    description: str  # our identity for the range: "sheetsync:<kind>:..."
    range: dict[str, int]  # GridRange without sheetId; {} = the whole sheet
    editors: tuple[str, ...]


@dataclass(frozen=True)
class DesiredCell:
    row: int
    col: int
    data: dict[str, Any]  # CellData
    managed: bool = True  # False: written when the sheet is created, then owned by the sync/planner
    fields: str | None = None  # the mask a repair writes with (None: the sheet's whole mask)


@dataclass(frozen=True)
class DesiredSheet:
    kind: str
    title: str
    index: int
    role: str
    version: int
    row_count: int
    column_count: int
    frozen_rows: int
    frozen_columns: int
    columns: tuple[DesiredColumn, ...]
    protections: tuple[DesiredProtection, ...]
    conditional_formats: tuple[dict[str, Any], ...]  # ConditionalFormatRule, ranges without sheetId
    cells: tuple[DesiredCell, ...]
    preferred_id: int

    @property
    def header_row(self) -> bool:
        return self.role != "card"


@dataclass(frozen=True)
class DesiredSpreadsheet:
    title: str
    locale: str
    time_zone: str
    client_slug: str
    template_version: str
    sheets: tuple[DesiredSheet, ...]

    def sheet(self, kind: str) -> DesiredSheet:
        for s in self.sheets:
            if s.kind == kind:
                return s
        raise KeyError(kind)


# --- the card's layout ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CardLayout:
    """Where things sit on the card (0-based rows/cols), for provisioning and for the sync's updates."""

    field_rows: Mapping[str, int]
    counter_rows: Mapping[str, int]  # status value -> row
    total_row: int | None
    waiting_title_row: int
    waiting_first_row: int  # first data row of the waiting list (its header is the row above)
    waiting_rows: int
    legend_first_row: int
    row_count: int
    column_count: int = 4

    @property
    def last_sync(self) -> tuple[int, int]:
        return self.field_rows["last_sync"], 1


def card_layout(spec: SheetSpec, vocabularies: Mapping[str, Vocabulary]) -> CardLayout:
    card = spec.card
    assert card is not None, "card_layout needs the card template"
    row = 2
    field_rows = {}
    for f in card.fields:
        field_rows[f.key] = row
        row += 1
    row += 1  # blank
    row += 1  # counters title
    counter_rows = {}
    for e in vocabularies[card.counters.vocabulary].values:
        if e.value not in card.counters.exclude:
            counter_rows[e.value] = row
            row += 1
    total_row = None
    if card.counters.total_label is not None:
        total_row = row
        row += 1
    row += 1
    waiting_title = row
    waiting_first = row + 2
    row = waiting_first + card.waiting.rows + 1
    legend_first = row + 1
    n_legend = len(vocabularies[card.legend.vocabulary].values) + len(card.legend.extra)
    return CardLayout(field_rows=field_rows, counter_rows=counter_rows, total_row=total_row,
                      waiting_title_row=waiting_title, waiting_first_row=waiting_first, waiting_rows=card.waiting.rows,
                      legend_first_row=legend_first, row_count=legend_first + n_legend + 2)


# --- building ----------------------------------------------------------------------------------


def preferred_sheet_id(kind: str) -> int:
    """A stable sheetId per kind, so requests in the creating batch can refer to it."""
    return 1000 + zlib.crc32(kind.encode()) % 1_000_000


def _validation(col: ColumnSpec, locale: str, vocab: Vocabulary | None) -> dict[str, Any] | None:
    strict = col.validation.strict if col.validation else True
    cond: dict[str, Any] | None = None
    if col.type == "enum":
        labels = vocab.labels(locale) if vocab else []
        if not labels:  # Google rejects an empty list; no vocabulary yet means no check yet
            return None
        cond = {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": v} for v in labels]}
    elif col.type in ("int", "number", "hours") and col.validation:
        lo, hi = col.validation.min, col.validation.max
        if lo is not None and hi is not None:
            cond = {"type": "NUMBER_BETWEEN", "values": [{"userEnteredValue": _num(lo)}, {"userEnteredValue": _num(hi)}]}
        elif lo is not None:
            cond = {"type": "NUMBER_GREATER_THAN_EQ", "values": [{"userEnteredValue": _num(lo)}]}
        elif hi is not None:
            cond = {"type": "NUMBER_LESS_THAN_EQ", "values": [{"userEnteredValue": _num(hi)}]}
    elif col.type == "date":
        cond = {"type": "DATE_IS_VALID"}
    elif col.type == "email":
        cond = {"type": "TEXT_IS_EMAIL"}
    elif col.type == "url":
        cond = {"type": "TEXT_IS_URL"}
    elif col.type == "bool":
        cond = {"type": "BOOLEAN"}
    if cond is None:
        return None
    rule: dict[str, Any] = {"condition": cond, "strict": strict}
    if col.type == "enum":
        rule["showCustomUi"] = True
    return rule


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def vocabularies_for(templates: Templates, dynamic: Mapping[str, Iterable[str]]) -> dict[str, Vocabulary]:
    """Static vocabularies from the templates plus the store's dynamic ones, labelled (Vocabulary.dynamic)."""
    out = dict(templates.vocabularies)
    for name, values in dynamic.items():
        # labels from the templates' vocabulary of that name (task types, roles), else the config's name
        # (a mapping value -> name), else the value itself
        out[name] = Vocabulary.dynamic(name, list(values), templates.vocabularies.get(name),
                                       values if isinstance(values, Mapping) else None)
    return out


def build_sheet(spec: SheetSpec, index: int, *, client: ClientInfo, access: Access, templates: Templates,
                vocabularies: Mapping[str, Vocabulary], row_count: int = 1000) -> DesiredSheet:
    """The desired state of one sheet kind for one client."""
    locale = client.locale
    is_card = spec.role == "card"
    columns = tuple(
        DesiredColumn(key=c.key, index=i, width=c.width,
                      number_format=None if is_card else c.number_format(locale),
                      validation=None if is_card else _validation(c, locale, vocabularies.get(c.vocabulary or "")),
                      metadata=not is_card)
        for i, c in enumerate(spec.columns))
    protections: list[DesiredProtection] = []
    prefix = f"{PROTECTION_PREFIX}{spec.kind}:"
    if spec.protect == "sheet":
        protections.append(DesiredProtection(prefix + "sheet", {}, access.editors("nobody")))
    else:
        protections.append(DesiredProtection(prefix + "header", {"startRowIndex": 0, "endRowIndex": 1},
                                              access.editors("nobody")))
        for i, c in enumerate(spec.columns):
            protections.append(DesiredProtection(
                f"{prefix}col:{c.key}", {"startRowIndex": 1, "startColumnIndex": i, "endColumnIndex": i + 1},
                access.editors(c.edit)))
    cfs: list[dict[str, Any]] = []
    for cf in spec.conditional_formats:
        ranges = [{"startRowIndex": 1, "startColumnIndex": spec.index_of(k), "endColumnIndex": spec.index_of(k) + 1}
                  for k in cf.columns]
        if cf.colours_from:
            for e in vocabularies[cf.colours_from].values:
                if e.colour:
                    cfs.append({"ranges": ranges, "booleanRule": {
                        "condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": e.label(locale)}]},
                        "format": {"backgroundColor": rgb(e.colour)}}})
        else:
            assert cf.formula is not None
            fmt: dict[str, Any] = {}
            if cf.background:
                fmt["backgroundColor"] = rgb(cf.background)
            if cf.bold:
                fmt["textFormat"] = {"bold": True}
            cfs.append({"ranges": ranges, "booleanRule": {
                "condition": {"type": "CUSTOM_FORMULA",
                              "values": [{"userEnteredValue": templates.formula(spec.kind, cf.formula, 2, locale)}]},
                "format": fmt}})
    if is_card:
        layout = card_layout(spec, vocabularies)
        cells = _card_cells(spec, layout, client=client, templates=templates, vocabularies=vocabularies)
        rows, cols = layout.row_count, max(layout.column_count, len(spec.columns))
    else:
        cells = tuple(DesiredCell(0, i, header_cell(c, locale)) for i, c in enumerate(spec.columns))
        rows, cols = row_count, len(spec.columns)
    return DesiredSheet(kind=spec.kind, title=spec.title_for(locale), index=index, role=spec.role,
                        version=spec.version, row_count=rows, column_count=cols, frozen_rows=spec.frozen_rows,
                        frozen_columns=spec.frozen_columns, columns=columns, protections=tuple(protections),
                        conditional_formats=tuple(cfs), cells=cells, preferred_id=preferred_sheet_id(spec.kind))


def header_cell(col: ColumnSpec, locale: str) -> dict[str, Any]:
    cell = text_cell(col.header.get(locale), textFormat={"bold": True}, backgroundColor=rgb(HEADER_BG),
                     wrapStrategy="WRAP", verticalAlignment="MIDDLE")
    if col.note is not None:
        cell["note"] = col.note.get(locale)
    return cell


#: the fields mask that writes a header cell completely (value, its format, its note)
HEADER_FIELDS = ("userEnteredValue,userEnteredFormat.textFormat.bold,userEnteredFormat.backgroundColor,"
                 "userEnteredFormat.wrapStrategy,userEnteredFormat.verticalAlignment,note")


def build(client: ClientInfo, templates: Templates, *, access: Access,
          dynamic_vocabularies: Mapping[str, Iterable[str]] | None = None,
          title_pattern: str | None = None, kinds: Sequence[str] = CLIENT_KINDS,
          rows: int = 1000) -> DesiredSpreadsheet:
    """The whole desired spreadsheet of ``client``; ``rows``: the grid rows of a new synced sheet."""
    vocabularies = vocabularies_for(templates, dynamic_vocabularies or {})
    sheets = tuple(build_sheet(templates[k], i, client=client, access=access, templates=templates,
                               vocabularies=vocabularies, row_count=rows) for i, k in enumerate(kinds))
    pattern = title_pattern or DEFAULT_TITLE.get(client.locale, DEFAULT_TITLE["ru"])
    return DesiredSpreadsheet(title=pattern.format(name=client.name, slug=client.slug),
                              locale=SPREADSHEET_LOCALES.get(client.locale, "ru_RU"), time_zone=client.timezone,
                              client_slug=client.slug, template_version=templates.version, sheets=sheets)


# --- card contents --------------------------------------------------------------------------


def _card_cells(spec: SheetSpec, layout: CardLayout, *, client: ClientInfo, templates: Templates,
                vocabularies: Mapping[str, Vocabulary]) -> tuple[DesiredCell, ...]:
    card = spec.card
    assert card is not None
    loc = client.locale
    bold = {"textFormat": {"bold": True}}
    cells = [DesiredCell(0, 0, text_cell(card.heading.get(loc).format(client=client.name),
                                         textFormat={"bold": True, "fontSize": 14}))]
    for f in card.fields:
        r = layout.field_rows[f.key]
        cells.append(DesiredCell(r, 0, text_cell(f.label.get(loc), **bold)))
        if f.source == "sync.last_success":
            fmt: dict[str, Any] = {"numberFormat": {"type": "DATE_TIME", "pattern": f.format or "yyyy-mm-dd hh:mm"}}
            cells.append(DesiredCell(r, 1, text_cell("—", **fmt), managed=False))
            continue
        cells.append(DesiredCell(r, 1, _card_value(f.source, f.link_text.get(loc) if f.link_text else None, client)))
    # live counters over the synced sheets, found by column key (the sheet shows localised labels)
    cnt = card.counters
    status_vocab = vocabularies[cnt.vocabulary]
    title_row = min(layout.counter_rows.values()) - 1
    cells.append(DesiredCell(title_row, 0, text_cell(cnt.title.get(loc), **bold)))
    for value, r in layout.counter_rows.items():
        entry = next(e for e in status_vocab.values if e.value == value)
        label = entry.label(loc)
        parts = [f"COUNTIF({_column_range(templates[k], cnt.column, loc)},{quote_string(label)})" for k in cnt.sheets]
        fmt = {"backgroundColor": rgb(entry.colour)} if entry.colour else {}
        cells.append(DesiredCell(r, 0, text_cell(label, **fmt)))
        cells.append(DesiredCell(r, 1, formula_cell("=" + "+".join(parts), horizontalAlignment="LEFT")))
    if layout.total_row is not None and cnt.total_label and cnt.total_sheet and cnt.total_column:
        rng = _column_range(templates[cnt.total_sheet], cnt.total_column, loc)
        cells.append(DesiredCell(layout.total_row, 0, text_cell(cnt.total_label.get(loc), **bold)))
        cells.append(DesiredCell(layout.total_row, 1, formula_cell(f"=COUNTA({rng})", horizontalAlignment="LEFT",
                                                                   textFormat={"bold": True})))
    # tasks waiting on the client: heading + column headers managed; the rows belong to the sync
    w = card.waiting
    cells.append(DesiredCell(layout.waiting_title_row, 0, text_cell(w.title.get(loc), **bold)))
    for i, h in enumerate(w.headers):
        cells.append(DesiredCell(layout.waiting_first_row - 1, i,
                                 text_cell(h.get(loc), textFormat={"bold": True}, backgroundColor=rgb(HEADER_BG))))
    cells.append(DesiredCell(layout.waiting_first_row, 1, text_cell(w.empty.get(loc)), managed=False))
    for r in range(layout.waiting_first_row, layout.waiting_first_row + layout.waiting_rows):
        cells.append(DesiredCell(r, 3, days_cell(spec), fields=DAYS_FIELDS))
    # legend
    lg = card.legend
    cells.append(DesiredCell(layout.legend_first_row - 1, 0, text_cell(lg.title.get(loc), **bold)))
    r = layout.legend_first_row
    for e in vocabularies[lg.vocabulary].values:
        fmt = {"backgroundColor": rgb(e.colour)} if e.colour else {}
        cells.append(DesiredCell(r, 0, text_cell(e.label(loc), **fmt)))
        r += 1
    for x in lg.extra:
        cells.append(DesiredCell(r, 0, text_cell(x.label.get(loc), backgroundColor=rgb(x.colour))))
        r += 1
    return tuple(cells)


def _column_range(spec: SheetSpec, key: str, locale: str) -> str:
    """``'Бэклог'!$J$2:$J`` — the data cells of column ``key`` of the sheet ``spec``."""
    letter = rowcol_to_a1(1, spec.index_of(key) + 1)[:-1]
    return f"{quote_sheet(spec.title_for(locale))}!${letter}$2:${letter}"


def _card_value(source: str, link_text: str | None, client: ClientInfo) -> dict[str, Any]:
    if source == "client.name":
        return text_cell(client.name)
    if source == "client.contacts":
        return text_cell(client.contacts or "—", wrapStrategy="WRAP")
    if source == "client.manager":
        if client.manager_name and client.manager_email:
            return text_cell(f"{client.manager_name} <{client.manager_email}>")
        return text_cell(client.manager_email or client.manager_name or "—")
    if source == "client.tracker_url":
        url = client.tracker_url or ""
        if _SAFE_URL.match(url):
            return formula_cell(f"=HYPERLINK({quote_string(url)},{quote_string(link_text or url)})")
        return text_cell(url or "—")
    raise ValueError(f"card field source {source!r} is unknown; use client.name, client.contacts, client.manager, "
                     f"client.tracker_url or sync.last_success")
