"""The domain's words in one place: task statuses and their groups, invoice statuses, roles and task
types, and how each is said in a sheet's language.

Values and groups are code (the store keeps the values, the planner and the sync decide by the
groups); their labels come only from the templates' ``vocabularies.toml``, read through the templates
loader the first time a label is asked for. A few words that are not store values (``… and 3 more``,
``2nd``, a number's decimal mark) sit in :data:`WORDS` and :data:`NUMBER_MARKS` here, so no module
branches on the locale itself: it looks the text up, and :func:`locale_of` says what an unknown locale
means.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from .templates import (
    DEFAULT_DIR,
    VOCABULARIES_FILE,
    Locale,
    Vocabulary,
    load_vocabularies,
    locale_of,
    templates_dir,
)

__all__ = [
    "BACKLOG_STATUSES", "ESTIMATE_SOURCES", "FALSE_WORDS", "FORECAST_INVOICE_STATUSES", "INVOICE_STATUSES",
    "IN_WORK_STATUSES", "LOCALES", "NUMBER_MARKS", "OPEN_IN_WORK_STATUSES", "SPREADSHEET_LOCALES",
    "STAGE_STATUSES", "TASK_STATUSES", "TERMINAL_STATUSES", "TRUE_WORDS", "WORDS", "Locale", "Words",
    "decimal_mark", "enum_labels", "label", "local_number", "locale_of", "ordinal", "role_label",
    "status_from_label", "status_label", "task_type_label", "vocabularies",
]

LOCALES: tuple[Locale, ...] = ("ru", "en")

# --- task statuses and their groups ------------------------------------------------------------
#: every task status, in the order sheets list them (vocabularies.toml [task_status] has the same values)
TASK_STATUSES = ("backlog", "planned", "in_progress", "waiting_client", "review", "done", "cancelled")
#: statuses of the backlog sheet
BACKLOG_STATUSES = frozenset({"backlog"})
#: taken into work and not finished: what the schedule plans and the stage clock counts
OPEN_IN_WORK_STATUSES = frozenset({"planned", "in_progress", "waiting_client", "review"})
#: statuses of the in-work sheet (done tasks stay there)
IN_WORK_STATUSES = OPEN_IN_WORK_STATUSES | {"done"}
#: finished either way: never overdue, never reminded of
TERMINAL_STATUSES = frozenset({"done", "cancelled"})
#: statuses a task waits in, in workflow order (each may have a norm of days; done/cancelled have none)
STAGE_STATUSES = ("backlog", "planned", "in_progress", "waiting_client", "review")

ESTIMATE_SOURCES = ("manual", "auto")

# --- invoices ----------------------------------------------------------------------------------
INVOICE_STATUSES = ("planned", "issued", "paid", "cancelled")
#: money still expected: counted in the month's forecast
FORECAST_INVOICE_STATUSES = frozenset({"planned", "issued"})


# --- labels, from the templates ----------------------------------------------------------------
@cache
def _vocabularies(directory: Path) -> Mapping[str, Vocabulary]:
    packaged = load_vocabularies(DEFAULT_DIR / VOCABULARIES_FILE)
    own = directory / VOCABULARIES_FILE
    if directory.resolve() == DEFAULT_DIR or not own.exists():
        return MappingProxyType(packaged)
    return MappingProxyType({**packaged, **load_vocabularies(own)})


def vocabularies() -> Mapping[str, Vocabulary]:
    """The static vocabularies of the templates ``load_templates()`` reads (``$SHEETSYNC_TEMPLATES`` or the
    packaged ones); one a folder lacks comes from the packaged templates. Read once per folder."""
    return _vocabularies(templates_dir())


def label(vocabulary: str, value: str, locale: str) -> str:
    """``value``'s label in ``locale``; a value the vocabulary lacks shows as itself."""
    vocab = vocabularies().get(vocabulary)
    if vocab is None:
        return value
    for e in vocab.values:
        if e.value == value:
            return e.label(locale)
    return value


def enum_labels(vocabulary: str) -> dict[str, dict[str, str]]:
    """``{value: {"ru": label, "en": label}}``: the shape the sync's enum columns take."""
    return {e.value: {"ru": e.ru, "en": e.en} for e in vocabularies()[vocabulary].values}


def status_label(status: str, locale: str) -> str:
    """A task status as a sheet in ``locale`` shows it (``in_progress`` -> ``В работе``)."""
    return label("task_status", status, locale)


def status_from_label(text: str, locale: str | None = None) -> str | None:
    """The status a label (or the value itself) typed in a sheet stands for, in ``locale`` or, without one,
    in any locale; case and spacing do not matter. None: not a status."""
    vocab = vocabularies()["task_status"]
    for loc in (locale,) if locale is not None else LOCALES:
        value = vocab.value_for(text, loc)
        if value is not None:
            return value
    return None


def role_label(role: str, locale: str) -> str:
    """A role's label; a role without one in ``[roles]`` shows its key."""
    return label("roles", role, locale)


def task_type_label(key: str, locale: str, name: str | None = None) -> str:
    """A task type's label; one without a label in ``[task_types]`` shows ``name`` (from the config) or its key."""
    shown = label("task_types", key, locale)
    return name if shown == key and name else shown


# --- words that are not store values -------------------------------------------------------------
class Words:
    """Texts in both locales by key, with ``str.format`` fields; looked up, never branched on.

    ``default`` is the locale a text is read in when the one asked for is neither ru nor en."""

    def __init__(self, texts: Mapping[str, tuple[str, str]], default: Locale = "ru") -> None:
        self._texts = {k: {"ru": ru, "en": en} for k, (ru, en) in texts.items()}
        self.default = default

    def __call__(self, key: str, locale: str | None, /, **fields: object) -> str:
        return self._texts[key][locale_of(locale, self.default)].format(**fields)

    def __contains__(self, key: object) -> bool:
        return key in self._texts


WORDS = Words({
    "and_more": ("… и ещё {n}", "… +{n}"),  # the last row of a list cut short
    "ordinal": ("{n}-й", "{n}{en_suffix}"),  # use ordinal(): it fills in the English suffix
})


def ordinal(n: int, locale: str) -> str:
    """``2-й`` / ``2nd``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return WORDS("ordinal", locale, n=n, en_suffix=suffix)


#: a status as prose ("waiting on the client since …") in digests and reminders, not the sheet's label
STATUS_PHRASES: Mapping[str, tuple[str, str]] = MappingProxyType({
    "backlog": ("в бэклоге", "in the backlog"),
    "planned": ("запланирована, не начата", "planned, not started"),
    "in_progress": ("в работе", "in progress"),
    "waiting_client": ("ждёт клиента", "waiting on the client"),
    "review": ("на проверке", "in review"),
    "done": ("выполнена", "done"),
    "cancelled": ("отменена", "cancelled"),
})


def status_phrase(status: str, locale: str = "ru") -> str:
    """``ждёт клиента`` / ``waiting on the client`` (an unknown status as it is)."""
    ru, en = STATUS_PHRASES.get(status, (status, status))
    return en if locale == "en" else ru


def working_days(n: int, locale: str) -> str:
    """``3 рабочих дня`` / ``3 working days``, with the Russian plural rule."""
    if locale == "en":
        return f"{n} working day" + ("" if n == 1 else "s")
    if n % 10 == 1 and n % 100 != 11:
        word = "рабочий день"
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        word = "рабочих дня"
    else:
        word = "рабочих дней"
    return f"{n} {word}"


#: (thousands separator, decimal mark) of numbers written as text in a sheet's language
NUMBER_MARKS: Mapping[Locale, tuple[str, str]] = MappingProxyType({"ru": (" ", ","), "en": (",", ".")})


def decimal_mark(locale: str) -> str:
    return NUMBER_MARKS[locale_of(locale)][1]


def local_number(text: str, locale: str) -> str:
    """A number formatted the Python way (``1,234.50``) with the locale's marks (``1 234,50``)."""
    thousands, decimal = NUMBER_MARKS[locale_of(locale)]
    return text.translate({ord(","): thousands, ord("."): decimal})


#: a spreadsheet's own locale (its number and date formats, function names) per sheet language
SPREADSHEET_LOCALES: Mapping[str, str] = MappingProxyType({"ru": "ru_RU", "en": "en_US"})

#: what people type in a yes/no cell (either language), folded to lower case
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "да", "истина", "✓", "x"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "нет", "ложь"})
