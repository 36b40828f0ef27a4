"""The hearing record on the case page and the hearing's task pages: the notice, the request window, the
arrangement and the transcript, with the dates the law sets and a flag when the 20 days were passed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.cases.web_panels import case_panel, task_panel
from app.hearing.models import Hearing
from app.hearing.steps import HEARING_KINDS, current_hearing
from app.users.lookup import display_names
from app.web import register_templates

BASIS_LABELS = {"law": _l("法律、法规、规章规定应当听证"), "public_interest": _l("涉及公共利益的重大许可事项"),
                "major_interests": _l("直接涉及申请人与他人之间重大利益关系")}
STATE_LABELS = {"notified": _l("已告知，等待申请"), "requested": _l("已申请，待举行"), "held": _l("已举行"),
                "waived": _l("未申请听证")}
RECUSAL_LABELS = {"granted": _l("回避申请成立"), "denied": _l("回避申请不成立")}


def init_app(app) -> None:
    register_templates(app, __name__)


def _context(hearing: Hearing | None) -> dict:
    people = [hearing.host] + [r.get("host") for r in hearing.recusals] if hearing else []
    return {"hearing": hearing, "hearing_basis_labels": BASIS_LABELS, "hearing_state_labels": STATE_LABELS,
            "hearing_recusal_labels": RECUSAL_LABELS, "hearing_names": display_names(people)}


# After the legal time limits (10) and before the files (20): the hearing pauses the clock shown above it.
@case_panel("_hearing.html", order=15)
def hearing_panel(case, user) -> dict:
    return _context(current_hearing(case.id))


@task_panel("_hearing_task.html", order=15)
def hearing_task_panel(task, user) -> dict:
    return {"hearing_task": task.kind in HEARING_KINDS,
            **_context(current_hearing(task.case_id) if task.kind in HEARING_KINDS else None)}
