"""The decision step (作出决定) and the delivery of the decision (送达)."""


def init_app(app) -> None:
    from app.decisions import steps
    steps.register()
