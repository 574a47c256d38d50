"""CSV import and export of clients, tasks, invoices and metric values.

An import is one transaction: every row is checked (each in its own savepoint) and, if any row is
bad, nothing is written and every bad row is reported by line number — unless `skip_bad=True`,
which keeps the good rows and reports the rest. Column sets: see `COLUMNS` and docs/store.md.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from .clients import CLIENT_COLUMNS
from .csv_rows import READ_ONLY, ImportReport, RowError, present
from .csv_tasks import import_tasks
from .errors import StoreError
from .invoices import INVOICE_COLUMNS
from .metrics import METRIC_VALUE_COLUMNS
from .models import Client, Invoice
from .tasks import TASK_COLUMNS
from .values import parse_date

if TYPE_CHECKING:
    from .facade import Store

KINDS = ("clients", "tasks", "invoices", "metric_values")
COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": CLIENT_COLUMNS,
    "tasks": TASK_COLUMNS,
    "invoices": INVOICE_COLUMNS,
    "metric_values": METRIC_VALUE_COLUMNS,
}
# columns an import must have; with a `key` column, rows may update existing records with fewer
# columns (the creating ones still need the rest). Export-only columns (versions, timestamps) are ignored.
REQUIRED = {
    "clients": ("slug",),
    "tasks": ("client",),
    "invoices": ("client",),
    "metric_values": ("client", "metric", "date", "value"),
}
REQUIRED_WITHOUT_KEY = {"clients": ("name",), "tasks": ("title",), "invoices": ("amount", "planned_date")}
class CsvImportError(StoreError):
    """Bad rows in an import; nothing was written. `report.errors` has every bad line."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        shown = "\n  ".join(str(e) for e in report.errors[:20])
        more = f"\n  ... and {len(report.errors) - 20} more" if len(report.errors) > 20 else ""
        super().__init__(
            f"{report.path}: {len(report.errors)} bad row(s), nothing was imported:\n  {shown}{more}\n"
            "Fix the rows, or pass skip_bad=True (--skip-bad) to import the good rows and skip these."
        )


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise StoreError(f"unknown data kind {kind!r}: expected one of {', '.join(KINDS)}")


# --- export ----------------------------------------------------------------------------------


# OWASP "CSV Injection": a cell starting with one of these is taken as a formula by Excel/LibreOffice/
# Sheets; exported text that does gets a leading single quote (and so does text that starts with a quote
# followed by one of them or by another quote, so the import can take exactly one quote off again).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_text(text: str) -> str:
    """Text as written to a CSV cell: never read as a formula by a spreadsheet program."""
    if text.startswith(FORMULA_START) or (text.startswith("'") and text[1:2] and text[1] in "=+-@\t\r'"):
        return "'" + text
    return text


def unescape_text(cell: str) -> str:
    """The inverse of :func:`escape_text` (other text is left alone)."""
    if cell.startswith("'") and cell[1:2] and cell[1] in "=+-@\t\r'":
        return cell[1:]
    return cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return escape_text("; ".join(str(v) for v in value))
    if isinstance(value, (int, float)):
        return str(value)
    return escape_text(str(value))


def export_rows(store: Store, kind: str, client: Any = None) -> Iterator[dict[str, str]]:
    _check_kind(kind)
    if kind == "clients":
        frame = store.clients.to_dataframe(active=None)
        if client is not None:
            frame = frame[frame["slug"] == store.clients.get(client).slug]
    elif kind == "tasks":
        frame = store.tasks.to_dataframe(client, include_deleted=False)
    elif kind == "invoices":
        frame = store.invoices.to_dataframe(client)
    else:
        frame = store.metrics.to_dataframe(client)
    for record in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        yield {c: _cell(record.get(c)) for c in COLUMNS[kind]}


def export_csv(store: Store, kind: str, path: str | Path, *, client: Any = None) -> int:
    """Write `kind` as CSV (UTF-8, comma, header row); returns the number of data rows."""
    rows = list(export_rows(store, kind, client))
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS[kind]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


# --- import ----------------------------------------------------------------------------------


SAVE_AS_UTF8 = ("save it as UTF-8 (Excel: “CSV UTF-8”; LibreOffice: character set Unicode (UTF-8)), "
                "or convert it: iconv -f ITS-ENCODING -t utf-8")


def _decode(path: Path) -> str:
    """The file's text, its encoding detected by a strict cascade: UTF-32/16 with a BOM (Excel's "Unicode
    text"), UTF-8 with or without a BOM, then Windows-1251 (what Russian Excel saves as "CSV").

    cp1251 decodes almost any bytes, so it is taken only when the text it gives looks like Russian text
    (:func:`_looks_cyrillic`); anything else (UTF-16 without its BOM, Latin-1) is one line saying where
    and what to do: a wrong guess would silently import mojibake."""
    data = path.read_bytes()
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise StoreError(f"{path}: not valid {encoding.upper()} text despite its byte-order mark "
                                 f"(byte {exc.start}); {SAVE_AS_UTF8}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            text = ""
        if not _looks_cyrillic(text):
            raise StoreError(f"{path}: line {line} is neither UTF-8 nor Windows-1251 (cp1251) text; "
                             f"{SAVE_AS_UTF8}") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise StoreError(f"{path}: line {line} holds NUL characters (UTF-16 without a byte-order mark?); "
                         f"{SAVE_AS_UTF8}")
    return text


_MIXED_WORD = re.compile(r"[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]")


def _looks_cyrillic(text: str) -> bool:
    """Most non-ASCII characters are Cyrillic letters or Russian typography, and no word mixes Latin and
    Cyrillic letters (Latin-1 "Crème" read as cp1251 is "Crиme": accented letters land on Cyrillic ones)."""
    other = [c for c in text if ord(c) > 127]
    if not other or _MIXED_WORD.search(text):
        return False
    russian = sum(1 for c in other if "\u0400" <= c <= "\u04ff" or c in "«»—–№…“”„’‘•·°±§©®™")
    return russian >= 0.9 * len(other)


def _read(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    text = _decode(path)
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            _row(cells, reader.line_num, rows, header)
            if header is None:
                header = [h.strip() for h in cells]
    except csv.Error as exc:
        raise StoreError(f"{path}: line {reader.line_num}: not readable as CSV ({exc}); check its quotes") from None
    return header or [], rows


def _row(cells: list[str], line: int, rows: list[tuple[int, dict[str, str]]], header: list[str] | None) -> None:
    """One data row (after the header) into ``rows``; a row with more cells than the header is an error."""
    if header is None or not any(c.strip() for c in cells):
        return
    if len(cells) > len(header):
        rows.append((line, {"__error__": f"{len(cells)} cells but the header has {len(header)} columns"}))
        return
    cells = [unescape_text(c) for c in cells]
    row = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
    for col in DATE_COLUMNS.intersection(row):
        row[col] = sheet_date_to_iso(row[col])
    rows.append((line, row))


#: the columns that hold dates (in any kind); they take the sheet's own form 24.11.2026 besides 2026-11-24
DATE_COLUMNS = frozenset({"start_date", "deadline", "done_date", "planned_date", "paid_date", "date"})
_SHEET_DATE = re.compile(r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*")


def sheet_date_to_iso(text: str) -> str:
    """``24.11.2026`` (as the Russian sheet shows and takes dates) as ``2026-11-24``; anything else unchanged.

    An impossible day (31.02.2026) is left as it is, so the row is reported bad with the value as typed."""
    m = _SHEET_DATE.fullmatch(text)
    if not m:
        return text
    try:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
    except ValueError:
        return text


def import_csv(store: Store, kind: str, path: str | Path, *, skip_bad: bool = False, origin: str = "import",
               actor: str = "") -> ImportReport:
    _check_kind(kind)
    path = Path(path)
    report = ImportReport(kind=kind, path=str(path))
    if not path.is_file():
        raise StoreError(f"{path}: no such file")
    header, rows = _read(path)
    unknown = [h for h in header if h not in COLUMNS[kind]]
    required = REQUIRED[kind] + (() if "key" in header else REQUIRED_WITHOUT_KEY.get(kind, ()))
    missing = [h for h in required if h not in header]
    if unknown or missing:
        problems = []
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        if missing:
            problems.append(f"missing required column(s) {', '.join(missing)}")
        report.errors.append(RowError(1, "; ".join(problems) + f" (the {kind} columns are: {', '.join(COLUMNS[kind])})"))
        raise CsvImportError(report)
    with store.session() as s:
        if kind == "tasks":
            import_tasks(store, s, rows, report, skip_bad=skip_bad, origin=origin, actor=actor)
        else:
            _import_rows(store, s, kind, rows, report, origin=origin, actor=actor)
        if report.errors and not skip_bad:
            s.rollback()
            raise CsvImportError(report)
    report.written = True
    return report


def _import_rows(store: Store, s: Session, kind: str, rows: list[tuple[int, dict[str, str]]],
                 report: ImportReport, *, origin: str, actor: str) -> None:
    """One row at a time, each in its own savepoint (clients, invoices and metric values are few)."""
    importer = _IMPORTERS[kind]
    for line, raw in rows:
        if "__error__" in raw:
            report.errors.append(RowError(line, raw["__error__"]))
            continue
        values = {k: v for k, v in raw.items() if k not in READ_ONLY}
        savepoint = s.begin_nested()
        try:
            outcome = importer(store, s, values, origin=origin, actor=actor)
            savepoint.commit()
        except (StoreError, ValueError, IntegrityError) as exc:
            savepoint.rollback()
            report.errors.append(RowError(line, _reason(exc)))
            continue
        except SQLAlchemyError as exc:
            savepoint.rollback()
            report.errors.append(RowError(line, f"the database refused the row: {exc.__class__.__name__}"))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)


def _reason(exc: Exception) -> str:
    if isinstance(exc, IntegrityError):
        return f"conflicts with existing data ({str(exc.orig).splitlines()[0]})"
    return str(exc)


def _import_client(store: Store, s: Session, values: Mapping[str, str], *, origin: str, actor: str) -> str:
    fields = present(values)
    slug = (fields.pop("slug") or "").strip()
    if not slug:
        raise StoreError("slug: expected the client's slug, got an empty cell")
    fields = {k: ("" if v is None and k == "contacts" else v) for k, v in fields.items()
              if not (v is None and k in ("locale", "timezone", "active"))}  # empty: keep / use the default
    for key in ("viewer_emails", "editor_emails"):
        if key in fields and fields[key] is None:
            fields[key] = []  # type: ignore[assignment]
    exists = s.scalars(select(Client).where(Client.slug == slug)).first()
    if exists is None:
        store.clients.create(slug, fields, origin=origin, actor=actor, session=s)
        return "created"
    before = s.scalar(select(Client.updated_at).where(Client.id == exists.id))
    after = store.clients.update(slug, fields, origin=origin, actor=actor, session=s).updated_at
    return "updated" if after != before else "unchanged"


def _import_invoice(store: Store, s: Session, values: Mapping[str, str], *, origin: str, actor: str) -> str:
    fields = present(values)
    key = fields.pop("key", None)
    client = fields.pop("client", None)
    department = fields.pop("department", None)
    if not client:
        raise StoreError("client: expected a client slug, got an empty cell")
    fields = {k: v for k, v in fields.items() if not (v is None and k in ("currency", "status", "description"))}
    if key:
        existing = s.scalars(select(Invoice).where(Invoice.key == key.strip())).first()
        if existing is not None:
            version = existing.version
            inv = store.invoices.update(key.strip(), fields, department=department, origin=origin, actor=actor,
                                        reason="import", session=s)
            return "updated" if inv.version != version else "unchanged"
    store.invoices.create(client.strip(), fields, department=department, key=key.strip() if key else None,
                          origin=origin, actor=actor, session=s)
    return "created"


def _import_metric_value(store: Store, s: Session, values: Mapping[str, str], *, origin: str, actor: str) -> str:
    fields = present(values)
    for required in ("client", "metric", "date", "value"):
        if not fields.get(required):
            raise StoreError(f"{required}: expected a value, got an empty cell")
    day = parse_date("metric_values.date", fields["date"])
    before = [v.value for v in store.metrics.values(fields["client"], fields["metric"],  # type: ignore[arg-type]
                                                    since=day, until=day, session=s)]
    mv = store.metrics.set_value(fields["client"], fields["metric"], day, fields["value"],  # type: ignore[arg-type]
                                 source=fields.get("source") or "import", period=fields.get("period"),
                                 origin=origin, actor=actor, session=s)
    if not before:
        return "created"
    return "unchanged" if before[0] == mv.value else "updated"


_IMPORTERS = {
    "clients": _import_client,
    "invoices": _import_invoice,
    "metric_values": _import_metric_value,
}
