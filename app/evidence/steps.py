"""Files at registration and the audio/video rule for the steps that require recording."""
from __future__ import annotations

from sqlalchemy import func, select

from app.cases import hooks
from app.cases.hooks import Step
from app.core.errors import InvalidData
from app.core.i18n import t
from app.evidence.models import Evidence
from app.evidence.service import AUDIO_VIDEO, store_evidence
from app.extensions import db


def _materials(case, user, context, drafts) -> None:
    """The application's materials, registered with it in one transaction."""
    if context.get("attachments"):
        _rows, records = store_evidence(case, context["attachments"], user)
        drafts.extend(records)


def _require_audio_video(step: Step) -> None:
    """An on-site check or hearing is recorded on audio/video, or the reason why not is written down."""
    if not step.meta.requires_av:
        return
    has_av = db.session.scalar(select(func.count(Evidence.id)).where(
        Evidence.task_id == step.task.id, Evidence.kind.in_(AUDIO_VIDEO), Evidence.superseded.is_(False)))
    if not has_av and not (step.data.get("av_exemption_reason") or "").strip():
        message = t("av_reason_required")
        raise InvalidData(message, fields={"av_exemption_reason": [message]})


def _record_interruption(step: Step) -> None:
    """A recording interrupted (battery, the party's objection…) is recorded with the reason given."""
    reason = (step.data.get("av_interruption") or "").strip()
    if step.meta.requires_av and reason:
        step.record("recording_interrupted", {"reason": reason}, on_task=True)


def register() -> None:
    hooks.on_case_created(_materials)
    hooks.register_task_kind(hooks.ANY_KIND, validate=_require_audio_video, apply=_record_interruption)
