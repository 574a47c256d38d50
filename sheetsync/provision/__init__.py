"""Create, repair and upgrade a client's spreadsheet from the declarative templates.

``provision_client(store=..., sheets=..., templates=..., settings=..., slug=...)`` is the entry point
(``App.provision`` calls it). ``desired`` builds the target state, ``diff`` turns drift into
requests, ``provision`` does the I/O, ``sharing`` makes Drive permissions match the config and
``render`` gives the sync and the planner the card blocks and generated sheets to write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..templates import Templates, load_templates
from .desired import Access, ClientInfo, DesiredSpreadsheet, build
from .diff import Plan, WrongSpreadsheet, diff
from .provision import ProvisionError, ensure_spreadsheet, managers_of, read_actual, share
from .sharing import account_identity, check_sharing, client_wanted, lock_writers, plan_sharing, wanted_roles

if TYPE_CHECKING:
    from sheetsync.config import Config
    from sheetsync.ports import SheetsPort, StorePort
    from sheetsync.store.models import Client


@dataclass(frozen=True)
class ProvisionSettings:
    """The config's say in provisioning (``[provision]`` / ``[sharing]`` sections)."""

    viewer_role: str = "reader"  # client viewers get reader, or commenter
    title_pattern: str | None = None  # e.g. "{name} — проект с агентством"; default per locale
    managers: tuple[str, ...] = ()  # agency people who edit every client's sheet, besides its own managers
    notify: bool = False  # send Drive's sharing e-mails
    rows: int = 1000  # grid rows of a new synced sheet (the sync appends more when needed)

    @classmethod
    def from_config(cls, config: Config) -> ProvisionSettings:
        """From a :class:`sheetsync.config.Config` (its ``[sharing]`` section)."""
        sharing = getattr(config, "sharing", None)
        return cls(viewer_role=getattr(sharing, "client_role", "reader"),
                   notify=bool(getattr(sharing, "notify", False)))


@dataclass
class ProvisionResult:
    slug: str
    spreadsheet_id: str
    created: bool
    requests_applied: int
    api_calls: int
    shared: list[str] = field(default_factory=list)  # "email:role" granted or changed
    unshared: list[str] = field(default_factory=list)  # who lost access
    repairs: list[str] = field(default_factory=list)


def desired_for(client: Client, *, store: StorePort, templates: Templates, settings: ProvisionSettings,
                service_account: str, accounts: tuple[str, ...] = ()) -> DesiredSpreadsheet:
    """The desired spreadsheet for a store client (vocabularies from the store's reference data)."""
    specialists = list(store.specialists.list())
    names = {s.email.lower(): s.name for s in specialists}
    info = ClientInfo.from_store(client, manager_name=names.get((client.manager_email or "").lower()))
    # the config's editor_emails are the agency's managers of this client (writers of backlog/in-work)
    access = Access(service_account=service_account.lower(),
                    managers=managers_of(info, (*info.editor_emails, *settings.managers)),
                    accounts=tuple(dict.fromkeys(a.lower() for a in accounts if a.lower() != service_account.lower())))
    from sheetsync.sync.layout import store_vocabularies

    dynamic = store_vocabularies(store)
    return build(info, templates, access=access, dynamic_vocabularies=dynamic, title_pattern=settings.title_pattern,
                 rows=settings.rows)


def provision_client(*, store: StorePort, sheets: SheetsPort, slug: str, templates: Templates | None = None,
                     settings: ProvisionSettings | None = None, actor: str = "provision",
                     recreate: bool = False, accounts: Mapping[str, str] | None = None) -> ProvisionResult:
    """Create or repair ``slug``'s spreadsheet and make its sharing match the config.

    ``sheets`` is a :class:`sheetsync.sheets.SheetsClient`; it acts as the service account that owns
    the spreadsheet. The new spreadsheet's id is recorded in the store right after creation.
    ``recreate``: make a new spreadsheet even if one is recorded (when the old one was deleted).
    ``accounts``: the pool's account emails by name (default: ``sheets.accounts``, set by the App); the
    account that syncs the client (``clients.account``) gets writer access and edits every protected range.
    """
    from sheetsync.sheets.errors import NotFound, PermissionDenied

    templates = templates or load_templates()
    settings = settings or ProvisionSettings()
    client = store.clients.get(slug)
    accounts = accounts if accounts is not None else getattr(sheets, "accounts", None)
    account = account_identity(client, accounts)
    desired = desired_for(client, store=store, templates=templates, settings=settings,
                          service_account=sheets.identity, accounts=(account,) if account else ())
    before = sheets.counts()

    def record(spreadsheet_id: str) -> None:
        store.clients.set_spreadsheet(slug, spreadsheet_id, origin="daemon", actor=actor)

    existing = None if recreate else client.spreadsheet_id
    try:
        outcome = ensure_spreadsheet(sheets, desired, existing, on_created=record)
    except WrongSpreadsheet as e:
        raise ProvisionError(str(e)) from None
    except (NotFound, PermissionDenied) as e:
        if existing is None:  # creating: the configured drive or folder is the problem
            parent = getattr(sheets, "folder_id", None) or getattr(sheets, "shared_drive_id", None)
            raise ProvisionError(
                f"cannot create {slug}'s spreadsheet in Drive folder or shared drive {parent}: {sheets.identity} "
                f"cannot add files there ({e.message}); check backend.shared_drive_id / backend.folder_id and add "
                f"{sheets.identity} to the shared drive as Content manager") from None
        raise ProvisionError(
            f"{slug}'s spreadsheet {existing} cannot be opened by {sheets.identity} ({e.message}); if it was "
            f"deleted, run `sheetsync provision {slug} --recreate` to make a new one, otherwise share it with "
            f"{sheets.identity} as editor") from None
    wanted = client_wanted(client, viewer_role=settings.viewer_role, managers=settings.managers, accounts=accounts)
    sharing = share(sheets, outcome.spreadsheet_id, wanted, notify=settings.notify)
    repairs = list(outcome.plan.repairs)
    locked = lock_writers(sheets, outcome.spreadsheet_id)
    if locked == "locked" and not outcome.created:
        repairs.append("sharing: editors could share the spreadsheet; turned off (writersCanShare)")
    elif locked == "not_owner":
        repairs.append(f"sharing: editors can still share the spreadsheet and only its owner can stop that; ask "
                       f"the owner to transfer ownership to {sheets.identity} or to untick \"Editors can change "
                       f"permissions and share\" (the daemon's sharing check still takes back what they share)")
    used = sheets.counts() - before
    return ProvisionResult(
        slug=slug, spreadsheet_id=outcome.spreadsheet_id, created=outcome.created,
        requests_applied=len(outcome.plan.requests), api_calls=used.calls,
        shared=[f"{e}:{r}" for e, r in sharing.create] + [f"{w}:{r}" for _, w, r in sharing.update],
        unshared=[w for _, w in sharing.remove], repairs=repairs)


def provision_all(*, store: StorePort, sheets: SheetsPort, slugs: Sequence[str] | None = None, **kw: Any) -> list[ProvisionResult]:
    slugs = slugs if slugs is not None else [c.slug for c in store.clients.list(active=True)]
    return [provision_client(store=store, sheets=sheets, slug=s, **kw) for s in slugs]


__all__ = ["Access", "ClientInfo", "DesiredSpreadsheet", "Plan", "ProvisionError", "ProvisionResult",
           "ProvisionSettings", "WrongSpreadsheet", "build", "check_sharing", "desired_for", "diff", "lock_writers",
           "plan_sharing",
           "provision_all", "provision_client", "read_actual", "wanted_roles"]
