"""The licence register (许可证登记) and the licence's life: a grant registers a licence (number, holder,
scope, term); change (变更), renewal (延续), cancellation (注销) and revocation (撤销/撤回) act on it; the
register answers on the API (``/api/licences``) and on the staff pages (``/licences``)."""


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.licences import api, steps, web  # noqa: F401  (routes register on import)
    from app.cases.timeline import SIMPLE
    from app.licences.messages import MESSAGES, timeline_sentences
    from app.scheduler.jobs import Job, register
    register_messages(MESSAGES)
    for action, sentence in timeline_sentences().items():
        SIMPLE.setdefault(action, sentence)
    register(Job("licences", "app.licences.scans:scan_licences", 3600,
                 "licences past their term: deemed renewed (a renewal pending) or expired"))
    steps.register()
    from app.publicity.portal import register_ended_check
    from app.licences.service import licence_ended
    register_ended_check(licence_ended)  # a revoked, cancelled or expired licence: 当前状态 无效 on the portal
    web.init_app(app)
