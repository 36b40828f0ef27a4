"""Demo users (one per role, password ``demo``). Only this loader creates them; never run it in production."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import User, UserRole

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


def load_demo_users() -> int:
    created = 0
    for username, full_name, roles in DEMO_USERS:
        if db.session.scalar(select(User).where(User.username == username)):
            continue
        user = User(username=username, full_name=full_name)
        user.set_password(DEMO_PASSWORD)
        user.role_rows = [UserRole(role=r) for r in roles]
        db.session.add(user)
        created += 1
    db.session.commit()
    return created
