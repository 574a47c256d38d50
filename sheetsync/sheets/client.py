"""``connect(backend)``: one small facade over a real ``gspread.Client`` for Google or the emulator.

gspread does the HTTP; under its session sits our :class:`~.retry.TransportAdapter` (timeouts,
shared quota budget, call counting, safe retries), so gspread objects obtained from ``client.gc``
get the same protection as the batched helpers here. The facade's own methods also translate
failures into :mod:`.errors` with a hint naming the account to share with.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gspread
import requests

from . import batch
from .budget import Budget, QuotaSettings
from .calls import CallCounts, CallStats
from .errors import AuthFailed, SheetsError, translate
from .retry import RetryPolicy, TransportAdapter, install

if TYPE_CHECKING:
    from gsheets_emulator import Emulator

    from sheetsync.config import Config

log = logging.getLogger(__name__)

SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive")
SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE_API = "https://www.googleapis.com/drive/v3"
CREDENTIAL_TYPES = ("service_account", "authorized_user")
DEFAULT_EMULATOR_USER = "sheetsync@agency.test"
SERVICE_ACCOUNT_SUFFIXES = (".iam.gserviceaccount.com", "@appspot.gserviceaccount.com")


@dataclass(frozen=True)
class Backend:
    """Where the spreadsheets live. ``kind`` is ``"emulator"`` (the default) or ``"google"``."""

    kind: str = "emulator"
    emulator: Emulator | None = None  # an existing emulator; else one is made (in memory or at emulator_path)
    emulator_path: str | None = None  # persisted emulator; one instance per path per process, shared by clients
    url: str | None = None  # an emulator served over loopback HTTP (`sheetsync emulator serve`)
    user: str = DEFAULT_EMULATOR_USER  # the identity sheetsync acts as on the emulator
    credentials_file: str | None = None  # Google: default $GOOGLE_APPLICATION_CREDENTIALS, else ADC
    subject: str | None = None  # Google: the Workspace user a service account acts as (domain-wide delegation)
    quota: QuotaSettings | None = None  # None: on for Google, on for the emulator only when it enforces quotas
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    shared_drive_id: str | None = None  # provisioning creates spreadsheets in this shared drive; the listing covers it
    folder_id: str | None = None  # ... in this folder (inside the shared drive, or in a user's My Drive)


@dataclass(frozen=True)
class CredentialInfo:
    """What the credentials are, without any secret in it (safe to print)."""

    path: str  # the file, or "application default credentials"
    type: str  # service_account | authorized_user | or, from ADC, the google-auth kind (compute_engine, ...)
    identity: str  # whom Google sees: the service-account email, the delegated subject, or the user
    project_id: str | None
    subject: str | None = None  # domain-wide delegation: the Workspace user the service account acts as
    service_account: str | None = None  # the service account's own email (also when acting as `subject`)
    adc: bool = False  # found by google.auth.default() (nothing configured)


ENV_VAR = "GOOGLE_APPLICATION_CREDENTIALS"
CONFIG_KEY = "backend.credentials"
ADC_SOURCE = "application default credentials"


def looks_like_content(value: str | os.PathLike[str] | None) -> bool:
    """True when a "path" is really pasted key material (JSON text, a PEM block): never print it."""
    if value is None:
        return False
    text = os.fspath(value)
    return "{" in text or "\n" in text or "-----BEGIN" in text


def pasted_content_error(where: str) -> AuthFailed:
    """The one-line error for key material pasted where a path belongs (the content is never shown)."""
    return AuthFailed(f"{where} holds JSON text, not a file path",
                      hint=f"save it to a file readable only by the daemon's user (chmod 600) and set {where} "
                           "to that file's path; see docs/google-setup.md")


def credentials_source(configured: str | None = None) -> tuple[str | None, str]:
    """The credentials file to use and where that setting came from (for messages): the configured
    path (``backend.credentials``), else $GOOGLE_APPLICATION_CREDENTIALS; (None, ...) means ADC."""
    if configured:
        return configured, CONFIG_KEY
    env = os.environ.get(ENV_VAR) or None
    return env, ENV_VAR if env else ADC_SOURCE


def credentials_path(configured: str | None = None) -> str | None:
    """The credentials file to use: the configured path, else $GOOGLE_APPLICATION_CREDENTIALS."""
    return credentials_source(configured)[0]


def _read_credentials(path: str | None, where: str = CONFIG_KEY) -> tuple[CredentialInfo, dict[str, Any]]:
    if not path:
        raise AuthFailed("no Google credentials configured",
                         hint=f"set {ENV_VAR} to a service-account JSON key file "
                              "(or `backend.credentials` in the config); see docs/google-setup.md")
    if looks_like_content(path):
        raise pasted_content_error(where)
    p = Path(path).expanduser()
    try:
        exists = p.is_file()
    except OSError as e:  # e.g. a name too long: say so without echoing it
        raise AuthFailed(f"{where} is not a usable file path ({e.strerror or type(e).__name__})",
                         hint=f"set {where} to the path of the JSON key file") from None
    if not exists:
        raise AuthFailed(f"the credentials file {p} does not exist",
                         hint=f"fix {where} to point to the JSON key you downloaded from the Cloud console")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise AuthFailed(f"the credentials file {p} is not readable JSON ({type(e).__name__})",
                         hint="download the key again from the Cloud console (IAM > Service accounts > Keys)") from None
    if not isinstance(data, dict):
        raise AuthFailed(f"the credentials file {p} is not a JSON object")
    kind = str(data.get("type", ""))
    if kind not in CREDENTIAL_TYPES:
        shown = kind if kind.isidentifier() and len(kind) < 40 else "(unrecognised)"
        raise AuthFailed(f"the credentials file {p} has type {shown or '(none)'!r}; sheetsync uses "
                         f"{' or '.join(CREDENTIAL_TYPES)}",
                         hint="create a service-account key (JSON) or an authorized-user file "
                              "(`gcloud auth application-default login --scopes=...`)")
    needed = ("client_email", "private_key") if kind == "service_account" else ("client_id", "client_secret",
                                                                                 "refresh_token")
    missing = [k for k in needed if not data.get(k)]
    if missing:
        raise AuthFailed(f"the credentials file {p} lacks {', '.join(missing)}",
                         hint="download a fresh key file; do not edit it by hand")
    email = data["client_email"] if kind == "service_account" else None
    identity = email or "the authorized user"
    return CredentialInfo(str(p), kind, identity, data.get("project_id") or data.get("quota_project_id"),
                          service_account=email), data


def inspect_credentials(path: str | None, where: str = CONFIG_KEY) -> CredentialInfo:
    """Check a credentials file exists and is a kind sheetsync can use, without contacting Google.
    ``where`` names the setting the path came from, for the messages."""
    return _read_credentials(path, where)[0]


def load_credentials(path: str | None, *, subject: str | None = None,
                     where: str | None = None) -> tuple[Any, CredentialInfo]:
    """google-auth credentials with the Sheets + Drive scopes, and their printable description.

    ``path`` None: Application Default Credentials (``google.auth.default()``). ``subject``: domain-wide
    delegation, the service account acting as that Workspace user (service-account keys only)."""
    from google.auth.exceptions import GoogleAuthError

    if not path:
        return _default_credentials(subject)
    info, data = _read_credentials(path, where or CONFIG_KEY)
    try:
        if info.type == "service_account":
            from google.oauth2 import service_account

            creds = service_account.Credentials.from_service_account_info(data, scopes=list(SCOPES))
        else:
            from google.oauth2.credentials import Credentials

            creds = Credentials.from_authorized_user_info(data, scopes=list(SCOPES))
    except (GoogleAuthError, ValueError, KeyError) as e:
        raise AuthFailed(f"google-auth could not load {info.path} ({type(e).__name__})",
                         hint="download the key again; the file is damaged or of an unsupported kind") from None
    if subject:
        creds, info = _delegate(creds, info, subject)
    log.info("Google credentials: %s %s from %s", info.type, _described(info), info.path)
    return creds, info


def _delegate(creds: Any, info: CredentialInfo, subject: str) -> tuple[Any, CredentialInfo]:
    if not hasattr(creds, "with_subject"):
        raise AuthFailed(f"backend.subject is set but the credentials are {info.type}, not a service-account key",
                         hint="domain-wide delegation needs a service-account key; remove backend.subject for "
                              "user credentials")
    return creds.with_subject(subject), replace(info, identity=subject, subject=subject)


def _described(info: CredentialInfo) -> str:
    if info.subject:
        return f"{info.service_account} acting as {info.subject}"
    return info.identity


def _default_credentials(subject: str | None) -> tuple[Any, CredentialInfo]:
    """Application Default Credentials: gcloud's `application-default login` file, or the metadata
    server on Google Cloud. A clear error when there are none."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError, GoogleAuthError

    try:
        creds, project = google.auth.default(scopes=list(SCOPES))
    except DefaultCredentialsError:
        raise AuthFailed(f"no Google credentials found: neither backend.credentials nor {ENV_VAR} is set, and "
                         "Application Default Credentials found none",
                         hint="set backend.credentials to a JSON key file, or run `gcloud auth application-default "
                              "login --scopes=" + ",".join(SCOPES) + "`; see docs/google-setup.md") from None
    except (GoogleAuthError, ValueError, KeyError) as e:
        raise AuthFailed(f"Application Default Credentials could not be loaded ({type(e).__name__})",
                         hint="run `gcloud auth application-default login` again, or set backend.credentials "
                              "to a JSON key file") from None
    kind = _adc_kind(creds)
    email = getattr(creds, "service_account_email", None)
    email = email if isinstance(email, str) and "@" in email else None
    identity = email or ("the authorized user" if kind == "authorized_user" else f"the {kind} identity")
    info = CredentialInfo(ADC_SOURCE, kind, identity, project or getattr(creds, "quota_project_id", None),
                          service_account=email, adc=True)
    if subject:
        creds, info = _delegate(creds, info, subject)
    log.info("Google credentials: %s %s from %s", info.type, _described(info), info.path)
    return creds, info


def _adc_kind(creds: Any) -> str:
    module = type(creds).__module__
    if module.endswith("service_account"):
        return "service_account"
    if module == "google.oauth2.credentials":
        return "authorized_user"
    if "compute_engine" in module:
        return "compute_engine"
    if "impersonated" in module:
        return "impersonated_service_account"
    return "external_account" if "external_account" in module or "identity_pool" in module else type(creds).__name__


class SheetsClient:
    """The transport facade: ``gc`` (gspread), raw ``request``, batched helpers and call counters."""

    def __init__(self, gc: gspread.Client, *, backend: str, identity: str, stats: CallStats,
                 budget: Budget | None, emulator: Emulator | None = None,
                 credentials: CredentialInfo | None = None, shared_drive_id: str | None = None,
                 folder_id: str | None = None) -> None:
        self.gc = gc
        self.http: gspread.HTTPClient = gc.http_client
        self.session: requests.Session = gc.http_client.session
        self.backend = backend
        self.identity = identity
        self.stats = stats
        self.budget = budget
        self.emulator = emulator
        self.credentials = credentials
        self.shared_drive_id = shared_drive_id
        self.folder_id = folder_id
        # the pool's other service accounts, name -> email (set by the App): provisioning and the sharing
        # check keep each client's own account as a writer and take back any other's access
        self.accounts: Mapping[str, str] = {}

    @property
    def is_service_account(self) -> bool:
        """Whether sheetsync acts as a service account (which owns no Drive storage of its own).

        Decided by the identity it acts as (``…@….iam.gserviceaccount.com``, or the legacy
        ``…@appspot.gserviceaccount.com``), so a service account impersonating a user through
        domain-wide delegation — whose identity is that user — is not one."""
        return self.identity.lower().endswith(SERVICE_ACCOUNT_SUFFIXES)

    def __repr__(self) -> str:
        return f"<SheetsClient {self.backend} as {self.identity}>"

    def close(self) -> None:
        """Release the HTTP session (the shared budget and the emulator stay for other clients)."""
        self.session.close()

    @contextmanager
    def guarded(self, guard: Callable[[], None], *, headers: Mapping[str, str] | None = None) -> Iterator[None]:
        """In this thread, for the block: ``guard()`` runs right before each write request is sent (it
        raises to stop the request: a daemon worker's fence), and ``headers`` go with every request
        (which worker and job sent it, for whoever reads the traffic)."""
        adapters = [a for a in self.session.adapters.values() if isinstance(a, TransportAdapter)]
        previous = [(getattr(a.local, "guard", None), getattr(a.local, "headers", None)) for a in adapters]
        for a in adapters:
            a.local.guard, a.local.headers = guard, dict(headers or {})
        try:
            yield
        finally:
            for a, (g, h) in zip(adapters, previous, strict=True):
                a.local.guard, a.local.headers = g, h

    # --- counting ---------------------------------------------------------------------------
    def counts(self) -> CallCounts:
        """A snapshot of the call counters (subtract two to measure one job)."""
        return self.stats.snapshot()

    # --- raw -------------------------------------------------------------------------------
    def request(self, method: str, url: str, *, params: dict[str, Any] | None = None,
                json_body: Any = None, what: str | None = None) -> Any:
        """One API call through gspread's HTTP client; returns the decoded JSON (or None)."""
        try:
            resp = self.http.request(method, url, params=params, json=json_body)
        except Exception as e:  # noqa: BLE001 - translated or re-raised unchanged
            err = translate(e, identity=self.identity, what=what)
            if err is e:
                raise
            raise err from e
        if not resp.content:
            return None
        return resp.json()

    # --- spreadsheets ------------------------------------------------------------------------
    def snapshot(self, spreadsheet_id: str, ranges: Sequence[str]) -> dict[str, list[list[Any]]]:
        return batch.snapshot(self, spreadsheet_id, ranges)

    def write_values(self, spreadsheet_id: str, updates: Iterable[tuple[str, Sequence[Sequence[Any]]]],
                     input_option: str = "RAW") -> dict[str, Any]:
        return batch.write_values(self, spreadsheet_id, updates, input_option=input_option)

    def batch_update(self, spreadsheet_id: str, requests_: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        return batch.batch_update(self, spreadsheet_id, requests_)

    def get_metadata(self, spreadsheet_id: str, fields: str | None = None, *,
                     ranges: Sequence[str] = ()) -> dict[str, Any]:
        return batch.get_metadata(self, spreadsheet_id, fields, ranges=ranges)

    def create_spreadsheet(self, body: dict[str, Any]) -> dict[str, Any]:
        return batch.create_spreadsheet(self, body)

    def create_spreadsheet_file(self, name: str, parent: str) -> str:
        return batch.create_spreadsheet_file(self, name, parent)

    # --- drive -------------------------------------------------------------------------------
    def list_modified(self, mime: str = batch.SPREADSHEET_MIME, since: Any = None, *,
                      query: str | None = None) -> list[batch.DriveFile]:
        return batch.list_modified(self, mime, since, query=query, drive_id=self.shared_drive_id)

    def file_version(self, file_id: str) -> tuple[str, int]:
        """(modifiedTime, version) of a file as Drive shows it now (one ``files.get``)."""
        return batch.file_version(self, file_id)

    def share(self, file_id: str, email: str, role: str, *, notify: bool = False) -> dict[str, Any]:
        return batch.share(self, file_id, email, role, notify=notify)

    def list_permissions(self, file_id: str) -> list[dict[str, Any]]:
        return batch.list_permissions(self, file_id)

    def remove_permission(self, file_id: str, permission_id: str) -> None:
        batch.remove_permission(self, file_id, permission_id)


def connect(backend: Backend | Emulator | None = None, *, budget: Budget | None = None,
            stats: CallStats | None = None, sleep: Callable[[float], None] | None = None,
            clock: Callable[[], float] | None = None) -> SheetsClient:
    """A :class:`SheetsClient` for ``backend`` (an :class:`Backend`, an ``Emulator``, or None for a new
    in-memory emulator).

    Pass one ``budget`` to every client of a process so all jobs share the quota; ``budget.close()``
    then stops them all promptly (waiting requests are abandoned unsent). ``sleep``/``clock`` are for
    tests (a fake clock)."""
    from gsheets_emulator import Emulator

    if backend is None:
        backend = Backend()
    elif isinstance(backend, Emulator):
        backend = Backend(emulator=backend)
    stats = stats or CallStats()
    policy = backend.retry
    clock_given = clock
    if backend.kind == "emulator" and backend.url:
        from gsheets_emulator.server import loopback_session

        emu = None
        gc = gspread.Client(auth=None, session=loopback_session(backend.url, backend.user))  # type: ignore[arg-type]  # no credentials: the session authenticates
        identity, creds_info = backend.user, None
        quota = backend.quota or QuotaSettings(enabled=False)  # the server's quotas are its own business
        clock = clock or time.monotonic
    elif backend.kind == "emulator":
        emu = backend.emulator if backend.emulator is not None else emulator_at(backend.emulator_path)
        gc = gspread.Client(auth=None, session=emu.session(backend.user))  # type: ignore[arg-type]  # no credentials: the session authenticates
        identity, creds_info = backend.user, None
        quota = backend.quota or _mirror_emulator_quota(emu)
        clock = clock or emu.clock
    elif backend.kind == "google":
        emu = None
        path, where = credentials_source(backend.credentials_file)
        creds, creds_info = load_credentials(path, subject=backend.subject, where=where)
        gc = gspread.Client(auth=creds)
        identity = creds_info.identity
        quota = backend.quota or QuotaSettings()
        clock = clock or time.monotonic
    else:
        raise SheetsError(f"unknown backend kind {backend.kind!r}",
                          hint="set `backend.kind` to \"emulator\" or \"google\" in the config")
    if budget is None and quota.enabled:
        if sleep is None and clock_given is None:  # production: every client of this backend shares one budget
            owner = emu if emu is not None else (f"{backend.kind}:{creds_info.path if creds_info else backend.url}"
                                                      f":{backend.subject or ''}")
            budget = _shared_budget(owner, quota, clock)
        else:
            budget = Budget(quota, clock=clock, sleep=sleep)
    if sleep is None:  # retry waits wake up early when the shared budget is closed (daemon shutdown)
        sleep = budget.sleep if budget is not None else time.sleep
    gc.set_timeout(policy.timeout)
    install(gc.http_client.session, identity=identity, policy=policy, budget=budget, stats=stats, sleep=sleep)
    return SheetsClient(gc, backend=backend.kind, identity=identity, stats=stats, budget=budget, emulator=emu,
                        credentials=creds_info, shared_drive_id=backend.shared_drive_id, folder_id=backend.folder_id)


_shared_lock = threading.Lock()
_emulators: dict[str | None, Emulator] = {}
_budgets_by_emulator: weakref.WeakKeyDictionary[Any, dict[QuotaSettings, Budget]] = weakref.WeakKeyDictionary()
_budgets_by_key: dict[tuple[str, QuotaSettings], Budget] = {}


def emulator_at(path: str | None) -> Emulator:
    """The process's one emulator persisted at ``path`` (None: a new in-memory one).

    Two instances on one file would diverge (each saves its own state over the other's), so every
    part of a process that opens the embedded emulator — ``connect``, ``App.emulator``, ``sheetsync
    view`` — gets it here."""
    from gsheets_emulator import Emulator

    if path is None:
        return Emulator()
    key = os.path.abspath(path)
    with _shared_lock:
        emu = _emulators.get(key)
        if emu is None:
            emu = _emulators[key] = Emulator(key)
        return emu


def _shared_budget(owner: Any, quota: QuotaSettings, clock: Callable[[], float]) -> Budget:
    """The process-wide budget for one emulator or one set of Google credentials (and these limits)."""
    with _shared_lock:
        if isinstance(owner, str):
            b = _budgets_by_key.get((owner, quota))
            if b is None or b.closed:
                b = _budgets_by_key[(owner, quota)] = Budget(quota, clock=clock)
            return b
        per = _budgets_by_emulator.setdefault(owner, {})
        b = per.get(quota)
        if b is None or b.closed:
            b = per[quota] = Budget(quota, clock=clock)
        return b


def _mirror_emulator_quota(emu: Emulator) -> QuotaSettings:
    """The emulator's own limits (so the budget keeps us under them); off when it enforces none."""
    q = emu.quota
    if not getattr(q, "enabled", False):
        return QuotaSettings(enabled=False)
    per_user, per_project = getattr(q, "per_user", {}), getattr(q, "per_project", {})
    d = QuotaSettings()
    return QuotaSettings(read_per_user=per_user.get("read", d.read_per_user),
                         read_per_project=per_project.get("read", d.read_per_project),
                         write_per_user=per_user.get("write", d.write_per_user),
                         write_per_project=per_project.get("write", d.write_per_project),
                         drive_per_user=getattr(q, "drive_per_user", d.drive_per_user))


def backend_from_config(config: Config, *, quota: QuotaSettings | None = None,
                        retry: RetryPolicy | None = None, account: str | None = None) -> Backend:
    """A :class:`Backend` from a loaded ``sheetsync.config.Config`` (its ``backend`` table, and a ``quota``
    table with :class:`QuotaSettings` fields when the config has one).

    ``account``: one of the pool's ``[[backend.accounts]]`` by name (None or "default": ``[backend]`` itself).
    A pool account only syncs the spreadsheets shared with it: it never creates files, so it gets no
    shared drive or folder (its listing is its own corpus: the files shared with it)."""
    kind = config.backend.type
    pool = config.backend.account(account)
    if pool is not None:
        base = backend_from_config(config, quota=quota, retry=retry)
        if kind == "google":
            creds = config.resolve(pool.credentials) if pool.credentials is not None else None
            return replace(base, credentials_file=str(creds) if creds else None, subject=None,
                           shared_drive_id=None, folder_id=None)
        return replace(base, user=str(pool.user), shared_drive_id=None, folder_id=None)
    if quota is None and getattr(config, "quota", None) is not None:
        q = config.quota
        fields = {f: getattr(q, f) for f in QuotaSettings.__dataclass_fields__ if getattr(q, f, None) is not None}
        quota = QuotaSettings(**fields)
    drive, folder = config.backend.shared_drive_id, config.backend.folder_id
    if kind == "google":
        # only the config's own path here: $GOOGLE_APPLICATION_CREDENTIALS is read (and named) by connect()
        creds = config.resolve(config.backend.credentials) if config.backend.credentials is not None else None
        return Backend(kind="google", credentials_file=str(creds) if creds else None, quota=quota,
                       retry=retry or RetryPolicy(), subject=config.backend.subject, shared_drive_id=drive,
                       folder_id=folder)
    return Backend(kind="emulator", emulator_path=str(config.emulator_dir), quota=quota, retry=retry or RetryPolicy(),
                   shared_drive_id=drive, folder_id=folder)
