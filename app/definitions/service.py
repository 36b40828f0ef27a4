"""The deployed definitions, read side: the latest version of each, and the compiled bundle a case runs on.

Deploying new versions (checks, the deployment log) belongs to the designer (app.designer.deploy).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Iterable

from sqlalchemy import func, select

from app.catalogue.models import ServiceItem
from app.definitions.models import DefinitionVersion
from app.engine.definitions import Bundle, SourceFile, compile_bundle, read_source
from app.extensions import db

_BUNDLE_CACHE: "OrderedDict[str, Bundle]" = OrderedDict()
_BUNDLE_CACHE_SIZE = 64
_cache_lock = threading.Lock()


def latest_versions() -> dict[str, DefinitionVersion]:
    latest_ids = select(func.max(DefinitionVersion.id)).group_by(DefinitionVersion.key)
    rows = db.session.scalars(select(DefinitionVersion).where(DefinitionVersion.id.in_(latest_ids)))
    return {row.key: row for row in rows}


def source_of(version: DefinitionVersion) -> SourceFile:
    return read_source(version.filename, version.content)


def major_process_keys() -> set[str]:
    """Processes that serve a service item the catalogue lists as major (checked from their start)."""
    return set(db.session.scalars(select(ServiceItem.process_key).where(ServiceItem.major.is_(True))))


def revocation_process_keys() -> set[str]:
    """Processes that serve a catalogue item revoking licences (撤销/撤回行政许可): the linter requires a legal
    review before their decision."""
    return set(db.session.scalars(select(ServiceItem.process_key).where(
        ServiceItem.licence_procedure == "revocation")))


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
    bundle = compile_bundle([source_of(v) for v in versions], key=key)
    with _cache_lock:
        _BUNDLE_CACHE[key] = bundle
        while len(_BUNDLE_CACHE) > _BUNDLE_CACHE_SIZE:
            _BUNDLE_CACHE.popitem(last=False)
    return bundle


def clear_bundle_cache() -> None:
    """Forget every compiled bundle (tests: version ids can be reused after the database is reset)."""
    with _cache_lock:
        _BUNDLE_CACHE.clear()
