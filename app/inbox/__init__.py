"""The staff inbox (通知): new work in my queue, a task reassigned to or away from me, a case returned to me,
a deadline within 2 working days — with the unread count in the header. Each notice may also go out through
a pluggable notifier (``INBOX_NOTIFIER``: e-mail, SMS…); the default only writes it to the log, since no
mail server is assumed."""


def init_app(app) -> None:
    from app.cases.hooks import on_tasks_opened
    from app.core.i18n import register_messages
    from app.inbox import models, service, web  # noqa: F401  (the table; routes register on import)
    from app.inbox.messages import MESSAGES
    from app.scheduler.jobs import Job, register
    register_messages(MESSAGES)
    on_tasks_opened(service.tasks_opened)
    register(Job("inbox_deadlines", "app.inbox.scans:scan_deadlines_soon", 3600,
                 "tell the holders of tasks due within 2 working days"))
    web.init_app(app)
