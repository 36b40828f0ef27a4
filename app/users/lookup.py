"""Users by name, for commands that act as someone (``--as clerk``)."""
from __future__ import annotations

import click
from sqlalchemy import select

from app.core.i18n import t
from app.extensions import db
from app.users.models import User


def user_by_name(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(t("unknown_user", value=username))
    return user
