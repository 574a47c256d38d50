"""Loading and validating `sheetsync.toml`.

`load_config(path | dict | None)` returns a typed `Config`; `None` gives built-in defaults that work
out of the box (embedded emulator, SQLite file under ./data). Every problem is reported as
``key.path: expected <what>, got <value>`` so a person can fix the file without reading code.
Relative paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .vocabulary import STAGE_STATUSES

CONFIG_ENV = "SHEETSYNC_CONFIG"
DEFAULT_CONFIG_NAME = "sheetsync.toml"

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WORKWEEK: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")  # a specialist's default working days
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SYNCED_TASK_FIELDS = (
    "title", "expected_result", "task_type", "role", "assignee", "estimate_hours", "estimate_source", "priority",
    "status", "period", "start_date", "deadline", "done_date", "actual_hours", "client_comment", "forced",
    "plan_note",
)

_EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_KEY_RE = r"^[a-z0-9][a-z0-9_-]*$"
_TIME_RE = r"^([01]\d|2[0-3]):[0-5]\d$"
_SCHEDULE_RE = re.compile(r"^(daily|mon|tue|wed|thu|fri|sat|sun|every \d+ ?(s|m|h))( ([01]\d|2[0-3]):[0-5]\d)?$")

# what each field holds, in words; used to turn a validation error into "expected ..."
Email = Annotated[str, Field(pattern=_EMAIL_RE, description="an email address like name@example.com")]
Key = Annotated[str, Field(pattern=_KEY_RE, max_length=64,
                           description="a short key of lowercase letters, digits, '-' or '_' (e.g. dev)")]
Name = Annotated[str, Field(min_length=1, max_length=200, description="a non-empty name")]
Hours = Annotated[float, Field(gt=0, le=168, description="a positive number of hours")]
Share = Annotated[float, Field(gt=0, le=1, description="a share between 0 and 1 (e.g. 0.5)")]


class ConfigError(ValueError):
    """The configuration is invalid; `problems` lists every ``path: expected ..., got ...`` line."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f" in {source}" if source else ""
        super().__init__(f"invalid configuration{where}:\n  " + "\n  ".join(problems))


def _check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone") from None
    return name


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class AgencyConfig(_Model):
    name: Name = "Agency"
    timezone: str = Field("Europe/Moscow", description="an IANA time zone such as Europe/Moscow")
    locale: Literal["ru", "en"] = Field("ru", description="ru or en")
    currency: str = Field("RUB", pattern=r"^[A-Z]{3}$", description="a three-letter ISO currency code such as RUB")
    holidays_country: str = Field("RU", description="a country code the `holidays` library knows, such as RU")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _check_timezone(v)

    @field_validator("holidays_country")
    @classmethod
    def _country(cls, v: str) -> str:
        if v.upper() not in _holiday_countries():
            raise ValueError("unknown holidays country")
        return v.upper()


class DepartmentConfig(_Model):
    key: Key
    name: Name
    monthly_minimum: Decimal = Field(Decimal(0), ge=0, description="the monthly minimum turnover, a number >= 0")


class SpecialistConfig(_Model):
    email: Email
    name: Name
    role: Key
    weekly_hours: float = Field(40.0, gt=0, le=168, description="a positive number of hours")
    working_days: list[Weekday] = Field(
        default_factory=lambda: list(WORKWEEK),
        min_length=1, description='a list of days from "mon" to "sun"',
    )
    department: str | None = None
    active: bool = True


class TaskTypeConfig(_Model):
    key: Key
    name: Name
    role: Key
    default_estimate_hours: float | None = Field(None, gt=0, le=10_000, description="a positive number of hours")


class MetricConfig(_Model):
    key: Key
    name: Name
    unit: str = ""
    direction: Literal["up", "down"] = Field("up", description='"up" (more is better) or "down"')
    target: float | None = Field(None, description="a number")
    period: Literal["week", "month"] = Field("month", description='"week" or "month"')


class ClientConfig(_Model):
    slug: Key
    name: Name
    contacts: str = ""
    manager_email: Email | None = None
    tracker_url: str | None = Field(None, pattern=r"^https?://\S+$", description="an http(s) URL")
    viewer_emails: list[Email] = Field(default_factory=list)
    editor_emails: list[Email] = Field(default_factory=list)
    locale: Literal["ru", "en"] | None = Field(None, description="ru or en (default: the agency's locale)")
    timezone: str | None = Field(None, description="an IANA time zone such as Europe/Moscow")
    active: bool = True
    metrics: list[MetricConfig] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str | None) -> str | None:
        return v if v is None else _check_timezone(v)

    def store_fields(self, config: Config) -> dict[str, Any]:
        """The client's fields as the store holds them (defaults filled from the agency)."""
        return {
            "name": self.name,
            "contacts": self.contacts,
            "manager_email": self.manager_email,
            "tracker_url": self.tracker_url,
            "viewer_emails": list(self.viewer_emails),
            "editor_emails": list(self.editor_emails),
            "locale": self.locale or config.agency.locale,
            "timezone": self.timezone or config.agency.timezone,
            "active": self.active,
        }


#: the databases the store runs on (SQLAlchemy driver names); anything else is refused when the config loads
STORE_BACKENDS = ("sqlite", "postgresql", "postgresql+psycopg", "postgres")
STORE_URL_FORMS = "sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"


class StoreConfig(_Model):
    url: str | None = Field(None, description="a database URL (sqlite:///path or postgresql+psycopg://...)")

    @field_validator("url")
    @classmethod
    def _supported(cls, v: str | None) -> str | None:
        scheme = v.split("://", 1)[0].lower() if v and "://" in v else None
        if scheme is not None and scheme not in STORE_BACKENDS:
            raise ValueError(f"store.url: expected a SQLite or PostgreSQL URL ({STORE_URL_FORMS}) — the two "
                             f"databases sheetsync supports, got a {scheme}:// URL")
        return v


#: the name of the account ``[backend]`` itself configures (credentials / the emulator's default user)
DEFAULT_ACCOUNT = "default"


class AccountConfig(_Model):
    """One more service account of the pool (``[[backend.accounts]]``); clients are spread over the accounts.

    Google: ``credentials`` is the account's JSON key file. Emulator: ``user`` is the identity it acts as.
    """

    name: Key
    credentials: Path | None = None
    user: Email | None = None

    @field_validator("credentials", mode="before")
    @classmethod
    def _a_path_not_the_key(cls, v: Any) -> Any:
        if isinstance(v, Mapping) or (isinstance(v, str) and _looks_like_content(v)):
            raise ValueError("backend.accounts[].credentials holds the key itself, not a file path: save the JSON "
                             "key to a file readable only by the daemon's user (chmod 600) and set credentials to "
                             "that file's path")
        return v


class BackendConfig(_Model):
    type: Literal["emulator", "google"] = Field("emulator", description='"emulator" or "google"')
    data_dir: Path | None = None
    credentials: Path | None = None
    # Where provisioning creates spreadsheets: a shared drive (required for a service account, which owns
    # no Drive storage) and/or a folder (in that drive, or in the OAuth user's My Drive).
    shared_drive_id: str | None = Field(None, min_length=1, description="a shared drive id (from its URL)")
    folder_id: str | None = Field(None, min_length=1, description="a Drive folder id (from its URL)")
    # Google credentials: `credentials` is the path of a service-account key or authorized-user JSON file;
    # unset: $GOOGLE_APPLICATION_CREDENTIALS, else Application Default Credentials. `subject`: domain-wide
    # delegation, the Workspace user the service account acts as.
    subject: Email | None = None
    # more service accounts (a pool): each has its own per-user quota; `[backend]` itself is the "default" one
    accounts: list[AccountConfig] = Field(default_factory=list)

    @field_validator("credentials", mode="before")
    @classmethod
    def _a_path_not_the_key(cls, v: Any) -> Any:
        # a key pasted as content (a string, or a TOML table of its fields) must never be echoed back
        if isinstance(v, Mapping):
            raise ValueError("backend.credentials holds the key's fields, not a file path: save the JSON key to a "
                             "file readable only by the daemon's user (chmod 600) and set backend.credentials "
                             "to that file's path")
        if isinstance(v, str) and _looks_like_content(v):
            raise ValueError("backend.credentials holds JSON text, not a file path: save it to a file readable only "
                             "by the daemon's user (chmod 600) and set backend.credentials to that file's path")
        return v

    @model_validator(mode="after")
    def _subject_needs_google(self) -> BackendConfig:
        if self.subject is not None and self.type != "google":
            raise ValueError(f"backend.subject: expected no subject for the {self.type} backend (domain-wide "
                             "delegation is a Google set-up), got a subject")
        problems = _account_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def account_names(self) -> list[str]:
        """Every account's name, the default one first."""
        return [DEFAULT_ACCOUNT, *(a.name for a in self.accounts)]

    def account(self, name: str | None) -> AccountConfig | None:
        """The pool account called ``name``; None for the default one (``[backend]`` itself)."""
        if name in (None, DEFAULT_ACCOUNT):
            return None
        for a in self.accounts:
            if a.name == name:
                return a
        raise KeyError(f"no account {name!r} in backend.accounts; known: {', '.join(self.account_names)}")


def _account_problems(b: BackendConfig) -> list[str]:
    """``backend.accounts[i].key: expected ..., got ...`` for each pool account that cannot work."""
    from sheetsync.sheets.client import DEFAULT_EMULATOR_USER

    out: list[str] = []
    names: dict[str, int] = {}
    users: dict[str, int] = {}
    keys: dict[str, int] = {}
    for i, a in enumerate(b.accounts):
        where = f"backend.accounts[{i}]"
        if a.name == DEFAULT_ACCOUNT:
            out.append(f'{where}.name: expected a name other than "{DEFAULT_ACCOUNT}" (that is [backend]\'s own '
                       f'account), got "{a.name}"')
        elif a.name in names:
            out.append(f"{where}.name: expected a name not used by backend.accounts[{names[a.name]}], got {a.name!r}")
        names.setdefault(a.name, i)
        if b.type == "google":
            if a.credentials is None:
                out.append(f"{where}.credentials: expected the path of this service account's JSON key file, "
                           "but it is missing")
            elif str(a.credentials) in keys:
                out.append(f"{where}.credentials: expected a key file not used by backend.accounts"
                           f"[{keys[str(a.credentials)]}] (one key per account), got {str(a.credentials)!r}")
            elif b.credentials is not None and a.credentials == b.credentials:
                out.append(f"{where}.credentials: expected a key file other than backend.credentials (that is the "
                           f"default account's), got {str(a.credentials)!r}")
            if a.credentials is not None:
                keys.setdefault(str(a.credentials), i)
            if a.user is not None:
                out.append(f"{where}.user: expected no user for the google backend (the key file says who the "
                           f"account is), got {a.user!r}")
        else:
            if a.user is None:
                out.append(f"{where}.user: expected the emulator user this account acts as (an email like "
                           "sync-2@agency.test), but it is missing")
            elif a.user.lower() == DEFAULT_EMULATOR_USER or a.user.lower() in users:
                other = (f"backend.accounts[{users[a.user.lower()]}]" if a.user.lower() in users
                         else "the default account")
                out.append(f"{where}.user: expected an email not used by {other}, got {a.user!r}")
            if a.user is not None:
                users.setdefault(a.user.lower(), i)
            if a.credentials is not None:
                out.append(f"{where}.credentials: expected no credentials for the emulator backend (give a user), "
                           f"got {str(a.credentials)!r}")
    return out


def _looks_like_content(text: str) -> bool:
    from sheetsync.sheets.client import looks_like_content

    return looks_like_content(text)


class QuotaConfig(_Model):
    """Per-minute request limits the daemon's shared budget keeps under (default: Google's default quotas).

    Raise them only if your Google project's quota was raised. Several daemon workers on one PostgreSQL
    store share one budget (docs/operations.md), so every worker gets the same whole limits.
    """

    read_per_user: int | None = Field(None, gt=0, description="a whole number of requests per minute > 0")
    read_per_project: int | None = Field(None, gt=0, description="a whole number of requests per minute > 0")
    write_per_user: int | None = Field(None, gt=0, description="a whole number of requests per minute > 0")
    write_per_project: int | None = Field(None, gt=0, description="a whole number of requests per minute > 0")
    enabled: bool | None = Field(None, description="true or false (false: no client-side budget)")


class SharingConfig(_Model):
    client_role: Literal["reader", "commenter"] = Field("reader", description='"reader" or "commenter"')
    manager_role: Literal["writer"] = "writer"
    notify: bool = False
    # the daemon's sharing check: every N minutes, one Drive permissions.list per client; 0 = off
    check_interval_minutes: int = Field(60, ge=0, le=10_080,
                                        description="a whole number of minutes from 0 (off) to 10080 (a week)")


#: the shortest sync interval the config and `sheetsync run --interval` accept (Google's quotas need the room)
MIN_SYNC_INTERVAL_SECONDS = 5
MAX_SYNC_INTERVAL_SECONDS = 86_400
#: who wins a conflict per field group unless the config says otherwise
DEFAULT_CONFLICT_POLICY: dict[str, Literal["sheet", "store"]] = {"default": "sheet", "team": "store"}


class SyncConfig(_Model):
    interval_seconds: int = Field(60, ge=MIN_SYNC_INTERVAL_SECONDS, le=MAX_SYNC_INTERVAL_SECONDS,
                                  description="a whole number of seconds from 5 to 86400")
    mass_delete_max_rows: int = Field(10, ge=1, description="a whole number of rows >= 1")
    mass_delete_max_share: Share = 0.5
    mass_delete_min_rows: int = Field(3, ge=1, description="a whole number of rows >= 1")
    field_groups: dict[str, list[str]] = Field(default_factory=lambda: {"team": ["actual_hours", "done_date"]})
    conflict_policy: dict[str, Literal["sheet", "store"]] = Field(
        default_factory=lambda: dict(DEFAULT_CONFLICT_POLICY), description='"sheet" or "store"'
    )

    @model_validator(mode="after")
    def _groups(self) -> SyncConfig:
        for group, fields in self.field_groups.items():
            for f in fields:
                if f not in SYNCED_TASK_FIELDS:
                    raise ValueError(
                        f"sync.field_groups.{group}: expected task fields ({', '.join(SYNCED_TASK_FIELDS)}), got {f!r}"
                    )
        for group in self.conflict_policy:
            if group != "default" and group not in self.field_groups:
                raise ValueError(
                    f"sync.conflict_policy.{group}: expected \"default\" or a group from sync.field_groups "
                    f"({', '.join(self.field_groups) or 'none'}), got {group!r}"
                )
        return self

    @property
    def default_winner(self) -> str:
        return self.conflict_policy.get("default", "sheet")


class PlanningConfig(_Model):
    period: Literal["week", "month"] = Field("week", description='"week" or "month"')
    min_sample_size: int = Field(5, ge=1, description="a whole number >= 1 (finished tasks needed to auto-estimate)")
    reminder_working_days: int = Field(3, ge=1, description="a whole number of working days >= 1")
    auto_estimate: bool = True


NORM_STATUSES = STAGE_STATUSES  # done/cancelled have no norm
WorkingDays = Annotated[int, Field(ge=1, le=366, description="a whole number of working days from 1 to 366")]


class StagesConfig(_Model):
    """Norms per task status (working days on the agency calendar) and who hears of overruns.

    ``norms`` maps a status to its norm; a status not listed gets ``default_working_days`` (0: no norm).
    ``clients.<slug>`` overrides norms for one client. ``leads`` maps a manager's email to their lead's:
    a task over ``escalation_factor`` x its norm goes into the lead's digest.
    """

    default_working_days: int = Field(0, ge=0, le=366,
                                      description="a whole number of working days from 0 (no norm) to 366")
    norms: dict[str, WorkingDays] = Field(  # no description: errors name the value's (WorkingDays)
        default_factory=lambda: {"waiting_client": 3, "review": 2, "planned": 5})
    clients: dict[str, dict[str, WorkingDays]] = Field(
        default_factory=dict,
        description="a table per client slug of status = a whole number of working days from 1 to 366")
    escalation_factor: float = Field(1.5, ge=1, le=100,
                                     description="a number >= 1 (1.5: the lead hears of a task at 1.5x its norm)")
    leads: dict[str, Email] = Field(default_factory=dict)  # errors name the value's description (Email)
    client_visible: list[str] = Field(
        default_factory=lambda: ["waiting_client"],
        description="a list of statuses whose time in stage the client's spreadsheet shows (statuses: "
                    + ", ".join(NORM_STATUSES) + ")")

    @model_validator(mode="after")
    def _keys(self) -> StagesConfig:
        problems: list[str] = []
        expected = f"a status ({', '.join(NORM_STATUSES)})"
        for status in self.norms:
            if status not in NORM_STATUSES:
                problems.append(f"stages.norms.{status}: expected {expected}, got {status!r}")
        for slug, norms in self.clients.items():
            for status in norms:
                if status not in NORM_STATUSES:
                    problems.append(f"stages.clients.{slug}.{status}: expected {expected}, got {status!r}")
        for manager in self.leads:
            if not re.match(_EMAIL_RE, manager):
                problems.append(f"stages.leads: expected a manager's email as the key, got {manager!r}")
        for i, status in enumerate(self.client_visible):
            if status not in NORM_STATUSES:
                problems.append(f"stages.client_visible[{i}]: expected {expected}, got {status!r}")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def with_waiting_default(self, reminder_working_days: int) -> StagesConfig:
        """The waiting-on-the-client norm defaults to ``planning.reminder_working_days``: a config that
        sets only the older key keeps reminding after that many days. Mutates ``norms`` in place (the
        one mutable part) and returns self."""
        if "waiting_client" not in self.norms or "norms" not in self.model_fields_set:
            self.norms["waiting_client"] = reminder_working_days
        return self

    def norm(self, status: str, client: str | None = None) -> int | None:
        """The norm in working days for a status (the client's override first); None: no norm."""
        if client is not None and status in self.clients.get(client, {}):
            return self.clients[client][status]
        if status in self.norms:
            return self.norms[status]
        if status in NORM_STATUSES and self.default_working_days:
            return self.default_working_days
        return None

    def lead_of(self, manager: str | None) -> str | None:
        if not manager:
            return None
        low = {m.lower(): lead.lower() for m, lead in self.leads.items()}
        return low.get(manager.lower())


class MetricsConfig(_Model):
    report_threshold: Share = Field(0.8, description="a share between 0 and 1 of the target (e.g. 0.8)")


class InvoicesConfig(_Model):
    meeting_weekday: Weekday = Field("wed", description='a day from "mon" to "sun"')
    meeting_time: str = Field("11:00", pattern=_TIME_RE, description="a time as HH:MM")
    concentration_share: Share = Field(0.5, description="a share between 0 and 1 (e.g. 0.5)")
    editor_emails: list[Email] = Field(default_factory=list)
    spreadsheet_title: str = "Turnover plan"


class ScheduleConfig(_Model):
    """When the daemon runs each job: "daily HH:MM", "<weekday> HH:MM" or "every N s|m|h"."""

    sync: str = Field("every 60s", description='"daily HH:MM", "<weekday> HH:MM" or "every N s|m|h"')
    plan: str = Field("mon 09:00", description='"daily HH:MM", "<weekday> HH:MM" or "every N s|m|h"')
    invoices: str = Field("wed 09:00", description='"daily HH:MM", "<weekday> HH:MM" or "every N s|m|h"')
    reminders: str = Field("daily 10:00", description='"daily HH:MM", "<weekday> HH:MM" or "every N s|m|h"')
    metrics: str = Field("daily 08:00", description='"daily HH:MM", "<weekday> HH:MM" or "every N s|m|h"')
    # the in-work sheet's "days in stage" and the card's waiting list, brought up to the new working day
    stage_clock: str = Field("daily 00:05", description='"daily HH:MM", "<weekday> HH:MM" or "every N s|m|h"')

    @field_validator("*")
    @classmethod
    def _spec(cls, v: str) -> str:
        if not _SCHEDULE_RE.match(v) or (v.split()[0] in (*WEEKDAYS, "daily") and len(v.split()) != 2):
            raise ValueError("bad schedule")
        return v


class Config(_Model):
    agency: AgencyConfig = Field(default_factory=AgencyConfig)
    data_dir: Path = Path("data")
    departments: list[DepartmentConfig] = Field(default_factory=list)
    specialists: list[SpecialistConfig] = Field(default_factory=list)
    task_types: list[TaskTypeConfig] = Field(default_factory=list)
    clients: list[ClientConfig] = Field(default_factory=list)
    store: StoreConfig = Field(default_factory=StoreConfig)
    backend: BackendConfig = Field(default_factory=BackendConfig)
    sharing: SharingConfig = Field(default_factory=SharingConfig)
    quota: QuotaConfig | None = None
    sync: SyncConfig = Field(default_factory=SyncConfig)
    planning: PlanningConfig = Field(default_factory=PlanningConfig)
    stages: StagesConfig = Field(default_factory=StagesConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    invoices: InvoicesConfig = Field(default_factory=InvoicesConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    # where the file was loaded from (None for dicts/defaults); relative paths resolve against base_dir
    path: Path | None = None
    base_dir: Path = Field(default_factory=Path.cwd)

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        problems: list[str] = []
        for name, items, attr in (
            ("departments", self.departments, "key"),
            ("specialists", self.specialists, "email"),
            ("task_types", self.task_types, "key"),
            ("clients", self.clients, "slug"),
        ):
            seen: dict[str, int] = {}
            for i, item in enumerate(items):
                value = getattr(item, attr)
                if value in seen:
                    problems.append(
                        f"{name}[{i}].{attr}: expected a value not used by {name}[{seen[value]}], got {value!r}"
                    )
                seen.setdefault(value, i)
        departments = {d.key for d in self.departments}
        for i, sp in enumerate(self.specialists):
            if sp.department is not None and sp.department not in departments:
                problems.append(
                    f"specialists[{i}].department: expected one of the departments' keys "
                    f"({', '.join(sorted(departments)) or 'none defined'}), got {sp.department!r}"
                )
        for i, c in enumerate(self.clients):
            keys = [m.key for m in c.metrics]
            for j, k in enumerate(keys):
                if k in keys[:j]:
                    problems.append(f"clients[{i}].metrics[{j}].key: expected a key not used twice, got {k!r}")
        self.stages.with_waiting_default(self.planning.reminder_working_days)
        slugs = {c.slug for c in self.clients}
        for slug in self.stages.clients:
            if slug not in slugs:
                problems.append(f"stages.clients.{slug}: expected one of the clients' slugs "
                                f"({', '.join(sorted(slugs)) or 'none defined'}), got {slug!r}")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # --- derived locations -------------------------------------------------------------------

    def resolve(self, path: Path | str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def data_path(self) -> Path:
        return self.resolve(self.data_dir)

    @property
    def store_url(self) -> str:
        """The store URL; default: a SQLite file `sheetsync.db` in the data directory."""
        if self.store.url:
            url = self.store.url
            if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
                rel = url.removeprefix("sqlite:///")
                if rel and rel != ":memory:":
                    return f"sqlite:///{self.resolve(rel)}"
            return url
        return f"sqlite:///{self.data_path / 'sheetsync.db'}"

    @property
    def emulator_dir(self) -> Path:
        return self.resolve(self.backend.data_dir) if self.backend.data_dir else self.data_path / "emulator"

    @property
    def credentials_path(self) -> Path | None:
        if self.backend.credentials is not None:
            return self.resolve(self.backend.credentials)
        env = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
        return Path(env) if env else None

    def client(self, slug: str) -> ClientConfig:
        for c in self.clients:
            if c.slug == slug:
                return c
        raise KeyError(f"no client {slug!r} in the config; known: {', '.join(c.slug for c in self.clients) or 'none'}")


# --- loading ---------------------------------------------------------------------------------


def load_config(source: str | Path | Mapping[str, Any] | Config | None = None) -> Config:
    """Load and validate a config from a TOML file, a dict, or nothing (built-in defaults)."""
    if isinstance(source, Config):
        return source
    if source is None:
        return _validate({}, "built-in defaults", base_dir=Path.cwd(), path=None)
    if isinstance(source, Mapping):
        return _validate(dict(source), "the given settings", base_dir=Path.cwd(), path=None)
    path = Path(source).expanduser()
    if path.is_dir():
        raise ConfigError([f"{path}: expected a TOML config file, but this is a folder (give the file's path, "
                           f"e.g. {path / DEFAULT_CONFIG_NAME})"])
    if not path.is_file():
        raise ConfigError(
            [f"{path}: expected a TOML config file, but there is no such file (`sheetsync init` writes a starter one)"]
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"], str(path)) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: expected UTF-8 text"], str(path)) from None
    return _validate(data, str(path), base_dir=path.resolve().parent, path=path.resolve())


def config_path(option: str | Path | None) -> Path | None:
    """The config file a command should use: --config, else $SHEETSYNC_CONFIG, else ./sheetsync.toml if present."""
    if option:
        return Path(option)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    local = Path(DEFAULT_CONFIG_NAME)
    return local if local.is_file() else None


def _validate(data: dict[str, Any], source: str, *, base_dir: Path, path: Path | None) -> Config:
    for reserved in ("path", "base_dir"):
        if reserved in data:
            raise ConfigError([f"{reserved}: expected no such key (it is set by sheetsync), got {_show(data[reserved])}"],
                              source)
    try:
        return Config.model_validate({**data, "base_dir": base_dir, "path": path})
    except ValidationError as exc:
        raise ConfigError(_problems(exc), source) from None


def _problems(exc: ValidationError) -> list[str]:
    out: list[str] = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in _PYDANTIC_TAGS))]
        path = _format_path(loc)
        msg = str(err.get("msg", ""))
        if err["type"] == "value_error":  # our own validators already wrote a full sentence or a short reason
            text = msg.removeprefix("Value error, ")
            if ": expected " in text or text.startswith(f"{path} holds "):
                out.extend(text.splitlines())
                continue
        if err["type"] == "missing":
            out.append(f"{path}: expected {_expected(loc) or 'a value'}, but it is missing")
            continue
        if err["type"] == "extra_forbidden":
            parent = _field_owner(loc[:-1])
            known = ", ".join(parent.model_fields) if parent else ""
            out.append(f"{path}: unknown key (known keys here: {known})")
            continue
        expected = _expected(loc) or (msg.removeprefix("Input should be ") if msg else "a valid value")
        out.append(f"{path}: expected {expected}, got {_show(err.get('input'))}")
    return out


_PYDANTIC_TAGS = {"function-after", "function-before", "function-plain", "function-wrap", "literal"}


def _format_path(loc: list[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _field_owner(loc: list[Any]) -> type[BaseModel] | None:
    model: Any = Config
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return None
        model = _inner_model(model.model_fields[part].annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", None)
    if args:
        for a in args:
            inner = _inner_model(a)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return annotation


def _expected(loc: list[Any]) -> str | None:
    """The field's description ("a positive number of hours"), found by walking the models along loc."""
    names = [p for p in loc if not isinstance(p, int)]
    for end in range(len(names), 0, -1):  # a dict's keys are not fields: fall back to the dict's own field
        owner = _field_owner(names[: end - 1])
        if owner is not None and names[end - 1] in owner.model_fields:
            return _describe(owner.model_fields[names[end - 1]])
    return None


def _describe(info: Any) -> str | None:
    if info.description:
        return info.description
    for meta in info.metadata:
        desc = getattr(meta, "description", None)
        if desc:
            return desc
    inner = _inner_model(info.annotation)
    for arg in getattr(info.annotation, "__args__", ()) or ():
        for meta in getattr(arg, "__metadata__", ()) or ():
            if getattr(meta, "description", None):
                return meta.description
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return f"a table with keys {', '.join(f for f in inner.model_fields)}"
    return None


_SECRET_KEYS = frozenset({"private_key", "private_key_id", "client_secret", "refresh_token", "access_token",
                          "token", "password", "secret"})


def _secretish(value: Any) -> bool:
    """Key material that must never be echoed in an error (docs/safety.md, "no secret is printed"), however pasted."""
    if isinstance(value, str):
        from sheetsync.sheets.client import looks_like_content

        return "PRIVATE KEY" in value or (looks_like_content(value) and any(k in value for k in _SECRET_KEYS))
    if isinstance(value, Mapping):
        return any(str(k).lower() in _SECRET_KEYS for k in value) or any(_secretish(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_secretish(v) for v in value)
    return False


def _show(value: Any) -> str:
    if _secretish(value):
        return "(a value that holds a secret; not shown)"
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


@cache
def _holiday_countries() -> frozenset[str]:
    import holidays

    return frozenset(holidays.list_supported_countries())
