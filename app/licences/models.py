"""The licence register (许可证登记): one row per licence a grant created, and its history."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.core.clock import utcnow
from app.documents.models import VALID as DOCUMENT_VALID
from app.documents.models import IssuedDocument
from app.extensions import db

# A licence's status. ``changed``/``renewed`` are valid licences whose content or term a later decision
# changed; ``cancelled`` (注销, 行政许可法 第70条), ``revoked`` (撤销/撤回, 第69条、第8条) and ``expired`` end it.
VALID, CHANGED, RENEWED, CANCELLED, REVOKED, EXPIRED = "valid", "changed", "renewed", "cancelled", "revoked", "expired"
STATUSES = (VALID, CHANGED, RENEWED, CANCELLED, REVOKED, EXPIRED)
IN_FORCE = (VALID, CHANGED, RENEWED)


class Licence(db.Model):
    __tablename__ = "licence"
    __table_args__ = (Index("ix_licence_holder_status", "holder_code", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)  # from the gap-free register
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"), unique=True)  # the granting case
    licence_name: Mapped[str] = mapped_column(String(200))  # 许可证书名称
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_type: Mapped[str] = mapped_column(String(32))
    holder_code: Mapped[str | None] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(Text)  # 许可内容/许可范围
    document_no: Mapped[str | None] = mapped_column(String(100))  # the decision's 文书号
    decided_on: Mapped[dt.date]
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date | None] = mapped_column(index=True)  # None: no term (长期有效)
    status: Mapped[str] = mapped_column(String(16), index=True)
    status_changed_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lock_version: Mapped[int] = mapped_column(default=1)

    # The 准予行政许可决定书 the documents register issued at the granting step (after this row was written):
    # read with the row itself, one query for a whole list instead of one per licence.
    issued_decision_no: Mapped[str | None] = column_property(
        select(IssuedDocument.number).where(IssuedDocument.case_id == case_id,
                                            IssuedDocument.doc_type == "grant_decision",
                                            IssuedDocument.status == DOCUMENT_VALID)
        .order_by(IssuedDocument.id.desc()).limit(1).correlate_except(IssuedDocument).scalar_subquery())

    @property
    def decision_no(self) -> str | None:
        """The grant decision's 文号: typed once (older cases), else the register's."""
        return self.document_no or self.issued_decision_no

    item = relationship("ServiceItem", lazy="joined", innerjoin=True)
    case = relationship("Case")
    events = relationship("LicenceEvent", back_populates="licence", order_by="LicenceEvent.id")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def in_force(self) -> bool:
        return self.status in IN_FORCE


class LicenceEvent(db.Model):
    """One event of a licence's life (granted, changed, renewed, deemed renewed, cancelled, revoked,
    expired), with the case that caused it; the same event is also in that case's hash-chained records."""
    __tablename__ = "licence_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("licence.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("approval_case.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    licence = relationship("Licence", back_populates="events")
