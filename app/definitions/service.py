"""Deploying process definitions and decision tables, and resolving the versions a case runs on."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from sqlalchemy import func, select

from app.core.errors import InvalidData
from app.definitions.models import DefinitionVersion
from app.engine.definitions import (
    Bundle,
    DefinitionError,
    SourceFile,
    compile_bundle,
    read_source,
)
from app.extensions import db

_BUNDLE_CACHE: "OrderedDict[str, Bundle]" = OrderedDict()
_BUNDLE_CACHE_SIZE = 64
_cache_lock = threading.Lock()


@dataclass
class DeployResult:
    created: list[DefinitionVersion] = field(default_factory=list)
    unchanged: list[DefinitionVersion] = field(default_factory=list)


def latest_versions() -> dict[str, DefinitionVersion]:
    latest_ids = select(func.max(DefinitionVersion.id)).group_by(DefinitionVersion.key)
    rows = db.session.scalars(select(DefinitionVersion).where(DefinitionVersion.id.in_(latest_ids)))
    return {row.key: row for row in rows}


def _source_of(version: DefinitionVersion) -> SourceFile:
    return read_source(version.filename, version.content)


def deploy(files: Iterable[tuple[str, bytes]], actor: str, note: str | None = None) -> DeployResult:
    """Validate the files together with the latest versions of everything else; store what changed.

    Raises InvalidData (422) with ``errors: [{element_id, message, file}]`` when anything is wrong; then
    nothing is stored.
    """
    problems, sources = [], []
    for filename, content in files:
        try:
            sources.append(read_source(filename, content))
        except DefinitionError as exc:
            problems.extend(exc.problems)
    if problems:
        raise _invalid(problems)
    keys = [s.key for s in sources]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise InvalidData(f"同一次部署中定义重复 / the same definition twice in one deployment: {sorted(duplicates)}")

    latest = latest_versions()
    result = DeployResult()
    changed = []
    for src in sources:
        current = latest.get(src.key)
        if current is not None and current.sha256 == src.sha256:
            result.unchanged.append(current)
        else:
            changed.append(src)
    if not changed:
        return result

    candidate = {key: _source_of(v) for key, v in latest.items()}
    candidate.update({s.key: s for s in sources})
    # The compiler's checks and the designer's policy rules (app.designer.linter), for the changed files.
    from app.designer.linter import lint
    problems = lint(candidate.values(), changed={s.key for s in changed}, major_processes=major_process_keys())
    if problems:
        raise _invalid(problems)

    for src in changed:
        current = latest.get(src.key)
        version = DefinitionVersion(
            kind=src.kind, key=src.key, name=src.name, version=(current.version + 1) if current else 1,
            filename=src.filename, content=src.content, sha256=src.sha256, deployed_by=actor, note=note)
        db.session.add(version)
        result.created.append(version)
    from app.designer.records import append_deployments
    append_deployments(result.created, actor, note)  # hash-chained log, same transaction
    db.session.commit()
    return result


def major_process_keys() -> set[str]:
    """Processes that serve a service item the catalogue lists as major (checked from their start)."""
    from app.catalogue.models import ServiceItem
    return set(db.session.scalars(select(ServiceItem.process_key).where(ServiceItem.major.is_(True))))


def _invalid(problems) -> InvalidData:
    lines = "; ".join(f"[{p.file or ''}{'#' + p.element_id if p.element_id else ''}] {p.message}" for p in problems)
    return InvalidData(f"定义未通过校验 / the definition was refused: {lines}",
                       problems=[p.to_dict() for p in problems], code="definition_invalid")


def deploy_directories(directories: Iterable[str], actor: str, note: str | None = None) -> DeployResult:
    files = []
    for directory in directories:
        for path in sorted(Path(directory).glob("*.bpmn")) + sorted(Path(directory).glob("*.dmn")):
            files.append((path.name, path.read_bytes()))
    return deploy(files, actor, note)


def bundle_key(version_ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(version_ids))


def get_bundle(key: str) -> Bundle:
    """The compiled bundle for exactly these definition versions, compiled once per process."""
    with _cache_lock:
        bundle = _BUNDLE_CACHE.get(key)
        if bundle is not None:
            _BUNDLE_CACHE.move_to_end(key)
            return bundle
    ids = [int(i) for i in key.split(",") if i]
    versions = db.session.scalars(select(DefinitionVersion).where(DefinitionVersion.id.in_(ids))).all()
    bundle = compile_bundle([_source_of(v) for v in versions], key=key)
    with _cache_lock:
        _BUNDLE_CACHE[key] = bundle
        while len(_BUNDLE_CACHE) > _BUNDLE_CACHE_SIZE:
            _BUNDLE_CACHE.popitem(last=False)
    return bundle
