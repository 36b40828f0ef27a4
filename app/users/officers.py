"""Enforcement officers (行政执法人员): the users holding an enforcement certificate (执法证). Only a certificate
valid on the day lets an officer act in an enforcement step (on-site check, hearing, legal review); the
public list of them is published on the portal."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlalchemy import select

from app.extensions import db
from app.users.models import User


def certificate_valid_on(user: User | None, on: dt.date) -> bool:
    """Whether the user holds an enforcement certificate (执法证) valid on ``on``."""
    return bool(user is not None and user.active and user.certificate_no and user.certificate_valid_until
                and user.certificate_valid_until >= on)


def uncertified(usernames: Iterable[str], on: dt.date) -> list[str]:
    """Of these usernames, those without a certificate valid on ``on`` (unknown users included)."""
    names = list(dict.fromkeys(usernames))
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(names)))}
    return [name for name in names if not certificate_valid_on(users.get(name), on)]


def officers() -> list[User]:
    """The public list of enforcement staff (行政执法人员清单): active users holding a certificate number."""
    return list(db.session.scalars(select(User).where(User.active.is_(True), User.certificate_no.is_not(None),
                                                      User.certificate_no != "")
                                   .order_by(User.certificate_no)))
