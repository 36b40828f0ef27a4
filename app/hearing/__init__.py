"""Hearings (听证, 行政许可法 第46–48条) as a sub-process the permit processes call: the notice of hearing
rights, the 5-working-day request window, the hearing organised within 20 working days with 7 working days'
notice of time and place by a host who is not the case's reviewer, recusal (回避) requests and the signed
transcript with audio/video or a written reason. The decision clock pauses from the request to the
transcript by itself (第45条), and a case's ``hearing_held`` is derived from the hearing record, never ticked
(see docs/hearing.md)."""


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.hearing import models, steps, web  # noqa: F401  (tables and panels register on import)
    from app.hearing.messages import MESSAGES
    register_messages(MESSAGES)
    steps.register()
    steps.register_timeline()
    web.init_app(app)
