"""The bureau's roles. Lanes in the diagrams are named after them (see docs/designer-guide.md)."""
from __future__ import annotations

from dataclasses import dataclass

from app.core.i18n import pick


@dataclass(frozen=True)
class Role:
    code: str
    name_zh: str
    name_en: str
    works_tasks: bool  # a role that can own lanes in a diagram


ROLES: tuple[Role, ...] = (
    Role("clerk", "窗口受理人员", "Window clerk", True),
    Role("reviewer", "审查人员", "Reviewer", True),
    Role("legal", "法制审核人员", "Legal reviewer", True),
    Role("counsel", "法律顾问", "Legal counsel", True),
    Role("secretary", "委员会秘书", "Committee secretary", True),
    Role("leader", "局领导", "Leader", True),
    Role("supervisor", "监督人员", "Supervisor", False),
    Role("designer", "流程设计人员", "Process designer", False),
    Role("admin", "系统管理员", "Administrator", False),
)
ROLE_CODES = frozenset(r.code for r in ROLES)
# The roles that work on cases (and so may see case data at all).
CASE_WORKING_ROLES = frozenset(r.code for r in ROLES if r.works_tasks)
_BY_CODE = {r.code: r for r in ROLES}
_LANE_NAMES = {name.strip().lower(): r.code for r in ROLES if r.works_tasks
               for name in (r.code, r.name_zh, r.name_en)}


def role_for_lane(lane_name: str | None) -> str | None:
    """The role code a lane stands for, or None when the lane names no task-working role."""
    if not lane_name:
        return None
    return _LANE_NAMES.get(lane_name.strip().lower())


def role_label(code: str) -> str:
    role = _BY_CODE.get(code)
    return pick(role.name_zh, role.name_en) if role else code
