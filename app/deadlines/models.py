from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.extensions import db

# 行政许可法 第45条: the only procedures whose time is not counted in the decision period.
EXCLUDED_PROCEDURES = ("hearing", "tender", "auction", "inspection", "testing", "quarantine", "appraisal",
                       "expert_review")
# Procedures whose pause a step's record opens and closes; never typed on the clock form.
AUTOMATIC_PROCEDURES = ("hearing",)
PROCEDURE_LABELS = {"hearing": _l("听证"), "tender": _l("招标"), "auction": _l("拍卖"), "inspection": _l("检验"),
                    "testing": _l("检测"), "quarantine": _l("检疫"), "appraisal": _l("鉴定"),
                    "expert_review": _l("专家评审")}


class ClockPause(db.Model):
    """A period excluded from the decision clock, with the written notice given to the applicant."""
    __tablename__ = "clock_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("approval_case.id"), index=True)
    procedure: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    notice_ref: Mapped[str] = mapped_column(String(200))  # the written notice to the applicant
    start_on: Mapped[dt.date]
    end_on: Mapped[dt.date | None]  # None while the procedure runs
    paused_workdays: Mapped[int | None]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_by: Mapped[str | None] = mapped_column(String(64))
