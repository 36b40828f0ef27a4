"""Reading task forms from HTML posts, and what the templates need to render them."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.engine.forms import FormSpec
from app.extensions import db
from app.users.models import User


def form_values(form: FormSpec, posted: MultiDict) -> dict[str, Any]:
    """The posted fields as the JSON a form validates (and as a draft keeps them)."""
    values: dict[str, Any] = {}
    for f in form.fields:
        if f.type in ("multichoice", "users"):
            chosen = posted.getlist(f.name)
            if chosen:
                values[f.name] = chosen
        elif f.type == "checklist":
            answers = {}
            for item in f.items:
                result = posted.get(f"{f.name}__{item.value}__result")
                comment = posted.get(f"{f.name}__{item.value}__comment", "").strip()
                if result or comment:
                    answers[item.value] = {"result": result, "comment": comment}
            if answers:
                values[f.name] = answers
        elif posted.get(f.name, "").strip() != "":
            values[f.name] = posted.get(f.name).strip()
    return values


def user_choices(form: FormSpec) -> dict[str, list[User]]:
    """For every 'users' field: the active users it may offer (with the field's role, if it has one)."""
    result = {}
    for f in form.fields:
        if f.type == "users":
            users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)).all()
            result[f.name] = [u for u in users if not f.role or f.role in u.roles]
    return result
