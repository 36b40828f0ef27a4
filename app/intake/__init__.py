"""Intake (收件): registering an application and the 收件 step — accept, ask for corrections once (第32条)
or reject at intake."""


def init_app(app) -> None:
    from app.intake import steps
    steps.register()
    from app.intake import api, web  # noqa: F401  (routes register on import)
    web.init_app(app)
    from app.cases.cli import cases_cli
    from app.intake.cli import new_case
    cases_cli.add_command(new_case)
