"""Users by name, for commands that act as someone (``--as clerk``)."""
from __future__ import annotations

import click
from sqlalchemy import select

from app.extensions import db
from app.users.models import User


def user_by_name(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"用户不存在 / no such user: {username}")
    return user
