"""The legal clocks of a case, computed from its dates and the working-day calendar (行政许可法).

- Correction notice (第32条): within 5 working days of receipt, else the application counts as accepted
  on the receipt date.
- Decision (第42条): statutory working days from acceptance (20, or 45 for joint handling), one extension
  (+10, or +15 for joint handling) with approval, plus the working days of §45 pauses.
- Legal review (辽宁省重大行政执法决定法制审核办法): 7 working days from complete materials, +3 once with
  the head's approval; it does NOT pause the decision clock.
- Publication of a decision: 7 working days after the decision date.
Dates are China dates; "today" comes from ``app.core.clock.china_today`` so tests can freeze it.
"""
from __future__ import annotations

import datetime as dt

from app.calendar.service import Deadline, WorkingCalendar, calendar

CORRECTION_NOTICE_WORKDAYS = 5
LEGAL_REVIEW_WORKDAYS = 7
LEGAL_REVIEW_EXTENSION_WORKDAYS = 3
PUBLICATION_WORKDAYS = 7
EXTENSION_WORKDAYS = 10
JOINT_HANDLING_WORKDAYS = 45
JOINT_EXTENSION_WORKDAYS = 15


def correction_notice_due(received_on: dt.date, cal: WorkingCalendar | None = None) -> Deadline:
    return (cal or calendar()).add_workdays(received_on, CORRECTION_NOTICE_WORKDAYS)


def statutory_workdays(item) -> int:
    return JOINT_HANDLING_WORKDAYS if item.joint_handling else item.statutory_days


def extension_workdays(item) -> int:
    return JOINT_EXTENSION_WORKDAYS if item.joint_handling else EXTENSION_WORKDAYS


def paused_workdays(start_on: dt.date, end_on: dt.date, cal: WorkingCalendar | None = None) -> int:
    """Working days of an excluded procedure, both ends included (from the day after the written notice
    through the day the result arrives is what the bureau records as start_on..end_on)."""
    return max((cal or calendar()).workdays_between(start_on - dt.timedelta(days=1), end_on), 0)


def decision_due(accepted_on: dt.date, item, extension_days: int, paused: int,
                 cal: WorkingCalendar | None = None) -> Deadline:
    return (cal or calendar()).add_workdays(accepted_on, statutory_workdays(item) + extension_days + paused)


def legal_review_due(materials_complete_on: dt.date, extended: bool, cal: WorkingCalendar | None = None) -> Deadline:
    days = LEGAL_REVIEW_WORKDAYS + (LEGAL_REVIEW_EXTENSION_WORKDAYS if extended else 0)
    return (cal or calendar()).add_workdays(materials_complete_on, days)


def publication_due(decided_on: dt.date, cal: WorkingCalendar | None = None) -> Deadline:
    return (cal or calendar()).add_workdays(decided_on, PUBLICATION_WORKDAYS)


# 行政许可法 第44条: the licence is issued and served within 10 days of the decision (working days, 第82条).
SERVICE_WORKDAYS = 10


def service_due(decided_on: dt.date, cal: WorkingCalendar | None = None) -> Deadline:
    """The decision and the licence are served (送达) within 10 working days of the decision (第44条)."""
    return (cal or calendar()).add_workdays(decided_on, SERVICE_WORKDAYS)
