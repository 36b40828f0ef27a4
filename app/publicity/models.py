"""A licensing decision's publication record (双公示, domain.md §4B) and its life.

PENDING_REVIEW → PUBLISHED → (UPDATED | WITHDRAWN), or PENDING_REVIEW → WITHHELD (a secret or privacy
exclusion with a reason and an approver). ``fields`` holds the record under the standard's Chinese field
names, unmasked; masking happens when it is shown to the public.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.extensions import db

PENDING_REVIEW, PUBLISHED, UPDATED, WITHDRAWN, WITHHELD = "PENDING_REVIEW", "PUBLISHED", "UPDATED", "WITHDRAWN", \
    "WITHHELD"
STATES = (PENDING_REVIEW, PUBLISHED, UPDATED, WITHDRAWN, WITHHELD)
PUBLIC_STATES = (PUBLISHED, UPDATED, WITHDRAWN)  # what the portal lists; withdrawn ones as 无效
LIVE_STATES = (PUBLISHED, UPDATED)
# Reasons a decision may be kept off the portal (政府信息公开条例 第14、15条).
WITHHOLD_CLASSES = ("business_secret", "privacy", "state_secret")
# Grounds for keeping a whole decision off the portal: those classes, or the item's own exception in a law or a
# ministry's rule (法律法规、部门规章另有规定的除外; the basis is the catalogue's ``publication_exception``).
LEGAL_EXCEPTION = "legal_exception"
WITHHOLD_GROUNDS = WITHHOLD_CLASSES + (LEGAL_EXCEPTION,)


class Publication(db.Model):
    __tablename__ = "publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id", ondelete="CASCADE"), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    # Search columns, copied from ``fields`` whenever they change (JSON is not searchable everywhere).
    subject_name: Mapped[str] = mapped_column(String(200), default="")
    document_no: Mapped[str] = mapped_column(String(100), default="")
    decision_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date, index=True)  # = case.publication_due
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(64))
    withheld_class: Mapped[str | None] = mapped_column(String(16))
    withheld_reason: Mapped[str | None] = mapped_column(Text)
    withheld_approver: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[dt.datetime | None]
    public_note: Mapped[str | None] = mapped_column(Text)  # the reason of a withdrawal or update, shown publicly
    redactions: Mapped[list] = mapped_column(JSON, default=list)  # [{field, class, reason, by, at}]
    history: Mapped[list] = mapped_column(JSON, default=list)  # [{at, by, action, ...}]
    lock_version: Mapped[int] = mapped_column(default=1)

    case = relationship("Case")  # loaded when asked for: the case row carries the engine state
    item = relationship("ServiceItem", lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES
