"""The annual report's reminder job."""
from __future__ import annotations

import datetime as dt

from flask import current_app

from app.annual.service import is_published


def annual_report_reminder(today: dt.date) -> dict:
    """统计年报: last year's report is due before 31 January. In January, while it is not published, remind
    (log) every run; ``published`` says whether a version of last year's report is published."""
    due = dt.date(today.year, 1, 31)
    in_season = today.month == 1
    published = is_published(today.year - 1)
    if in_season and not published:
        current_app.logger.warning("统计年报：%s 年度报告须于 %s 前公布并报送（剩 %d 天）", today.year - 1, due,
                                   (due - today).days)
    return {"in_season": int(in_season), "published": published,
            "days_left": (due - today).days if in_season else None}
