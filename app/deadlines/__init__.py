"""Legal time limits (行政许可法 第32、42、45条; the Liaoning legal-review limits): the clocks of cases and
tasks, the clock actions (pause, resume, extension) and the scans that keep them (see docs/calendar.md)."""


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.deadlines.messages import MESSAGES
    register_messages(MESSAGES)
    from app.calendar.service import calendar_changed
    from app.deadlines import steps
    steps.register()
    # A newly loaded holiday notice or closure changes open deadlines: recompute them, recorded.
    calendar_changed.connect(_recompute_on_calendar_change, app, weak=False)


def _recompute_on_calendar_change(sender, **kwargs) -> None:
    from app.deadlines.service import recompute_open_cases
    recompute_open_cases()
