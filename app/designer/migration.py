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

from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from app.core.errors import Conflict, Forbidden, NotFound
from app.core.i18n import current_language
from app.designer.registry import FINISHED_STATUSES
from app.engine.definitions import Bundle
from app.engine.runtime import (
    STATE_SERIALIZER,
    TransitionCapture,
    dump_workflow,
    load_workflow,
)
from app.extensions import db
from app.models import Case, DefinitionVersion, TaskItem, User
from app.records import RecordDraft
from app.services.definitions import bundle_key, get_bundle, latest_versions

ROLE = "supervisor"
ACTION = "case_migrated"
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR

MESSAGES: dict[str, tuple[str, str]] = {
    "open_step_removed": ("案件当前所在的“{step}”在新版本中已删除",
                          "The step the case is at, “{step}”, was removed in the new version."),
    "history_step_removed": ("案件已办理的“{step}”在新版本中已删除，办理历史无法对应到新版本",
                             "The case already went through “{step}”, which the new version removed."),
    "open_step_type_changed": ("案件当前所在的“{step}”在新版本中改成了另一类元素",
                               "The step the case is at, “{step}”, became another kind of element."),
    "called_process_changed": ("案件正在执行的调用活动“{step}”在新版本中改为调用其他流程",
                               "The call activity the case is in, “{step}”, calls another process now."),
    "subprocess_removed": ("案件正在执行的子流程 {process} 不在新版本中",
                           "The case is inside the process {process}, which the new versions do not contain."),
    "open_step_role_changed": ("待办的“{step}”在新版本中改由{new}办理（原为{old}），请先办结或改派",
                               "The open step “{step}” moves from {old} to {new}: finish it first."),
    "process_missing": ("新版本中没有流程 {process}", "The new versions contain no process {process}."),
    "engine_error": ("案件有未解决的流程错误，请先在督办台重新运行",
                     "The case has an unresolved engine error: retry it on the supervisor's desk first."),
    "trial_failed": ("试迁移失败：{detail}", "The trial migration failed: {detail}"),
    "already_latest": ("案件已在使用最新版本", "The case already runs on the latest versions."),
    "not_running": ("案件不在办理中", "The case is not running."),
    "migration_refused": ("案件 {case_no} 不能迁移：{reasons}", "Case {case_no} cannot move: {reasons}"),
    "not_latest_version": ("只能迁移到最新版本（{key} 最新为第 {latest} 版）",
                           "Cases move to the latest version only ({key}: version {latest})."),
    "no_such_definition": ("没有此定义：{key}", "No such definition: {key}"),
    "supervisor_required": ("只有监督人员可以迁移运行中案件", "Only a supervisor may move running cases."),
}


def msg(message_key: str, lang: str | None = None, **params) -> str:
    zh, en = MESSAGES[message_key]
    return (en if (lang or current_language()) == "en" else zh).format(**params)


@dataclass
class Reason:
    code: str
    params: dict = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return msg(self.code, lang, **self.params)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.text(), **self.params}


@dataclass
class SpecChanges:
    """Task specs added, removed and changed between the case's versions and the target, over the process
    and its subprocess specs (BPMN element ids; the engine's own internal specs left out)."""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}


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
        Case.status.not_in(FINISHED_STATUSES), Case.archived_at.is_(None)).order_by(Case.id)).all()
    ids = [case_id for case_id, bundle in rows
           if older & {int(p) for p in (bundle or "").split(",") if p.strip().isdigit()}]
    if not ids:
        return []
    return list(db.session.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id)))


def _versions_by_key(key: str) -> dict[str, int]:
    ids = [int(i) for i in key.split(",") if i]
    return {v.key: v.version for v in db.session.execute(
        select(DefinitionVersion.key, DefinitionVersion.version).where(DefinitionVersion.id.in_(ids))).all()}


# ------------------------------------------------------------------------------------------ diffing

def _spec_label(spec) -> str:
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _is_bpmn(spec) -> bool:
    return getattr(spec, "bpmn_id", None) is not None


def spec_changes(old: Bundle, new: Bundle, process_key: str) -> SpecChanges:
    """What the engine sees changed for a case of ``process_key``: its process and its subprocess specs."""
    result = SpecChanges()
    registry = STATE_SERIALIZER.registry
    old_spec, old_subs = old.specs[process_key]
    new_spec, new_subs = new.specs.get(process_key, (None, {}))
    pairs = [(old_spec, new_spec)] + [(spec, new_subs.get(name)) for name, spec in old_subs.items()]
    pairs += [(None, spec) for name, spec in new_subs.items() if name not in old_subs]
    for original, updated in pairs:
        if original is None:
            result.added += [s.bpmn_id for s in updated.task_specs.values() if _is_bpmn(s)]
            continue
        if updated is None:
            result.removed += [s.bpmn_id for s in original.task_specs.values() if _is_bpmn(s)]
            continue
        diff = SpecDiff(registry, original, updated)
        result.added += [s.bpmn_id for s in diff.added if _is_bpmn(s)]
        result.removed += [s.bpmn_id for s in diff.removed if _is_bpmn(s)]
        for spec, keys in diff.changed.items():
            if _is_bpmn(spec):
                result.changed[spec.bpmn_id] = sorted(set(result.changed.get(spec.bpmn_id, [])) | set(keys))
    result.added = sorted(set(result.added))
    result.removed = sorted(set(result.removed))
    return result


def _refusals(workflow, top_diff, sp_diffs, old: Bundle, new: Bundle) -> list[Reason]:
    reasons: list[Reason] = []
    seen: set[tuple] = set()

    def add(code: str, **params):
        if (code, tuple(sorted(params.items()))) not in seen:
            seen.add((code, tuple(sorted(params.items()))))
            reasons.append(Reason(code, params))

    def check(diff, wf):
        for task in diff.removed:
            if not _is_bpmn(task.task_spec):
                continue
            if task.state & _ACTIVE:
                add("open_step_removed", step=_spec_label(task.task_spec))
            elif task.state == TaskState.COMPLETED:
                add("history_step_removed", step=_spec_label(task.task_spec))
        changed = {t.id for t in diff.changed}
        for task in wf.get_tasks(state=_ACTIVE, skip_subprocesses=True):
            new_spec = diff.alignment.get(task)
            if new_spec is None or not _is_bpmn(task.task_spec):
                continue
            if task.id in changed and type(new_spec) is not type(task.task_spec):
                add("open_step_type_changed", step=_spec_label(task.task_spec))
            old_called = getattr(task.task_spec, "spec", None)
            if task.id in workflow.subprocesses and old_called != getattr(new_spec, "spec", None):
                add("called_process_changed", step=_spec_label(task.task_spec))
            if task.state == TaskState.READY and task.task_spec.manual:
                old_meta = old.tasks.get((wf.spec.name, task.task_spec.bpmn_id))
                new_meta = new.tasks.get((wf.spec.name, new_spec.bpmn_id))
                if old_meta and new_meta and old_meta.role != new_meta.role:
                    from app.core.roles import role_label
                    add("open_step_role_changed", step=old_meta.title, old=role_label(old_meta.role),
                        new=role_label(new_meta.role))

    check(top_diff, workflow)
    for sp_id, sp_diff in sp_diffs.items():
        subprocess = workflow.subprocesses[sp_id]
        if sp_diff is None:
            if not subprocess.completed:
                add("subprocess_removed", process=subprocess.spec.name)
            continue
        check(sp_diff, subprocess)
    return reasons


def _migrate_in_memory(workflow, top_diff, sp_diffs, new: Bundle, process_key: str) -> list:
    """Point the workflow and its subprocesses at the new specs; returns the tasks the library dropped."""
    new_spec, new_subs = new.specs[process_key]
    deleted = migrate_workflow(top_diff, workflow, new_spec)
    for sp_id, sp_diff in sp_diffs.items():
        subprocess = workflow.subprocesses.get(sp_id)
        if subprocess is None or sp_diff is None:
            continue  # a finished subprocess whose spec is gone: its tasks keep their old specs (refused above)
        deleted += migrate_workflow(sp_diff, subprocess, new_subs[subprocess.spec.name])
    workflow.subprocess_specs = new_subs  # subprocesses started from now on use the new versions
    return deleted


def _ready_user_tasks(workflow) -> dict:
    return {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}


def _trial(case: Case, old: Bundle, new: Bundle, to_key: str) -> tuple[list[Reason], object, object]:
    """(refusals, the migrated workflow or None, its TransitionCapture). Nothing is written."""
    if case.engine_error:
        return [Reason("engine_error")], None, None
    if case.process_key not in new.specs:
        return [Reason("process_missing", {"process": case.process_key})], None, None
    workflow = load_workflow(old, case.process_key, case.state)
    new_spec, new_subs = new.specs[case.process_key]
    top_diff, sp_diffs = diff_workflow(STATE_SERIALIZER.registry, workflow, new_spec, new_subs)
    reasons = _refusals(workflow, top_diff, sp_diffs, old, new)
    if reasons:
        return reasons, None, None
    try:
        with TransitionCapture(workflow) as capture:
            _migrate_in_memory(workflow, top_diff, sp_diffs, new, case.process_key)
            workflow.refresh_timers()
            workflow.do_engine_steps()
        # The state must read back against the target versions exactly as the next action will read it.
        reloaded = load_workflow(new, case.process_key, dump_workflow(workflow))
        for task in reloaded.get_tasks(state=TaskState.READY, manual=True):
            new.task_meta(task.workflow.spec.name, task.task_spec.bpmn_id)
    except (SpiffWorkflowException, KeyError, AttributeError, ValueError, TypeError) as exc:
        detail = f"{type(exc).__name__}: {exc}"[:500]
        return [Reason("trial_failed", {"detail": detail})], None, None
    return [], workflow, capture


def _current_steps(case: Case) -> list[str]:
    return list(db.session.scalars(select(TaskItem.title).where(TaskItem.case_id == case.id,
                                                                TaskItem.state == "READY").order_by(TaskItem.created_at)))


def check_case(case: Case, to_key: str | None = None) -> CaseCheck:
    to_key = to_key or target_bundle_key()
    result = CaseCheck(case.case_no, case.id, case.status, _current_steps(case), case.bundle, to_key)
    if case.status in FINISHED_STATUSES or case.archived_at is not None:
        result.reasons.append(Reason("not_running"))
        return result
    if case.bundle == to_key:
        result.reasons.append(Reason("already_latest"))
        return result
    old, new = get_bundle(case.bundle), get_bundle(to_key)
    reasons, workflow, _capture = _trial(case, old, new, to_key)
    result.reasons = reasons
    if workflow is not None:
        result.open_after = [new.task_meta(t.workflow.spec.name, t.task_spec.bpmn_id).title
                             for t in _ready_user_tasks(workflow).values()]
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
    from app.services.cases import action
    return action(_migrate_case)(user, case_no, key, version)


def _migrate_case(user: User, case_no: str, key: str | None, version: int | None) -> CaseCheck:
    from app.services.cases import _persist_run, _transition_drafts, lock_case_by_no
    require_supervisor(user)
    if key is not None:
        check_target(key, version)
    case = lock_case_by_no(case_no)
    to_key = target_bundle_key()
    if case.status in FINISHED_STATUSES or case.archived_at is not None or case.bundle == to_key:
        reason = Reason("already_latest" if case.bundle == to_key else "not_running")
        db.session.rollback()
        raise MigrationRefused(msg("migration_refused", case_no=case_no, reasons=reason.text()), [reason])
    old, new = get_bundle(case.bundle), get_bundle(to_key)
    reasons, workflow, capture = _trial(case, old, new, to_key)
    if reasons:
        db.session.rollback()
        raise MigrationRefused(msg("migration_refused", case_no=case_no,
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
    drafts += _transition_drafts(capture, None, None)
    ready_before = capture.ready_user_tasks_before  # the projection's open rows, taken before migrating

    case.bundle = to_key
    case.process_version_id = latest[case.process_key].id
    ready = _ready_user_tasks(workflow)
    _realign_open_rows(case, ready, ready_before, new, drafts)
    _persist_run(case, workflow, new, ready_before, drafts)
    db.session.commit()
    result = CaseCheck(case.case_no, case.id, case.status, _current_steps(case), from_bundle, to_key)
    result.open_after = result.current_steps
    return result


def _realign_open_rows(case: Case, ready: dict, ready_before: set[str], new: Bundle, drafts: list) -> None:
    """Open steps kept by the migration but aligned to an element with another id, name or kind: their
    rows take the new element's name, title and kind (the role is unchanged, else the case was refused)."""
    if not ready_before:
        return
    rows = db.session.scalars(select(TaskItem).where(TaskItem.id.in_(ready_before & ready.keys()),
                                                     TaskItem.state == "READY"))
    for row in rows:
        engine_task = ready[row.id]
        meta = new.task_meta(engine_task.workflow.spec.name, engine_task.task_spec.bpmn_id)
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
