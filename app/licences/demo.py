"""Demo licences for ``flask demo load`` (never in production): a few food business licences granted through
the real steps, one expiring soon with a renewal application pending, one with a revocation at its inquiry,
and one cancelled — so that ``make run`` shows the register, a renewal case and a revocation case."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.cases.models import Case, TaskItem
from app.cases.service import complete_task, create_case
from app.core.clock import china_today
from app.core.schemas import uscc_is_valid
from app.extensions import db
from app.licences.models import Licence
from app.licences.register import term_end
from app.users.models import User

_MINOR = {"category": "general", "investment": 0, "public_concern": False, "safety_impact": False, "complex": False}
_REVIEW = {"opinion": "申请材料齐全，经营场所、设备设施符合要求", "proposal": "grant", "hearing_needed": "none", **_MINOR}
_ACCEPT = {"outcome": "accept", "materials_complete": True}

# (name, code without its check character, scope, decision date)
_HOLDERS = (
    ("鞍山市铁东区老边饺子馆", "92210302MA0Y8K1P3", "热食类食品制售；冷食类食品制售", "2022-01-10"),
    ("鞍山千山农产品超市有限公司", "91210300MA0QD7LX2", "预包装食品销售（含冷藏冷冻食品）；散装食品销售", "2025-06-16"),
    ("鞍山汤岗子温泉餐饮管理有限公司", "91210300MA0QE3WU5", "热食类食品制售；自制饮品制售", "2024-09-02"),
    ("鞍山立山区晨光早餐店", "92210304MA0Y9C2L8", "热食类食品制售", "2023-03-20"),
)


def _uscc(base: str) -> str:
    """The code with its check character (GB 32100-2015)."""
    for char in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if uscc_is_valid(base + char):
            return base + char
    raise ValueError(base)


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _complete(case_no: str, name: str, username: str, data: dict) -> None:
    task_id = db.session.scalar(select(TaskItem.id).join(Case).where(
        Case.case_no == case_no, TaskItem.name == name, TaskItem.state == "READY"))
    complete_task(_user(username), task_id, data)


def _grant(name: str, code: str, scope: str, day: str) -> tuple[str, str]:
    applicant = {"name": name, "type": "legal_person" if code.startswith("91") else "individual_business",
                 "code": code}
    case = create_case(_user("clerk"), "XK-002", applicant, {"project_name": scope.split("；")[0],
                                                             "licence_scope": scope})
    _complete(case.case_no, "receive", "clerk", _ACCEPT)
    _complete(case.case_no, "review", "reviewer", _REVIEW)
    today = china_today()
    _complete(case.case_no, "decide", "leader", {
        "decision": "grant", "decision_date": today.isoformat(), "opinion": "同意",
        "valid_until": term_end(today, 5).isoformat()})
    # The decision is dated today (a decision cannot predate its acceptance); the demo then dates the licence
    # as if it had been granted on ``day``, so that the register shows one near its expiry.
    licence = db.session.scalar(select(Licence).join(Case).where(Case.case_no == case.case_no))
    start = dt.date.fromisoformat(day)
    licence.decided_on = licence.valid_from = start
    licence.valid_until = term_end(start, 5)
    return case.case_no, licence.number


def demo_licences() -> int:
    """Create the demo licences and cases once; returns how many licences were created."""
    if db.session.scalar(select(func.count(Licence.id))):
        return 0
    granted = []
    for name, base, scope, day in _HOLDERS:
        code = _uscc(base)
        granted.append((name, code, *_grant(name, code, scope, day)))
    # the 2022 licence expires on 2027-01-09: its holder applied for renewal
    name, code, _case_no, number = granted[0]
    create_case(_user("clerk"), "XK-002-YX", {"name": name, "type": "individual_business", "code": code},
                {"licence_no": number})
    # a revocation at its inquiry: the licence was obtained with a forged lease (第六十九条第二款)
    name, code, _case_no, number = granted[2]
    create_case(_user("clerk"), "XK-CX", {"name": name, "type": "legal_person", "code": code},
                {"licence_no": number, "description": "群众举报：申请时提交的经营场所租赁合同系伪造"})
    # a cancellation granted: the shop closed
    name, code, _case_no, number = granted[3]
    case = create_case(_user("clerk"), "XK-002-ZX", {"name": name, "type": "individual_business", "code": code},
                       {"licence_no": number})
    _complete(case.case_no, "receive", "clerk", _ACCEPT)
    _complete(case.case_no, "review", "reviewer", {**_REVIEW, "opinion": "经营者已终止经营，申请注销"})
    _complete(case.case_no, "decide", "leader", {"decision": "grant", "decision_date": china_today().isoformat(),
                                                 "valid_until": term_end(china_today(), 5).isoformat(),
                                                 "opinion": "同意注销"})
    return len(granted)
