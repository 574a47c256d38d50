"""The checks behind `sheetsync doctor`: can we talk to Google (or the emulator) the way sync needs?

Each check says what it found and, when something is wrong, what to do. Checking access costs one
Drive ``files.get`` per spreadsheet (Drive's quota is large) plus a single Sheets call, so doctor
can run against a thousand clients without eating the Sheets quota.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .budget import QuotaSettings
from .client import (
    DRIVE_API,
    SCOPES,
    SHEETS_API,
    Backend,
    SheetsClient,
    connect,
    credentials_path,
    inspect_credentials,
)
from .errors import AuthFailed, NotFound, SheetsError

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
GOOGLE_DEFAULTS = QuotaSettings()


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail | skip
    detail: str
    fix: str = ""


def check_quota(quota: QuotaSettings, spreadsheets: int, interval_seconds: float | None = None) -> list[Check]:
    out: list[Check] = []
    if not quota.enabled:
        return [Check("quota budget", WARN, "the shared request budget is off",
                      "turn it on for Google, or Google will answer 429 under load")]
    detail = (f"reads {quota.read_per_user}/min per user, {quota.read_per_project}/min per project; "
              f"writes {quota.write_per_user}/min per user, {quota.write_per_project}/min per project")
    problems = quota.problems()
    above = [k for k in ("read", "write") if quota.limits(k)[0] > GOOGLE_DEFAULTS.limits(k)[0]
             or quota.limits(k)[1] > GOOGLE_DEFAULTS.limits(k)[1]]
    if problems:
        out.append(Check("quota settings", FAIL, detail + ". " + "; ".join(problems),
                         "fix the quota settings in the config"))
    elif above:
        out.append(Check("quota settings", WARN, detail + f" — above Google's defaults for {', '.join(above)}",
                         "only keep these if the Cloud project's Sheets quota was raised (IAM & Admin > Quotas); "
                         "otherwise steady state will hit 429s"))
    else:
        out.append(Check("quota settings", OK, detail))
    if spreadsheets and interval_seconds:
        per_cycle = quota.read_per_user * interval_seconds / 60
        if spreadsheets > per_cycle:
            out.append(Check("cycle capacity", WARN,
                             f"{spreadsheets} spreadsheets but only ~{per_cycle:.0f} reads per {interval_seconds:.0f}s "
                             f"cycle: if all change at once a cycle takes {spreadsheets / quota.read_per_user:.1f} min",
                             "fine when few clients change per cycle (unchanged ones cost no Sheets calls); "
                             "otherwise lengthen the interval or raise the quota"))
    return out


def check_credentials(backend: Backend) -> tuple[list[Check], bool]:
    """Offline checks of the credentials file. Returns the checks and whether going online makes sense."""
    if backend.kind == "emulator":
        return [Check("credentials", OK, f"embedded emulator: no credentials needed (acting as {backend.user})")], True
    path = credentials_path(backend.credentials_file)
    try:
        info = inspect_credentials(path)
    except AuthFailed as e:
        return [Check("credentials", FAIL, e.message, e.hint)], False
    out = [Check("credentials", OK, f"{info.type} {info.identity} from {info.path}"
                 + (f" (project {info.project_id})" if info.project_id else ""))]
    if info.type == "authorized_user":
        granted = _granted_scopes(Path(info.path))
        missing = [s for s in SCOPES if granted is not None and s not in granted]
        if missing:
            out.append(Check("scopes", FAIL, f"the authorized user granted {', '.join(sorted(granted or [])) or 'none'}",
                             "re-authorize with the scopes " + " and ".join(SCOPES)))
            return out, True
    return out, True


def _granted_scopes(path: Path) -> set[str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    scopes = data.get("scopes") or data.get("scope")
    if isinstance(scopes, str):
        scopes = scopes.split()
    return set(scopes) if scopes else None


def check_spreadsheets(client: SheetsClient, spreadsheets: Iterable[tuple[str, str | None]]) -> list[Check]:
    out: list[Check] = []
    sheets_api_checked = False
    who = client.identity
    for slug, sid in spreadsheets:
        name = f"spreadsheet of {slug}"
        if not sid:
            out.append(Check(name, WARN, "no spreadsheet yet", f"run `sheetsync provision {slug}`"))
            continue
        try:
            meta = client.request("GET", f"{DRIVE_API}/files/{quote(sid, safe='')}",
                                  params={"fields": "id,name,trashed,capabilities(canEdit)"}, what=name)
        except NotFound:
            out.append(Check(name, FAIL, f"{sid} does not exist or is not shared with {who}",
                             f"share it with {who} as editor, or re-provision with `sheetsync provision {slug}`"))
            continue
        except SheetsError as e:
            out.append(Check(name, FAIL, e.message, e.hint))
            if isinstance(e, AuthFailed):
                break  # every other spreadsheet would fail the same way
            continue
        meta = meta or {}
        if meta.get("trashed"):
            out.append(Check(name, FAIL, f"“{meta.get('name', sid)}” is in the trash",
                             f"restore it from the Drive trash, or re-provision with `sheetsync provision {slug}`"))
            continue
        if not (meta.get("capabilities") or {}).get("canEdit"):
            out.append(Check(name, FAIL, f"“{meta.get('name', sid)}” is shared with {who} read-only",
                             f"share it with {who} as editor"))
            continue
        if not sheets_api_checked:
            try:
                client.request("GET", f"{SHEETS_API}/{quote(sid, safe='')}", params={"fields": "spreadsheetId"},
                               what=name)
            except SheetsError as e:
                out.append(Check("sheets api", FAIL, e.message, e.hint))
                continue
            sheets_api_checked = True
        out.append(Check(name, OK, f"“{meta.get('name', sid)}”: editable"))
    return out


def diagnose(backend: Backend, spreadsheets: Iterable[tuple[str, str | None]] = (), *,
             quota: QuotaSettings | None = None, interval_seconds: float | None = None,
             client: SheetsClient | None = None) -> list[Check]:
    """Every doctor check, in order; stops going online when the credentials cannot work."""
    spreadsheets = list(spreadsheets)
    checks: list[Check] = [Check("backend", OK, "embedded emulator" if backend.kind == "emulator"
                                 else "Google Sheets + Drive")]
    cred_checks, online = check_credentials(backend)
    checks += cred_checks
    if client is None and online:
        try:
            client = connect(backend)
        except SheetsError as e:
            checks.append(Check("connect", FAIL, e.message, e.hint))
            online = False
    effective = quota or (client.budget.settings if client is not None and client.budget is not None
                          else backend.quota or QuotaSettings())
    checks += check_quota(effective, len(spreadsheets), interval_seconds)
    if not online or client is None:
        return checks
    try:  # a token, the Drive API and the drive scope, in one cheap call
        client.request("GET", f"{DRIVE_API}/files", params={"pageSize": 1, "fields": "files(id)"},
                       what="a Drive listing")
        checks.append(Check("api access", OK, f"Drive answers for {client.identity}"))
    except SheetsError as e:
        checks.append(Check("api access", FAIL, e.message, e.hint))
        return checks
    checks += check_spreadsheets(client, spreadsheets)
    return checks


__all__ = ["Check", "check_credentials", "check_quota", "check_spreadsheets", "diagnose"]
