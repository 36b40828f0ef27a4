"""Deploying process definitions and decision tables: every file is checked by the definition compiler and
the policy linter together with the latest versions of everything else; what changed is stored as new
versions and chained onto the deployment log, in one transaction (see docs/designer-guide.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from app.core.errors import InvalidData
from app.core.i18n import t
from app.definitions.models import DefinitionVersion
from app.definitions.service import latest_versions, major_process_keys, revocation_process_keys, source_of
from app.designer.linter import LintProblem, lint
from app.designer.records import append_deployments
from app.engine.definitions import DefinitionError, SourceFile, read_source
from app.extensions import db


@dataclass
class DeployResult:
    created: list[DefinitionVersion] = field(default_factory=list)
    unchanged: list[DefinitionVersion] = field(default_factory=list)


def deploy(files: Iterable[tuple[str, bytes]], actor: str, note: str | None = None) -> DeployResult:
    """Validate the files together with the latest versions of everything else; store what changed.

    Raises InvalidData (422) with ``errors: [{element_id, message, file}]`` when anything is wrong; then
    nothing is stored.
    """
    sources = _read_all(files)
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
    problems = lint_with_latest(sources, changed={s.key for s in changed})
    if problems:
        raise definition_refused(problems)

    for src in changed:
        current = latest.get(src.key)
        version = DefinitionVersion(
            kind=src.kind, key=src.key, name=src.name, version=(current.version + 1) if current else 1,
            filename=src.filename, content=src.content, sha256=src.sha256, deployed_by=actor, note=note)
        db.session.add(version)
        result.created.append(version)
    append_deployments(result.created, actor, note)  # hash-chained log, same transaction
    db.session.commit()
    return result


def _read_all(files: Iterable[tuple[str, bytes]]) -> list[SourceFile]:
    problems, sources = [], []
    for filename, content in files:
        try:
            sources.append(read_source(filename, content))
        except DefinitionError as exc:
            problems.extend(exc.problems)
    if problems:
        raise definition_refused(problems)
    keys = [s.key for s in sources]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise InvalidData(t("duplicate_definitions", keys=sorted(duplicates)))
    return sources


def lint_with_latest(sources: Iterable[SourceFile], changed: set[str]) -> list[LintProblem]:
    """The compiler's checks and the policy rules for ``changed``, with ``sources`` in place of their latest
    versions and the latest versions of everything else (so called processes and decisions resolve)."""
    candidate = {key: source_of(v) for key, v in latest_versions().items()}
    candidate.update({s.key: s for s in sources})
    return lint(candidate.values(), changed=changed, major_processes=major_process_keys(),
                revocation_processes=revocation_process_keys())


def definition_refused(problems) -> InvalidData:
    """The 422 for a refused deployment: one line per problem in the message, and each in ``errors``."""
    lines = "; ".join(f"[{p.file or ''}{'#' + p.element_id if p.element_id else ''}] {p.message}" for p in problems)
    return InvalidData(t("definition_invalid", lines=lines), problems=[p.to_dict() for p in problems],
                       code="definition_invalid")


def deploy_directories(directories: Iterable[str], actor: str, note: str | None = None) -> DeployResult:
    files = []
    for directory in directories:
        for path in sorted(Path(directory).glob("*.bpmn")) + sorted(Path(directory).glob("*.dmn")):
            files.append((path.name, path.read_bytes()))
    return deploy(files, actor, note)
