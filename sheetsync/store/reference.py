"""Reference data — departments and their plans, specialists, task types — mostly loaded from config."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import InvalidValueError, NotFoundError
from .models import WEEKDAYS, Department, DepartmentPlan, Specialist, TaskType
from .repo import Repository, find_or_create
from .values import clean, is_month

if TYPE_CHECKING:
    from sheetsync.config import Config


class DepartmentRepository(Repository):
    def upsert(self, key: str, *, name: str, monthly_minimum: Any = 0, session: Session | None = None) -> Department:
        values = clean(Department, {"key": key, "name": name, "monthly_minimum": monthly_minimum},
                       allowed=("key", "name", "monthly_minimum"))
        with self._tx(session) as s:
            return find_or_create(s, Department, {"key": key}, values)

    def get(self, key: str, *, session: Session | None = None) -> Department:
        with self._read(session) as s:
            dep = s.scalars(select(Department).where(Department.key == key)).first()
            if dep is None:
                raise NotFoundError(f"no department {key!r}: add it to the config's [[departments]]")
            return dep

    def list(self, *, session: Session | None = None) -> Sequence[Department]:
        with self._read(session) as s:
            return s.scalars(select(Department).order_by(Department.id)).all()

    def set_plan(self, key: str, month: str, minimum_amount: Any) -> DepartmentPlan:
        """The department's minimum turnover for one month (overrides its monthly default)."""
        if not is_month(month):
            raise InvalidValueError("department_plans.month", month, "a month like 2026-11")
        amount = clean(DepartmentPlan, {"minimum_amount": minimum_amount}, allowed=("minimum_amount",))
        with self._tx() as s:
            dep = self.get(key, session=s)
            return find_or_create(s, DepartmentPlan, {"department_id": dep.id, "month": month}, amount)

    def minimum_for(self, key: str, month: str) -> Decimal:
        with self._read() as s:
            dep = self.get(key, session=s)
            plan = s.scalars(select(DepartmentPlan.minimum_amount).where(DepartmentPlan.department_id == dep.id,
                                                                         DepartmentPlan.month == month)).first()
            return plan if plan is not None else dep.monthly_minimum


class SpecialistRepository(Repository):
    def upsert(self, email: str, *, session: Session | None = None, **fields: Any) -> Specialist:
        values = clean(Specialist, {"email": email, **fields})
        days = values.get("working_days")
        if days is not None:
            bad = [d for d in days.split(",") if d.strip() not in WEEKDAYS]
            if bad or not days:
                raise InvalidValueError("specialists.working_days", days, f"days from {','.join(WEEKDAYS)}")
        with self._tx(session) as s:
            return find_or_create(s, Specialist, {"email": email}, values)

    def list(self, *, active: bool | None = True, role: str | None = None) -> Sequence[Specialist]:
        with self._read() as s:
            stmt = select(Specialist).order_by(Specialist.id)
            if active is not None:
                stmt = stmt.where(Specialist.active.is_(active))
            if role is not None:
                stmt = stmt.where(Specialist.role == role)
            return s.scalars(stmt).all()

    def get(self, email: str) -> Specialist:
        with self._read() as s:
            sp = s.scalars(select(Specialist).where(Specialist.email == email)).first()
            if sp is None:
                raise NotFoundError(f"no specialist {email!r}: add them to the config's [[specialists]]")
            return sp


class TaskTypeRepository(Repository):
    def upsert(self, key: str, *, name: str, role: str, default_estimate_hours: Any = None,
               session: Session | None = None) -> TaskType:
        values = clean(TaskType, {"key": key, "name": name, "role": role,
                                  "default_estimate_hours": default_estimate_hours})
        with self._tx(session) as s:
            return find_or_create(s, TaskType, {"key": key}, values)

    def list(self) -> Sequence[TaskType]:
        with self._read() as s:
            return s.scalars(select(TaskType).order_by(TaskType.id)).all()

    def get(self, key: str) -> TaskType:
        with self._read() as s:
            tt = s.scalars(select(TaskType).where(TaskType.key == key)).first()
            if tt is None:
                raise NotFoundError(f"no task type {key!r}: add it to the config's [[task_types]]")
            return tt


def sync_reference_data(store: Any, config: Config, *, actor: str = "config") -> dict[str, int]:
    """Make departments, specialists, task types, clients and their metrics match the config (idempotent, one transaction).

    Specialists missing from the config are deactivated, not deleted (tasks still name them);
    clients missing from it are left alone (archive them explicitly). Client changes are logged.
    """
    counts = {"departments": 0, "specialists": 0, "task_types": 0, "clients": 0}
    with store.session() as s:
        for d in config.departments:
            store.departments.upsert(d.key, name=d.name, monthly_minimum=d.monthly_minimum, session=s)
            counts["departments"] += 1
        emails = set()
        for sp in config.specialists:
            store.specialists.upsert(sp.email, name=sp.name, role=sp.role, weekly_hours=sp.weekly_hours,
                                     working_days=",".join(sp.working_days), department_key=sp.department,
                                     active=sp.active, session=s)
            emails.add(sp.email)
            counts["specialists"] += 1
        if emails:  # a config without specialists leaves the store's as they are
            for extra in s.scalars(select(Specialist).where(Specialist.email.not_in(emails))):
                extra.active = False
        for tt in config.task_types:
            store.task_types.upsert(tt.key, name=tt.name, role=tt.role,
                                    default_estimate_hours=tt.default_estimate_hours, session=s)
            counts["task_types"] += 1
        counts["metrics"] = 0
        for c in config.clients:
            store.clients.upsert(c.slug, c.store_fields(config), origin="cli", actor=actor, session=s)
            counts["clients"] += 1
            for md in c.metrics:
                store.metrics.define(c.slug, md.key, name=md.name, unit=md.unit, direction=md.direction,
                                     target=md.target, period=md.period, session=s)
                counts["metrics"] += 1
    return counts
