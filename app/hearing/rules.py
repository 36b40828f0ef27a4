"""The hearing's date rules (行政许可法 第47、48条), counted on the working-day calendar (第82条: the periods of
this law are working days; for the applicant's 5-day request window the bureau counts working days too, which
favours the applicant — docs/hearing.md)."""
from __future__ import annotations

import datetime as dt

from app.calendar.service import WorkingCalendar, calendar

REQUEST_WINDOW_WORKDAYS = 5  # 第47条: a request within 5 days of the notice of hearing rights
HOLD_WITHIN_WORKDAYS = 20  # 第47条: the hearing organised within 20 days of the request
NOTICE_BEFORE_WORKDAYS = 7  # 第48条: time and place notified 7 days before the hearing


def request_window_until(notified_on: dt.date, cal: WorkingCalendar | None = None) -> dt.date:
    """The last day a request is accepted: the 5th working day after the notice."""
    return (cal or calendar()).add_workdays(notified_on, REQUEST_WINDOW_WORKDAYS).date


def hold_by(requested_on: dt.date, cal: WorkingCalendar | None = None) -> dt.date:
    """The last day the hearing may be held: the 20th working day after the request."""
    return (cal or calendar()).add_workdays(requested_on, HOLD_WITHIN_WORKDAYS).date


def earliest_hearing(parties_notified_on: dt.date, cal: WorkingCalendar | None = None) -> dt.date:
    """The earliest day of a hearing whose time and place were notified on ``parties_notified_on``."""
    return (cal or calendar()).add_workdays(parties_notified_on, NOTICE_BEFORE_WORKDAYS).date
