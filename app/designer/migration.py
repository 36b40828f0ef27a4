"""Moving running cases to the latest definition versions (迁移运行中案件).

A case runs on the exact definition versions it was created with (``Case.bundle``). When a designer deploys
a new version, running cases stay on their old versions until a supervisor moves them here. The target is
always the latest version of every definition: ``bundle_key(latest ids)`` — the bundle a case created now
would get.

The dry run (``plan``) loads each candidate case with its own bundle, compares it with the target using
SpiffWorkflow's ``diff_workflow`` (top-level process and every subprocess the case has started), and then
*tries* the migration in memory: ``migrate_workflow`` for the process and each subprocess, the new
subprocess specs set on the workflow, the engine run, the state written and read back against the target
bundle. A case can move only when nothing below refuses it:

* ``open_step_removed``       a step the case is at (ready, waiting, started) no longer exists;
* ``history_step_removed``    a step the case already went through no longer exists (its history could not be
                              read against the new version);
* ``open_step_type_changed``  a step the case is at became another kind of element;
* ``called_process_changed``  the case is inside a called process and the call activity now calls another one;
* ``subprocess_removed``      the case is inside a called process that the new versions no longer contain;
* ``open_step_role_changed``  an open step moved to another lane (role): finish or reassign it first;
* ``process_missing``         the case's process is not in the target versions;
* ``engine_error``            the case has an unresolved engine error (retry it on the supervisor's desk first);
* ``trial_failed``            the in-memory trial failed (the message says why).

``migrate_case`` moves one case in one transaction: it locks the case, re-checks, migrates, re-syncs the
task projection (open steps that vanished are cancelled, new ready steps get rows and due dates, open
steps that were re-aligned to a renamed element get the new name, title and kind), sets ``Case.bundle`` and
``Case.process_version_id``, writes the state and the ``case_migrated`` execution record (versions before
and after, both bundle keys, added/removed/changed task specs) followed by the engine's transitions.

Who: the supervisor (法制监督). Designers deploy versions but see no case data; moving cases is an engine
action on running cases like the supervisor's retry, so the two duties stay with two people.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.cases.actions import action, lock_case_by_no
from app.cases.models import Case, TaskItem
from app.cases.sync import persist_run, transition_drafts
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.i18n import t
from app.core.roles import role_label
from app.core.vocabulary import TERMINAL_STATUSES
from app.definitions.models import DefinitionVersion
from app.definitions.service import bundle_key, get_bundle, latest_versions
from app.engine.definitions import Bundle
from app.engine.migration import Refusal, SpecChanges, Trial, spec_changes, trial_move
from app.engine.workflow import CaseWorkflow
from app.extensions import db
from app.records import RecordDraft
from app.users.models import User

ROLE = "supervisor"
ACTION = "case_migrated"


def msg(message_key: str, lang: str | None = None, **params) -> str:
    """A migration message (app.designer.messages, keys ``migration_…``) in the user's language or ``lang``."""
    # Filled in here, not by t(): the params may include ``key``, which is t's own first parameter.
    return t(f"migration_{message_key}", lang).format(**params)


@dataclass
class Reason:
    code: str
    params: dict = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return msg(self.code, lang, **self.params)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.text(), **self.params}


@dataclass
class CaseCheck:
    """The dry run for one case."""
    case_no: str
    case_id: int
    status: str
    current_steps: list[str]
    from_bundle: str
    to_bundle: str
    reasons: list[Reason] = field(default_factory=list)
    open_after: list[str] = field(default_factory=list)  # open steps after moving (trial)

    @property
    def can_move(self) -> bool:
        return not self.reasons

    def to_dict(self) -> dict:
        return {"case_no": self.case_no, "status": self.status, "current_steps": self.current_steps,
                "can_move": self.can_move, "reasons": [r.to_dict() for r in self.reasons],
                "open_after": self.open_after, "from_bundle": self.from_bundle, "to_bundle": self.to_bundle}


@dataclass
class Plan:
    key: str
    to_version: int
    to_bundle: str
    changes: SpecChanges | None
    cases: list[CaseCheck]

    @property
    def movable(self) -> list[CaseCheck]:
        return [c for c in self.cases if c.can_move]

    def to_dict(self) -> dict:
        return {"key": self.key, "to_version": self.to_version, "to_bundle": self.to_bundle,
                "changes": self.changes.to_dict() if self.changes else None,
                "cases": [c.to_dict() for c in self.cases],
                "movable": len(self.movable), "refused": len(self.cases) - len(self.movable)}


# ------------------------------------------------------------------------------------------ permissions

def require_supervisor(user: User) -> None:
    if not user.has_role(ROLE):
        raise Forbidden(msg("supervisor_required"), code="supervisor_required")


# ------------------------------------------------------------------------------------------ targets

def target_bundle_key() -> str:
    return bundle_key(v.id for v in latest_versions().values())


def _latest_of(key: str) -> DefinitionVersion:
    latest = latest_versions().get(key)
    if latest is None:
        raise NotFound(msg("no_such_definition", key=key), code="not_found")
    return latest


def check_target(key: str, version: int | None) -> DefinitionVersion:
    """The latest version of ``key``; refuse any other (cases move to the latest versions of everything)."""
    latest = _latest_of(key)
    if version is not None and version != latest.version:
        raise Conflict(msg("not_latest_version", key=key, latest=latest.version), code="not_latest_version")
    return latest


def _version_ids_of(key: str) -> set[int]:
    return set(db.session.scalars(select(DefinitionVersion.id).where(DefinitionVersion.key == key)))


def candidate_cases(key: str, latest_id: int) -> list[Case]:
    """Running cases whose versions include an older version of ``key`` (as their process, a called
    process or a decision table)."""
    older = _version_ids_of(key) - {latest_id}
    if not older:
        return []
    rows = db.session.execute(select(Case.id, Case.bundle).where(
        Case.status.not_in(TERMINAL_STATUSES), Case.archived_at.is_(None)).order_by(Case.id)).all()
    ids = [case_id for case_id, bundle in rows
           if older & {int(p) for p in (bundle or "").split(",") if p.strip().isdigit()}]
    if not ids:
        return []
    return list(db.session.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id)))


def _versions_by_key(key: str) -> dict[str, int]:
    ids = [int(i) for i in key.split(",") if i]
    return {v.key: v.version for v in db.session.execute(
        select(DefinitionVersion.key, DefinitionVersion.version).where(DefinitionVersion.id.in_(ids))).all()}


# ------------------------------------------------------------------------------------------ trial

def _trial(case: Case, old: Bundle, new: Bundle) -> tuple[list[Reason], Trial | None]:
    """(refusals, the trial move). Nothing is written."""
    if case.engine_error:
        return [Reason("engine_error")], None
    trial = trial_move(old, new, case.process_key, case.state)
    return [_reason(r) for r in trial.refusals], trial


def _reason(refusal: Refusal) -> Reason:
    params = dict(refusal.params)
    if refusal.code == "open_step_role_changed":
        params["old"], params["new"] = role_label(params["old"]), role_label(params["new"])
    return Reason(refusal.code, params)


def _current_steps(case: Case) -> list[str]:
    return list(db.session.scalars(select(TaskItem.title).where(TaskItem.case_id == case.id,
                                                                TaskItem.state == "READY").order_by(TaskItem.created_at)))


def check_case(case: Case, to_key: str | None = None) -> CaseCheck:
    to_key = to_key or target_bundle_key()
    result = CaseCheck(case.case_no, case.id, case.status, _current_steps(case), case.bundle, to_key)
    if case.status in TERMINAL_STATUSES or case.archived_at is not None:
        result.reasons.append(Reason("not_running"))
        return result
    if case.bundle == to_key:
        result.reasons.append(Reason("already_latest"))
        return result
    old, new = get_bundle(case.bundle), get_bundle(to_key)
    result.reasons, trial = _trial(case, old, new)
    if trial is not None and trial.workflow is not None:
        result.open_after = [trial.workflow.task_meta(t).title for t in trial.workflow.ready_user_tasks().values()]
    return result


def plan(key: str, version: int | None = None) -> Plan:
    """The dry run for every running case on an older version of ``key``. Writes nothing."""
    latest = check_target(key, version)
    to_key = target_bundle_key()
    cases = candidate_cases(key, latest.id)
    checks = [check_case(case, to_key) for case in cases]
    changes = None
    if latest.kind == "bpmn" and cases:
        first = cases[0]
        changes = spec_changes(get_bundle(first.bundle), get_bundle(to_key), first.process_key) \
            if first.process_key in get_bundle(to_key).specs else None
    return Plan(key, latest.version, to_key, changes, checks)


# ------------------------------------------------------------------------------------------ migrating

class MigrationRefused(Conflict):
    code = "migration_refused"

    def __init__(self, message: str, reasons: list[Reason]):
        super().__init__(message, code="migration_refused", problems=[r.to_dict() for r in reasons])
        self.reasons = reasons


def migrate_case(user: User, case_no: str, key: str | None = None, version: int | None = None) -> CaseCheck:
    """Move one case to the latest versions, in one transaction. Raises MigrationRefused (409, with the
    reasons) when the case cannot move; nothing is written then."""
    return action(_migrate_case)(user, case_no, key, version)


def _migrate_case(user: User, case_no: str, key: str | None, version: int | None) -> CaseCheck:
    require_supervisor(user)
    if key is not None:
        check_target(key, version)
    case = lock_case_by_no(case_no)
    to_key = target_bundle_key()
    if case.status in TERMINAL_STATUSES or case.archived_at is not None or case.bundle == to_key:
        reason = Reason("already_latest" if case.bundle == to_key else "not_running")
        db.session.rollback()
        raise MigrationRefused(msg("refused", case_no=case_no, reasons=reason.text()), [reason])
    old, new = get_bundle(case.bundle), get_bundle(to_key)
    reasons, trial = _trial(case, old, new)
    if reasons:
        db.session.rollback()
        raise MigrationRefused(msg("refused", case_no=case_no,
                                   reasons="；".join(r.text() for r in reasons)), reasons)

    from_bundle = case.bundle
    from_versions, to_versions = _versions_by_key(from_bundle), _versions_by_key(to_key)
    changes = spec_changes(old, new, case.process_key)
    latest = latest_versions()
    drafts = [RecordDraft(actor=user.username, role=ROLE, action=ACTION, payload={
        "process": case.process_key,
        "from": {"bundle": from_bundle, "process_version": from_versions.get(case.process_key),
                 "versions": from_versions},
        "to": {"bundle": to_key, "process_version": to_versions.get(case.process_key), "versions": to_versions},
        "definitions": {k: {"from": from_versions.get(k), "to": to_versions.get(k)}
                        for k in sorted(set(from_versions) | set(to_versions))
                        if from_versions.get(k) != to_versions.get(k)},
        **changes.to_dict()})]
    drafts += transition_drafts(trial.run)
    ready_before = trial.run.ready_before  # the projection's open rows, taken before migrating

    case.bundle = to_key
    case.process_version_id = latest[case.process_key].id
    _realign_open_rows(case, trial.workflow, ready_before, drafts)
    persist_run(case, trial.workflow, ready_before, drafts)
    db.session.commit()
    result = CaseCheck(case.case_no, case.id, case.status, _current_steps(case), from_bundle, to_key)
    result.open_after = result.current_steps
    return result


def _realign_open_rows(case: Case, workflow: CaseWorkflow, ready_before: set[str], drafts: list) -> None:
    """Open steps kept by the migration but aligned to an element with another id, name or kind: their
    rows take the new element's name, title and kind (the role is unchanged, else the case was refused)."""
    if not ready_before:
        return
    ready = workflow.ready_user_tasks()
    rows = db.session.scalars(select(TaskItem).where(TaskItem.id.in_(ready_before & ready.keys()),
                                                     TaskItem.state == "READY"))
    for row in rows:
        meta = workflow.task_meta(ready[row.id])
        if (row.name, row.title, row.kind) != (meta.task_id, meta.title, meta.kind):
            drafts.append(RecordDraft(actor="engine", action="task_realigned", task_id=row.id, task_name=meta.task_id,
                                      payload={"from": {"name": row.name, "title": row.title, "kind": row.kind},
                                               "to": {"name": meta.task_id, "title": meta.title,
                                                      "kind": meta.kind}}))
            row.name, row.title, row.kind, row.process_id = meta.task_id, meta.title, meta.kind, meta.process_id


def migrate_all(user: User, key: str, version: int | None = None) -> tuple[list[CaseCheck], list[CaseCheck]]:
    """Move every running case of ``key`` that can move, one transaction each. Returns (moved, refused)."""
    require_supervisor(user)
    current = plan(key, version)
    moved, refused = [], [c for c in current.cases if not c.can_move]
    for check in current.movable:
        db.session.rollback()
        try:
            moved.append(migrate_case(user, check.case_no, key, version))
        except MigrationRefused as exc:  # changed since the dry run
            db.session.rollback()
            check.reasons = exc.reasons
            refused.append(check)
        except Conflict as exc:  # a concurrent action on the case: it stays where it is
            db.session.rollback()
            check.reasons = [Reason("trial_failed", {"detail": exc.message})]
            refused.append(check)
    return moved, refused
