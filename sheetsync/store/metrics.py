"""Metric definitions (what success means for a client) and their values over time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import changelog
from .errors import InvalidValueError, NotFoundError
from .models import Client, MetricDefinition, MetricValue
from .repo import ClientRef, Repository, client_id_of, find_or_create
from .values import clean, coerce, parse_date

if TYPE_CHECKING:
    import pandas as pd

METRIC_VALUE_COLUMNS = ("client", "metric", "date", "period", "value", "source")
METRIC_PERIODS = ("week", "month")


def period_of(day: dt.date, kind: str) -> str:
    if kind == "week":
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return f"{day:%Y-%m}"


def value_key(metric_key: str, day: dt.date) -> str:
    return f"{metric_key}@{day.isoformat()}"


class MetricRepository(Repository):
    def define(
        self, client: ClientRef, key: str, *, name: str, unit: str = "", direction: str = "up",
        target: float | None = None, period: str = "month", session: Session | None = None,
    ) -> MetricDefinition:
        """Create or update a metric definition (idempotent)."""
        if period not in METRIC_PERIODS:
            raise InvalidValueError("metric_definitions.period", period, "week or month")
        values = clean(MetricDefinition, {"name": name, "unit": unit, "direction": direction, "target": target,
                                          "period": period, "key": key})
        with self._tx(session) as s:
            return find_or_create(s, MetricDefinition, {"client_id": client_id_of(s, client), "key": key}, values)

    def definitions(self, client: ClientRef, *, session: Session | None = None) -> Sequence[MetricDefinition]:
        with self._read(session) as s:
            cid = client_id_of(s, client)
            return s.scalars(select(MetricDefinition).where(MetricDefinition.client_id == cid)
                             .order_by(MetricDefinition.id)).all()

    def _definition(self, s: Session, cid: int, key: str) -> MetricDefinition:
        md = s.scalars(select(MetricDefinition).where(MetricDefinition.client_id == cid,
                                                      MetricDefinition.key == key)).first()
        if md is None:
            raise NotFoundError(f"no metric {key!r} for this client: define it first (store.metrics.define)")
        return md

    def set_value(
        self, client: ClientRef, metric: str, day: dt.date | str, value: Any, *, origin: str, actor: str,
        source: str = "manual", period: str | None = None, session: Session | None = None,
    ) -> MetricValue:
        """Record the metric's value for a date (one value per metric and date; a second call updates it)."""
        when = parse_date("metric_values.date", day)
        if when is None:
            raise InvalidValueError("metric_values.date", when, "a date as YYYY-MM-DD")
        number = coerce(MetricValue, "value", value)
        if number is None:
            raise InvalidValueError("metric_values.value", value, "a number")
        changelog.check_origin(origin, actor)
        with self._tx(session) as s:
            cid = client_id_of(s, client)
            md = self._definition(s, cid, metric)
            period = period or period_of(when, md.period)
            mv = s.scalars(select(MetricValue).where(MetricValue.metric_id == md.id, MetricValue.date == when)).first()
            changes: dict[str, tuple[Any, Any]]
            if mv is None:
                mv = MetricValue(metric_id=md.id, date=when, period=period, value=number, source=source)
                s.add(mv)
                action, changes = "create", {"value": (None, number)}
            else:
                changes = {"value": (mv.value, number)} if mv.value != number else {}
                action = "update"
                mv.value, mv.source, mv.period = number, source, period
            s.flush()
            if changes:
                changelog.record(s, entity="metric_value", entity_key=value_key(metric, when), client_id=cid,
                                 action=action, origin=origin, actor=actor, changes=changes)
            return mv

    def delete_value(self, client: ClientRef, metric: str, day: dt.date | str, *, origin: str, actor: str) -> None:
        when = parse_date("metric_values.date", day)
        with self._tx() as s:
            cid = client_id_of(s, client)
            md = self._definition(s, cid, metric)
            mv = s.scalars(select(MetricValue).where(MetricValue.metric_id == md.id, MetricValue.date == when)).first()
            if mv is None or when is None:
                raise NotFoundError(f"no value of {metric} on {when}")
            changelog.record(s, entity="metric_value", entity_key=value_key(metric, when), client_id=cid,
                             action="delete", origin=origin, actor=actor, changes={"value": (mv.value, None)})
            s.delete(mv)

    def values(
        self, client: ClientRef, metric: str | None = None, *, since: dt.date | None = None,
        until: dt.date | None = None, session: Session | None = None,
    ) -> Sequence[MetricValue]:
        with self._read(session) as s:
            cid = client_id_of(s, client)
            stmt = (select(MetricValue).join(MetricDefinition).where(MetricDefinition.client_id == cid)
                    .order_by(MetricDefinition.id, MetricValue.date))
            if metric is not None:
                stmt = stmt.where(MetricDefinition.key == metric)
            if since is not None:
                stmt = stmt.where(MetricValue.date >= since)
            if until is not None:
                stmt = stmt.where(MetricValue.date <= until)
            return s.scalars(stmt).all()

    def to_dataframe(self, client: ClientRef | None = None) -> pd.DataFrame:
        import pandas as pd

        with self._read() as s:
            stmt = (select(Client.slug, MetricDefinition.key, MetricValue.date, MetricValue.period, MetricValue.value,
                           MetricValue.source)
                    .select_from(MetricValue).join(MetricDefinition).join(Client)
                    .order_by(Client.slug, MetricDefinition.key, MetricValue.date))
            if client is not None:
                stmt = stmt.where(Client.id == client_id_of(s, client))
            rows = [tuple(r) for r in s.execute(stmt)]
        return pd.DataFrame(rows, columns=list(METRIC_VALUE_COLUMNS))
