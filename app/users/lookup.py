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


def display_names(usernames) -> dict[str, str]:
    """Username → the person's name, for what users read (unknown usernames are left out)."""
    names = list(dict.fromkeys(u for u in usernames if u))
    if not names:
        return {}
    return dict(db.session.execute(select(User.username, User.full_name).where(User.username.in_(names))).all())
