"""The working-day calendar: one service for every deadline in the app (see docs/calendar.md).

Use ``calendar()`` inside an app context::

    from app.calendar import calendar
    deadline = calendar().add_workdays(accepted_on, 20)   # Deadline(date, confirmed, calendar_version)
"""
from app.calendar.service import Deadline, WorkingCalendar, calendar, calendar_changed

__all__ = ["Deadline", "WorkingCalendar", "calendar", "calendar_changed"]
