"""Intake (收件): registering an application and the 收件 step — accept, ask for corrections once (第32条)
or reject at intake."""


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.intake import models, steps  # noqa: F401  (the tables)
    from app.intake.messages import MESSAGES
    register_messages(MESSAGES)
    steps.register()
    from app.intake import api, web  # noqa: F401  (routes register on import)
    web.init_app(app)
    from app.cases.cli import cases_cli
    from app.intake.cli import new_case
    cases_cli.add_command(new_case)
