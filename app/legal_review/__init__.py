"""The mandatory review of major enforcement decisions (重大执法决定法制审核制度): legal review rounds, the
professional committee (专业审查委员会), the decision guard and separation of duties."""


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.legal_review.messages import MESSAGES
    register_messages(MESSAGES)
    from app.legal_review import steps
    steps.register()
