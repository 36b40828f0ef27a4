"""The case kernel: who may see and act on a case, the one-transaction action frame, claims, completion,
the engine->projection sync and the task-kind hooks the features register (see docs/architecture.md)."""


def init_app(app) -> None:
    from app.cases.messages import MESSAGES
    from app.core.i18n import register_messages
    register_messages(MESSAGES)
    # the tables, and the routes (which register on import)
    from app.cases import api, api_grants, models, web, web_case, web_grants  # noqa: F401
    web.init_app(app)
    from app.cases.cli import cases_cli, records_cli, tasks_cli
    for group in (cases_cli, tasks_cli, records_cli):
        app.cli.add_command(group)
    from app.scheduler.jobs import Job, register
    register(Job("timers", "app.cases.timers:fire_due_timers", 30,
                 "fire BPMN timers that have fallen due (wake_case)", "now"))
