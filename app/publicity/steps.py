"""What publicity (公示) adds to a case's steps: the receipt's query code at registration, the 双公示 draft
at the decision, and the 公示 step."""
from __future__ import annotations

from sqlalchemy import select

from app.cases import hooks
from app.cases.hooks import Step
from app.core.errors import Conflict
from app.core.i18n import t
from app.core.vocabulary import declare_task_kind
from app.extensions import db
from app.publicity.models import PENDING_REVIEW, Publication
from app.publicity.progress import new_query_code
from app.publicity.publications import create_draft


def _query_code(case, user, context, drafts) -> None:
    case.query_code = new_query_code()  # printed on the receipt: the public progress query needs it


def _draft_publication(step: Step) -> None:
    # to review and publish within 7 working days; with the licence the register gave the grant (app.licences)
    create_draft(step.case, {**step.data, **step.outputs}, step.drafts)


def _publication_final(step: Step) -> None:
    """公示 completes from the publication record only: published (later updated or withdrawn) or withheld."""
    pub = db.session.scalar(select(Publication).where(Publication.case_id == step.case.id))
    if pub is None or pub.state == PENDING_REVIEW:
        raise Conflict(t("publication_not_final"), code="publication_not_final")


def register() -> None:
    declare_task_kind("publish", "公示", "Publication", status="publishing", status_zh="待公示",
                      status_en="Awaiting publication")
    hooks.on_case_created(_query_code)
    hooks.register_task_kind("decide", apply=_draft_publication)
    hooks.register_task_kind("publish", validate=_publication_final)
