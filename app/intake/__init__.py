"""Intake (收件): registering an application and the 收件 step — accept, ask for corrections once (第32条)
or reject at intake."""


def init_app(app) -> None:
    from app.intake import steps
    steps.register()
