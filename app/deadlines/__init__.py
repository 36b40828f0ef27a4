"""Legal time limits (行政许可法 第32、42、45条; the Liaoning legal-review limits): the clocks of cases and
tasks, the clock actions (pause, resume, extension) and the scans that keep them (see docs/calendar.md)."""


def init_app(app) -> None:
    from app.calendar.service import calendar_changed
    from app.core.i18n import register_messages
    from app.deadlines import api, steps, web  # noqa: F401  (routes register on import)
    from app.deadlines.messages import MESSAGES
    register_messages(MESSAGES)
    steps.register()
    _register_jobs()
    web.init_app(app)
    # A newly loaded holiday notice or closure changes open deadlines: recompute them, recorded.
    calendar_changed.connect(_recompute_on_calendar_change, app, weak=False)


def _recompute_on_calendar_change(sender, **kwargs) -> None:
    from app.deadlines.service import recompute_open_cases
    recompute_open_cases()


def _register_jobs() -> None:
    from app.scheduler.jobs import Job, register
    scans = "app.deadlines.scans"
    register(Job("deemed_acceptance", f"{scans}:scan_deemed_acceptance", 600,
                 "applications without a correction notice within 5 working days are deemed accepted"))
    register(Job("overdue", f"{scans}:scan_overdue", 600, "record cases and tasks past their legal time limit"))
