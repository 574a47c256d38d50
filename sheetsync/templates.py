"""Declarative sheet templates (``sheet_templates/*.toml``) as typed, frozen specs.

A template says what a sheet looks like — columns, types, widths, who may edit, validation,
formats, formulas, conditional formats, protection — in both locales. Provisioning turns specs
into a spreadsheet; the sync reads column keys and types from them. Loading validates every
file up front so a typo fails at start-up with the file and key named, not mid-sync.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from gspread.utils import rowcol_to_a1
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Locale = Literal["ru", "en"]
ColumnType = Literal["text", "int", "number", "hours", "date", "enum", "email", "url", "bool"]
Editor = Literal["manager", "client", "nobody"]
SheetRole = Literal["synced", "generated", "card"]

#: the sheets of a client's spreadsheet, in tab order
CLIENT_KINDS: tuple[str, ...] = ("card", "backlog", "in_work", "plan_schedule", "metrics")
#: the agency's turnover spreadsheet
AGENCY_KINDS: tuple[str, ...] = ("invoices",)
#: vocabularies whose values come from the store at provisioning time, not from vocabularies.toml
DYNAMIC_VOCABULARIES: tuple[str, ...] = ("specialists", "task_types", "roles", "clients", "departments")

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "sheet_templates"
VOCABULARIES_FILE = "vocabularies.toml"

_PLACEHOLDER = re.compile(r"\{(col|label):([^{}]+)\}")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")

# default number formats per column type: (NumberFormat.type, pattern per locale)
_DEFAULT_FORMATS: dict[str, tuple[str, dict[str, str]]] = {
    "int": ("NUMBER", {"ru": "0", "en": "0"}),
    "number": ("NUMBER", {"ru": "#,##0.##", "en": "#,##0.##"}),
    "hours": ("NUMBER", {"ru": "0.0", "en": "0.0"}),
    "date": ("DATE", {"ru": "dd.mm.yyyy", "en": "yyyy-mm-dd"}),
}


def locale_of(locale: str | None, default: Locale = "ru") -> Locale:
    """The one rule for a locale: ``ru`` or ``en`` as given, anything else ``default``.

    Every localised text (labels, notes, formats) is picked through this, so no module decides alone
    what an unknown or missing locale means."""
    if locale == "en":
        return "en"
    return "ru" if locale == "ru" else default


def default_format(column_type: str, locale: str) -> dict[str, str] | None:
    """The NumberFormat (Sheets API shape) a column of this type gets in ``locale`` unless its template
    names one; None: plain text."""
    default = _DEFAULT_FORMATS.get(column_type)
    if default is None:
        return None
    return {"type": default[0], "pattern": default[1][locale_of(locale)]}


class TemplateError(ValueError):
    """A template file is wrong; the message names the file and the key."""


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class L10n(_Spec):
    """A text in every supported locale."""

    ru: str
    en: str

    def get(self, locale: str) -> str:
        return {"ru": self.ru, "en": self.en}[locale_of(locale)]


class Validation(_Spec):
    """Number bounds for int/number/hours columns; ``strict`` rejects bad input instead of warning."""

    min: float | None = None
    max: float | None = None
    strict: bool = True


class ColumnSpec(_Spec):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    header: L10n
    type: ColumnType = "text"
    width: Annotated[int, Field(ge=20, le=2000)] = 120
    edit: Editor = "nobody"
    vocabulary: str | None = None
    validation: Validation | None = None
    format: str | L10n | None = None
    formula: str | None = None
    # a value sheetsync writes itself, computed outside the sheet (not a store field, never read back):
    # "stage_clock" = working days the task has been in its status (planning/stageclock.py)
    source: Literal["stage_clock"] | None = None
    note: L10n | None = None

    @model_validator(mode="after")
    def _check(self) -> ColumnSpec:
        if self.type == "enum" and not self.vocabulary:
            raise ValueError(f"column {self.key!r} has type 'enum' but no vocabulary = \"...\"")
        if self.vocabulary and self.type != "enum":
            raise ValueError(f"column {self.key!r} names vocabulary {self.vocabulary!r} but its type is "
                             f"{self.type!r}; use type = \"enum\"")
        if self.formula is not None and not self.formula.startswith("="):
            raise ValueError(f"column {self.key!r}: formula must start with '='")
        if self.formula is not None and self.edit != "nobody":
            raise ValueError(f"column {self.key!r} is computed (has a formula) so edit must be \"nobody\"")
        if self.source is not None and (self.formula is not None or self.edit != "nobody"):
            raise ValueError(f"column {self.key!r} is written by sheetsync (source = {self.source!r}) so it has "
                             f"no formula and edit must be \"nobody\"")
        if self.validation and self.type not in ("int", "number", "hours"):
            raise ValueError(f"column {self.key!r}: min/max validation needs type int, number or hours")
        return self

    @property
    def computed(self) -> bool:
        """A formula column (the sheet computes it) or one sheetsync writes (``source``): not a store field."""
        return self.formula is not None or self.source is not None

    def number_format(self, locale: str) -> dict[str, str] | None:
        """The NumberFormat (Sheets API shape) cells of this column get, or None for plain text."""
        if self.format is not None:
            pattern = self.format.get(locale) if isinstance(self.format, L10n) else self.format
            kind = "DATE" if self.type == "date" else ("PERCENT" if pattern.endswith("%") else "NUMBER")
            return {"type": kind, "pattern": pattern}
        return default_format(self.type, locale)


class ConditionalFormatSpec(_Spec):
    """Either one rule per vocabulary value coloured by it, or one custom-formula rule."""

    columns: tuple[str, ...]
    colours_from: str | None = None
    formula: str | None = None
    background: Annotated[str, Field(pattern=_COLOUR.pattern)] | None = None
    bold: bool = False

    @model_validator(mode="after")
    def _check(self) -> ConditionalFormatSpec:
        if (self.colours_from is None) == (self.formula is None):
            raise ValueError("a conditional format needs exactly one of colours_from = \"<vocabulary>\" or formula")
        if self.formula is not None and self.background is None and not self.bold:
            raise ValueError("a formula conditional format needs background = \"#RRGGBB\" or bold = true")
        return self


class CardField(_Spec):
    key: str
    label: L10n
    source: str
    link_text: L10n | None = None
    format: str | None = None


class CardCounters(_Spec):
    title: L10n
    vocabulary: str
    column: str
    sheets: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    total_label: L10n | None = None
    total_sheet: str | None = None
    total_column: str | None = None


class CardWaiting(_Spec):
    title: L10n
    headers: tuple[L10n, L10n, L10n, L10n]
    rows: Annotated[int, Field(ge=1, le=200)] = 15
    days_format: Annotated[str, Field(min_length=1, max_length=40)] = "0"  # NUMBER pattern of the "days" column
    empty: L10n


class LegendExtra(_Spec):
    label: L10n
    colour: Annotated[str, Field(pattern=_COLOUR.pattern)]


class CardLegend(_Spec):
    title: L10n
    vocabulary: str
    extra: tuple[LegendExtra, ...] = ()


class CardSpec(_Spec):
    heading: L10n
    fields: tuple[CardField, ...]
    counters: CardCounters
    waiting: CardWaiting
    legend: CardLegend


class SheetSpec(_Spec):
    kind: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    version: Annotated[int, Field(ge=1)]
    title: L10n
    role: SheetRole
    protect: Literal["columns", "sheet"] = "columns"
    frozen_rows: Annotated[int, Field(ge=0, le=10)] = 1
    frozen_columns: Annotated[int, Field(ge=0, le=10)] = 0
    id_column: str | None = None
    columns: tuple[ColumnSpec, ...]
    conditional_formats: tuple[ConditionalFormatSpec, ...] = ()
    card: CardSpec | None = None

    @model_validator(mode="after")
    def _check(self) -> SheetSpec:
        keys = [c.key for c in self.columns]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"duplicate column keys: {', '.join(dupes)}")
        if self.role == "synced":
            if not self.id_column:
                raise ValueError("a synced sheet needs id_column = \"<column key>\"")
            if self.frozen_rows < 1:
                raise ValueError("a synced sheet needs frozen_rows >= 1 (its header row)")
        if self.id_column is not None:
            if self.id_column not in keys:
                raise ValueError(f"id_column {self.id_column!r} is not one of the columns ({', '.join(keys)})")
            if self.column(self.id_column).edit != "nobody":
                raise ValueError(f"the ID column {self.id_column!r} must have edit = \"nobody\"")
        if (self.role == "card") != (self.card is not None):
            raise ValueError("role = \"card\" and a [card] section go together")
        for cf in self.conditional_formats:
            for k in cf.columns:
                if k not in keys:
                    raise ValueError(f"conditional format names column {k!r}, which this sheet does not have")
            if cf.formula:
                self._check_placeholders(cf.formula, keys, "conditional format")
        for c in self.columns:
            if c.formula:
                self._check_placeholders(c.formula, keys, f"column {c.key!r}")
        return self

    @staticmethod
    def _check_placeholders(formula: str, keys: list[str], where: str) -> None:
        for kind, arg in _PLACEHOLDER.findall(formula):
            if kind == "col" and arg not in keys:
                raise ValueError(f"{where}: formula refers to {{col:{arg}}} but there is no column {arg!r}")
            if kind == "label" and "." not in arg:
                raise ValueError(f"{where}: {{label:{arg}}} must be {{label:<vocabulary>.<value>}}")

    # --- lookups ----------------------------------------------------------------------------
    def column(self, key: str) -> ColumnSpec:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"sheet {self.kind!r} has no column {key!r}")

    def index_of(self, key: str) -> int:
        """The column's 0-based position in the template (and in a repaired sheet)."""
        for i, c in enumerate(self.columns):
            if c.key == key:
                return i
        raise KeyError(f"sheet {self.kind!r} has no column {key!r}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def store_fields(self) -> tuple[str, ...]:
        """Columns that hold a store field (everything but computed columns)."""
        return tuple(c.key for c in self.columns if not c.computed)

    def title_for(self, locale: str) -> str:
        return self.title.get(locale)

    def headers(self, locale: str) -> list[str]:
        """The header row in ``locale``."""
        return [c.header.get(locale) for c in self.columns]


class VocabularyEntry(_Spec):
    value: str
    ru: str
    en: str
    colour: Annotated[str, Field(pattern=_COLOUR.pattern)] | None = None

    def label(self, locale: str) -> str:
        return {"ru": self.ru, "en": self.en}[locale_of(locale)]


class Vocabulary(_Spec):
    """A list of store values with their labels (and colours) per locale."""

    name: str
    values: tuple[VocabularyEntry, ...]

    def label(self, value: str, locale: str) -> str:
        for e in self.values:
            if e.value == value:
                return e.label(locale)
        raise KeyError(f"vocabulary {self.name!r} has no value {value!r}")

    def labels(self, locale: str) -> list[str]:
        return [e.label(locale) for e in self.values]

    def value_for(self, label: str, locale: str) -> str | None:
        """The store value a label typed in the sheet stands for (case- and space-insensitive)."""
        want = " ".join(label.split()).casefold()
        for e in self.values:
            if e.label(locale).casefold() == want or e.value.casefold() == want:
                return e.value
        return None

    @classmethod
    def plain(cls, name: str, values: Iterable[str]) -> Vocabulary:
        """A dynamic vocabulary (e.g. specialists' emails) whose labels are the values themselves."""
        return cls(name=name, values=tuple(VocabularyEntry(value=v, ru=v, en=v) for v in values))

    @classmethod
    def dynamic(cls, name: str, values: Iterable[str], labelled: Vocabulary | None = None,
                names: Mapping[str, str] | None = None) -> Vocabulary:
        """A store vocabulary (task types, roles): the store says which values exist, ``labelled`` (the
        templates' vocabulary of that name) gives their labels; a value it lacks shows ``names[value]``
        (a task type's name from the config) or the value itself."""
        known = {e.value: e for e in labelled.values} if labelled is not None else {}
        names = names or {}
        out = []
        for v in dict.fromkeys(values):
            if v in known:
                out.append(VocabularyEntry(value=v, ru=known[v].ru, en=known[v].en, colour=known[v].colour))
            else:
                text = names.get(v) or v
                out.append(VocabularyEntry(value=v, ru=text, en=text))
        return cls(name=name, values=tuple(out))


class Templates(_Spec):
    """Every sheet spec and static vocabulary, loaded from one directory."""

    sheets: Mapping[str, SheetSpec]
    vocabularies: Mapping[str, Vocabulary]
    directory: str = ""

    def __getitem__(self, kind: str) -> SheetSpec:
        try:
            return self.sheets[kind]
        except KeyError:
            raise KeyError(f"no template for sheet kind {kind!r} in {self.directory}; "
                           f"have: {', '.join(sorted(self.sheets))}") from None

    @property
    def client_sheets(self) -> list[SheetSpec]:
        return [self[k] for k in CLIENT_KINDS]

    @property
    def version(self) -> str:
        """One string naming every client template's version, e.g. ``card1.backlog2...``."""
        return ".".join(f"{s.kind}{s.version}" for s in self.client_sheets)

    def formula(self, kind: str, template: str, row: int, locale: str) -> str:
        """Expand ``{col:key}`` (this row's cell of column ``key``) and ``{label:vocab.value}``."""
        spec = self[kind]

        def sub(m: re.Match[str]) -> str:
            what, arg = m.group(1), m.group(2)
            if what == "col":
                return rowcol_to_a1(row, spec.index_of(arg) + 1)
            vocab, _, value = arg.partition(".")
            return self.vocabularies[vocab].label(value, locale).replace('"', '""')

        return _PLACEHOLDER.sub(sub, template)


def _where(loc: tuple[Any, ...], data: Mapping[str, Any]) -> str:
    """Turn a pydantic location like ('columns', 3, 'type') into 'columns[3] (key "status").type'."""
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            try:
                node = node[item]
                if isinstance(node, Mapping) and "key" in node:
                    label += f" (key {node['key']!r})"
            except (IndexError, KeyError, TypeError):
                node = None
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, Mapping) else None
    return "".join(parts) or "(top level)"


def _parse(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise TemplateError(f"{path}: not valid TOML: {e}. Fix the syntax and retry.") from None


def load_sheet(path: str | os.PathLike[str]) -> SheetSpec:
    """Load and validate one sheet template file."""
    path = Path(path)
    data = _parse(path)
    try:
        spec = SheetSpec.model_validate(data)
    except ValidationError as e:
        lines = [f"{_where(err['loc'], data)}: {err['msg']}" for err in e.errors()]
        raise TemplateError(f"{path}: invalid template:\n  " + "\n  ".join(lines)) from None
    if spec.kind != path.stem:
        raise TemplateError(f"{path}: kind = {spec.kind!r} but the file is named {path.name!r}; "
                            f"name the file {spec.kind}.toml or fix kind")
    return spec


def load_vocabularies(path: str | os.PathLike[str]) -> dict[str, Vocabulary]:
    path = Path(path)
    data = _parse(path)
    out: dict[str, Vocabulary] = {}
    for name, body in data.items():
        try:
            out[name] = Vocabulary.model_validate({"name": name, **body})
        except (ValidationError, TypeError) as e:
            msgs = ([f"{_where(err['loc'], body)}: {err['msg']}" for err in e.errors()]
                    if isinstance(e, ValidationError) else [str(e)])
            raise TemplateError(f"{path}: vocabulary [{name}] is invalid:\n  " + "\n  ".join(msgs)) from None
    return out


def templates_dir(directory: str | os.PathLike[str] | None = None) -> Path:
    """The template folder: ``directory``, else ``$SHEETSYNC_TEMPLATES``, else the packaged one."""
    return Path(directory or os.environ.get("SHEETSYNC_TEMPLATES") or DEFAULT_DIR)


def load_templates(directory: str | os.PathLike[str] | None = None) -> Templates:
    """Load every ``*.toml`` sheet template and ``vocabularies.toml`` from ``directory``.

    Default: ``$SHEETSYNC_TEMPLATES`` or the ``sheet_templates/`` folder next to the package.
    Cross-file references (vocabularies, counter sheets and columns) are checked here.
    """
    directory = templates_dir(directory)
    if not directory.is_dir():
        raise TemplateError(f"template directory {directory} does not exist; set SHEETSYNC_TEMPLATES or pass "
                            f"the folder holding card.toml, backlog.toml, ...")
    vocab_file = directory / VOCABULARIES_FILE
    vocabularies = load_vocabularies(vocab_file) if vocab_file.exists() else {}
    sheets = {p.stem: load_sheet(p) for p in sorted(directory.glob("*.toml")) if p.name != VOCABULARIES_FILE}
    missing = [k for k in CLIENT_KINDS if k not in sheets]
    if missing:
        raise TemplateError(f"{directory}: missing template(s) {', '.join(f'{k}.toml' for k in missing)}")
    known = set(vocabularies) | set(DYNAMIC_VOCABULARIES)
    for spec in sheets.values():
        where = directory / f"{spec.kind}.toml"
        for c in spec.columns:
            if c.vocabulary and c.vocabulary not in known:
                raise TemplateError(f"{where}: column {c.key!r} uses vocabulary {c.vocabulary!r}, which is "
                                    f"neither in vocabularies.toml nor one of {', '.join(DYNAMIC_VOCABULARIES)}")
        for cf in spec.conditional_formats:
            if cf.colours_from and cf.colours_from not in vocabularies:
                raise TemplateError(f"{where}: conditional format colours_from {cf.colours_from!r} is not in "
                                    f"vocabularies.toml")
        for text in [c.formula for c in spec.columns] + [cf.formula for cf in spec.conditional_formats]:
            for what, arg in _PLACEHOLDER.findall(text or ""):
                if what == "label":
                    vocab, _, value = arg.partition(".")
                    if vocab not in vocabularies or value not in {e.value for e in vocabularies[vocab].values}:
                        raise TemplateError(f"{where}: formula uses {{label:{arg}}} but vocabularies.toml has no "
                                            f"value {value!r} in [{vocab}]")
        if spec.card is not None:
            cnt = spec.card.counters
            for name in (cnt.vocabulary, spec.card.legend.vocabulary):
                if name not in vocabularies:
                    raise TemplateError(f"{where}: [card] uses vocabulary {name!r}, not in vocabularies.toml")
            for kind in [*cnt.sheets, *([cnt.total_sheet] if cnt.total_sheet else [])]:
                if kind not in sheets:
                    raise TemplateError(f"{where}: [card.counters] counts over sheet {kind!r}, which has no template")
            for kind in cnt.sheets:
                if cnt.column not in sheets[kind].keys:
                    raise TemplateError(f"{where}: [card.counters] column {cnt.column!r} is not in {kind}.toml")
            if cnt.total_sheet and cnt.total_column not in sheets[cnt.total_sheet].keys:
                raise TemplateError(f"{where}: [card.counters] total_column {cnt.total_column!r} is not in "
                                    f"{cnt.total_sheet}.toml")
    return Templates(sheets=sheets, vocabularies=vocabularies, directory=str(directory))
