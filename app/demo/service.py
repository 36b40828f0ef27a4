"""Demo users (one per role, password ``demo``) with enforcement certificates for some. Only this loader creates
them; never run it in production."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.users.models import User, UserRole

DEMO_USERS = (
    ("clerk", "王窗口", ["clerk"]),
    ("reviewer", "李审查", ["reviewer"]),
    ("legal", "张法制", ["legal"]),
    ("counsel", "赵律师", ["counsel"]),
    ("secretary", "陈秘书", ["secretary"]),
    ("leader", "刘局长", ["leader"]),
    ("supervisor", "周督查", ["supervisor"]),
    ("designer", "吴设计", ["designer"]),
    ("admin", "系统管理员", ["admin"]),
    # A second reviewer and legal reviewer, so separation of duties can be shown with demo data.
    ("reviewer2", "孙审查", ["reviewer"]),
    ("legal2", "钱法制", ["legal"]),
)
DEMO_PASSWORD = "demo"
# Enforcement officers (行政执法人员清单): post, certificate number, category, area, valid until.
# legal2's certificate has expired: the portal shows it as such and on-site checks refuse it.
_AREA = "鞍山市行政区域"
DEMO_OFFICERS = {
    "clerk": ("综合受理科科员", "21030020190012", "行政许可", _AREA, dt.date(2029, 6, 30)),
    "reviewer": ("审查一科主任科员", "21030020180007", "行政许可、行政检查", _AREA, dt.date(2028, 12, 31)),
    "reviewer2": ("审查二科科员", "21030020200031", "行政许可、行政检查", _AREA, dt.date(2030, 3, 31)),
    "legal": ("法制科科长", "21030020170003", "行政许可、法制审核", _AREA, dt.date(2028, 9, 30)),
    "legal2": ("法制科科员", "21030020160015", "行政许可、法制审核", _AREA, dt.date(2026, 6, 30)),
    "leader": ("局长", "21030020150001", "行政许可", _AREA, dt.date(2029, 12, 31)),
}


def load_demo_users() -> int:
    created = 0
    for username, full_name, roles in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, full_name=full_name)
            user.set_password(DEMO_PASSWORD)
            user.role_rows = [UserRole(role=r) for r in roles]
            db.session.add(user)
            created += 1
        if username == "leader" and not user.principal_head:  # 局长: the principal head (主要负责人)
            user.principal_head = True
        if username in DEMO_OFFICERS and user.certificate_no is None:
            user.post, user.certificate_no, user.enforcement_category, user.area, user.certificate_valid_until = \
                DEMO_OFFICERS[username]
    db.session.commit()
    return created
