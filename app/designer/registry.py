"""The definition registry: every deployed version with its running cases, and the cockpit numbers."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import defer

from app.cases.models import Case, TaskItem
from app.catalogue.models import ServiceItem
from app.core.vocabulary import TERMINAL_STATUSES
from app.definitions.models import DefinitionVersion
from app.extensions import db

_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\\"'<>:|?*;]+")


@dataclass
class Definition:
    key: str
    kind: str
    name: str
    versions: list[DefinitionVersion] = field(default_factory=list)  # newest first
    main_process: bool = False  # some service item or case starts it (not only called)

    @property
    def latest(self) -> DefinitionVersion:
        return self.versions[0]


def safe_filename(name: str | None, fallback: str) -> str:
    """A file name fit for storing and for Content-Disposition: no path, quotes or control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("_", name).strip(" .")[:200]
    return name or fallback


def download_name(version: DefinitionVersion) -> str:
    ext = "dmn" if version.kind == "dmn" else "bpmn"
    base = safe_filename(version.filename, f"{version.key}.{ext}")
    if not base.lower().endswith((".bpmn", ".dmn", ".xml")):
        base = f"{base}.{ext}"
    return base


def main_process_keys() -> set[str]:
    return set(db.session.scalars(select(ServiceItem.process_key).distinct())) | \
        set(db.session.scalars(select(Case.process_key).distinct()))


def definitions() -> list[Definition]:
    """Every definition with its versions: processes first, then decision tables, by key."""
    rows = db.session.scalars(select(DefinitionVersion).options(defer(DefinitionVersion.content))
                              .order_by(DefinitionVersion.key, DefinitionVersion.version.desc()))
    result: dict[str, Definition] = {}
    main = main_process_keys()
    for v in rows:
        d = result.get(v.key)
        if d is None:
            d = result[v.key] = Definition(v.key, v.kind, v.name, main_process=v.kind == "bpmn" and v.key in main)
        d.versions.append(v)
    for d in result.values():
        d.name = d.latest.name
    return sorted(result.values(), key=lambda d: (d.kind != "bpmn", not d.main_process, d.key))


def running_counts(defs: list[Definition]) -> dict[int, int]:
    """Running cases per version id. A process that cases start: cases whose process_version_id is the
    version. A called process or a decision table: cases whose bundle (the exact versions a case runs on)
    contains the version."""
    running = Case.status.not_in(TERMINAL_STATUSES)
    direct = dict(db.session.execute(select(Case.process_version_id, func.count()).where(running)
                                     .group_by(Case.process_version_id)).all())
    contained: Counter = Counter()
    for bundle, n in db.session.execute(select(Case.bundle, func.count()).where(running).group_by(Case.bundle)):
        for part in (bundle or "").split(","):
            if part.strip().isdigit():
                contained[int(part)] += n
    return {v.id: (direct.get(v.id, 0) if d.main_process else contained.get(v.id, 0))
            for d in defs for v in d.versions}


def get_version(key: str, version: int) -> DefinitionVersion | None:
    return db.session.scalar(select(DefinitionVersion).where(DefinitionVersion.key == key,
                                                             DefinitionVersion.version == version))


def latest_version(key: str) -> DefinitionVersion | None:
    return db.session.scalar(select(DefinitionVersion).where(DefinitionVersion.key == key)
                             .order_by(DefinitionVersion.version.desc()).limit(1))


def step_counts(process_key: str, today: dt.date) -> tuple[dict[str, int], dict[str, int]]:
    """(open, overdue) TaskItems per step (BPMN element id) of the process, over all its versions."""
    base = select(TaskItem.name, func.count()).where(TaskItem.state == "READY", TaskItem.process_id == process_key)
    open_ = dict(db.session.execute(base.group_by(TaskItem.name)).all())
    overdue = dict(db.session.execute(base.where(TaskItem.due_at < today).group_by(TaskItem.name)).all())
    return open_, overdue
