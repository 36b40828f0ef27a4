"""The working-day calendar: one service for every deadline in the app (see docs/calendar.md).

Use ``calendar()`` inside an app context::

    from app.calendar import calendar
    deadline = calendar().add_workdays(accepted_on, 20)   # Deadline(date, confirmed, calendar_version)
"""
from app.calendar.service import Deadline, WorkingCalendar, calendar, calendar_changed

__all__ = ["Deadline", "WorkingCalendar", "calendar", "calendar_changed"]


def init_app(app) -> None:
    from app.calendar.messages import MESSAGES
    from app.core.i18n import register_messages
    register_messages(MESSAGES)
    from app.calendar.cli import calendar_cli
    app.cli.add_command(calendar_cli)
    from app.calendar import web  # noqa: F401  (routes register on import)
    web.init_app(app)
