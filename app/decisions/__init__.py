"""The decision step (作出决定) and the delivery of the decision (送达)."""


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.decisions.messages import MESSAGES
    register_messages(MESSAGES)
    from app.decisions import steps
    steps.register()
