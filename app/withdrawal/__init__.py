"""Withdrawal of an application (撤回申请): on the applicant's written request, before the decision, a clerk
ends the case — its open tasks end, the engine's instance is cancelled, the status becomes ``withdrawn`` and a
撤回 record joins the case's records."""


def init_app(app) -> None:
    from app.cases.timeline import SIMPLE
    from app.core.i18n import register_messages
    from app.withdrawal import api, web  # noqa: F401  (routes register on import)
    from app.withdrawal.messages import MESSAGES, describe_withdrawal
    register_messages(MESSAGES)
    SIMPLE.setdefault("case_withdrawn", describe_withdrawal)
    web.init_app(app)
