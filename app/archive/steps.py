"""The 归档 step seals the case file in the same transaction as the step itself."""
from __future__ import annotations

from contextlib import contextmanager

from app.archive.bundle import ArchiveError, seal_case
from app.archive.signed import checkpoint_after_archive
from app.cases import hooks
from app.cases.hooks import Step
from app.core.errors import Conflict
from app.core.vocabulary import CaseStatus, declare_task_kind


@contextmanager
def _sealed(step: Step):
    """The case_archived record, the bundle (written aside, moved into place only after the commit) and
    the manifest's hash on the case. A case file that is not whole (a file missing) refuses the step."""
    if step.case.status != CaseStatus.COMPLETED:
        yield
        return
    try:
        pending = seal_case(step.case, step.user, role=step.task.role, archive_no=step.data.get("archive_no"))
    except ArchiveError as exc:
        raise step.refuse(Conflict, "archive_failed", detail=str(exc))
    with pending:
        yield
    checkpoint_after_archive(step.case.case_no)  # after the commit: anchors the sealed chain outside the database


def register() -> None:
    declare_task_kind("archive", "归档", "Archiving", status="archiving", status_zh="待归档",
                      status_en="Awaiting archiving")
    hooks.register_task_kind("archive", around_commit=_sealed)
