"""Review (审查) and its rework (修改重报): the facts a reviewer settles, and the on-site check (现场核查)."""


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.review.messages import MESSAGES
    register_messages(MESSAGES)
    from app.review import steps
    steps.register()
