"""The supervisor's pictures: open tasks and waiting times per step, the open counts on the diagrams, and
the monthly on-time decision rate; computed in the database from the task projection and the case columns.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Integer, cast, func, select
from sqlalchemy import case as sql_case

from app.cases.models import Case, TaskItem
from app.catalogue.models import ServiceItem
from app.core.clock import china_today, utcnow
from app.definitions.models import DefinitionVersion
from app.definitions.service import bundle_key, get_bundle, latest_versions
from app.extensions import db

# ------------------------------------------------------------------------------------------ steps

@dataclass
class StepStat:
    process_id: str
    name: str
    title: str
    role: str
    open: int
    avg_wait_hours: float
    max_wait_hours: float


@dataclass
class VersionSteps:
    """The open work of the cases that run on one process version."""
    version_id: int
    key: str
    name: str
    version: int
    steps: list[StepStat] = field(default_factory=list)

    @property
    def open(self) -> int:
        return sum(s.open for s in self.steps)


@dataclass
class DiagramCounts:
    """One diagram version (a main or a called process) and the open tasks on each of its steps."""
    version_id: int
    key: str
    name: str
    version: int
    counts: dict[str, int]


def _epoch(column):
    """Seconds since 1970 of a naive-UTC timestamp column, in SQL (averaged without loading rows)."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", column)
    return cast(func.strftime("%s", column), Integer)


def step_stats(now: dt.datetime | None = None) -> list[VersionSteps]:
    """Open tasks and their average and longest wait (now − created_at) per step, grouped by the cases'
    process version; computed in the database from the projection."""
    now = now or utcnow()
    now_epoch = (now - dt.datetime(1970, 1, 1)).total_seconds()
    rows = db.session.execute(
        select(Case.process_version_id, TaskItem.process_id, TaskItem.name, func.max(TaskItem.title),
               func.max(TaskItem.role), func.count(TaskItem.id), func.avg(_epoch(TaskItem.created_at)),
               func.min(_epoch(TaskItem.created_at)))
        .join(Case, TaskItem.case_id == Case.id).where(TaskItem.state == "READY")
        .group_by(Case.process_version_id, TaskItem.process_id, TaskItem.name)).all()
    versions = {v.id: v for v in db.session.execute(
        select(DefinitionVersion.id, DefinitionVersion.key, DefinitionVersion.name, DefinitionVersion.version)
        .where(DefinitionVersion.id.in_({r[0] for r in rows})))}
    grouped: dict[int, VersionSteps] = {}
    for version_id, process_id, name, title, role, n, avg_epoch, min_epoch in rows:
        v = versions[version_id]
        group = grouped.setdefault(version_id, VersionSteps(version_id, v.key, v.name, v.version))
        group.steps.append(StepStat(process_id, name, title, role, int(n),
                                    max(now_epoch - float(avg_epoch), 0) / 3600,
                                    max(now_epoch - float(min_epoch), 0) / 3600))
    order = _step_order()
    for group in grouped.values():  # the main process's steps first, then those of called processes
        group.steps.sort(key=lambda s: (s.process_id != group.key, s.process_id,
                                        order.get((s.process_id, s.name), 999), s.name))
    return sorted(grouped.values(), key=lambda g: (g.key, -g.version))


def _step_order() -> dict[tuple[str, str], int]:
    """Steps in the order the latest bundle declares them (roughly the flow's order)."""
    latest = latest_versions()
    if not latest:
        return {}
    return {k: i for i, k in enumerate(get_bundle(bundle_key(v.id for v in latest.values())).tasks)}


def diagram_counts() -> list[DiagramCounts]:
    """Every diagram version that open tasks run on (main and called processes) and every latest deployed
    process, with the open count per user task (0 included, so the picture is complete)."""
    rows = db.session.execute(
        select(Case.bundle, TaskItem.process_id, TaskItem.name, func.count(TaskItem.id))
        .join(Case, TaskItem.case_id == Case.id).where(TaskItem.state == "READY")
        .group_by(Case.bundle, TaskItem.process_id, TaskItem.name)).all()
    latest = latest_versions()
    bundles = {r[0] for r in rows}
    if latest:
        bundles.add(bundle_key(v.id for v in latest.values()))
    ids_of = {b: [int(i) for i in b.split(",") if i] for b in bundles}
    versions = {v.id: v for v in db.session.execute(
        select(DefinitionVersion.id, DefinitionVersion.key, DefinitionVersion.name, DefinitionVersion.version)
        .where(DefinitionVersion.id.in_({i for ids in ids_of.values() for i in ids}),
               DefinitionVersion.kind == "bpmn"))}
    version_of = {b: {versions[i].key: i for i in ids if i in versions} for b, ids in ids_of.items()}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for b in bundles:
        for meta in get_bundle(b).tasks.values():
            version_id = version_of[b].get(meta.process_id)
            if version_id is not None:
                counts[version_id].setdefault(meta.task_id, 0)
    shown = {v.id for v in latest.values() if v.id in versions}
    for b, process_id, name, n in rows:
        version_id = version_of[b].get(process_id)
        if version_id is not None:
            counts[version_id][name] = counts[version_id].get(name, 0) + int(n)
            shown.add(version_id)
    main_keys = set(db.session.scalars(select(ServiceItem.process_key).distinct()))
    return sorted((DiagramCounts(i, versions[i].key, versions[i].name, versions[i].version, counts[i])
                   for i in shown), key=lambda d: (d.key not in main_keys, d.key, -d.version))


def diagram_content(version_id: int) -> bytes:
    return db.session.scalar(select(DefinitionVersion.content).where(DefinitionVersion.id == version_id))


# ------------------------------------------------------------------------------------------ on time

@dataclass
class MonthRate:
    month: str  # YYYY-MM
    decided: int  # decided in the month
    with_deadline: int  # ... of which had a decision deadline
    on_time: int  # decided_on <= decision_due

    @property
    def late(self) -> int:
        return self.with_deadline - self.on_time

    @property
    def no_deadline(self) -> int:
        return self.decided - self.with_deadline

    @property
    def rate(self) -> float | None:
        """Share of on-time decisions among the month's decisions that had a deadline (None: none)."""
        return self.on_time / self.with_deadline if self.with_deadline else None


def _month_start(d: dt.date, back: int = 0) -> dt.date:
    index = d.year * 12 + d.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def on_time_rates(today: dt.date | None = None, months: int = 12) -> list[MonthRate]:
    """The last ``months`` months (the current one last): cases decided in the month and how many of them
    on or before their decision deadline."""
    today = today or china_today()
    start = _month_start(today, months - 1)
    rows = db.session.execute(
        select(Case.decided_on, func.count(Case.id), func.count(Case.decision_due),
               func.sum(sql_case((Case.decided_on <= Case.decision_due, 1), else_=0)))
        .where(Case.decided_on >= start, Case.decided_on <= today).group_by(Case.decided_on)).all()
    result = {f"{_month_start(today, back):%Y-%m}": MonthRate(f"{_month_start(today, back):%Y-%m}", 0, 0, 0)
              for back in range(months - 1, -1, -1)}
    for decided_on, n, with_deadline, on_time in rows:
        month = result[f"{decided_on:%Y-%m}"]
        month.decided += int(n)
        month.with_deadline += int(with_deadline)
        month.on_time += int(on_time or 0)
    return list(result.values())

