"""What registration keeps besides the case row: the applicant's contact details (personal information, kept
out of the hash-chained records so that it can be corrected or erased), and the one-time tokens of the
registration form (a form submitted twice registers once)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.extensions import db


class ApplicantContact(db.Model):
    __tablename__ = "applicant_contact"

    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
    id_number: Mapped[str | None] = mapped_column(String(32))  # 身份证号 of a natural person / the representative
    legal_representative: Mapped[str | None] = mapped_column(String(100))


class RegistrationToken(db.Model):
    """A registration form's token, spent by the case it registered (unique: the second submission fails)."""
    __tablename__ = "registration_token"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"))
    used_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
