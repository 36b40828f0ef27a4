"""Evidence files (documents, photos, audio/video) of a case: content-addressed, never replaced, read by
confidentiality class, every non-public download recorded."""


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.evidence.messages import MESSAGES
    register_messages(MESSAGES)
    # the table, the step rules, and the routes (which register on import)
    from app.evidence import models, steps, web  # noqa: F401
    steps.register()
    web.init_app(app)
