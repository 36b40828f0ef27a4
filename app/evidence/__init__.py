"""Evidence files (documents, photos, audio/video) of a case: content-addressed, never replaced, read by
confidentiality class, every non-public download recorded."""


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.evidence.messages import MESSAGES
    register_messages(MESSAGES)
    from app.evidence import steps
    steps.register()
    from app.evidence import web  # routes register on import
    web.init_app(app)
