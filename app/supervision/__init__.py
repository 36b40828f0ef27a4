"""The supervisor's desk (督办): overdue, due-soon, stuck and broken cases, step statistics, on-time rates, and
the supervisory actions (reassign, note, suspend/resume, retry), each recorded."""


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.scheduler.jobs import Job, register
    from app.supervision import api, web  # noqa: F401  (routes register on import)
    from app.supervision.messages import MESSAGES
    register_messages(MESSAGES)
    register(Job("stuck", "app.supervision.scans:scan_stuck", 1800, "flag cases that have not moved for too long"))
    web.init_app(app)
