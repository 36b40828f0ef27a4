"""How the documents' records read on the case's timeline (the kernel's ``register_action_text``)."""
from __future__ import annotations

from flask_babel import gettext as _

from app.cases.timeline import register_action_text
from app.core.i18n import pick
from app.documents.types import DOC_TYPES


def _title(payload: dict) -> str:
    """The official Chinese title; in English with the type's English name beside it."""
    title = payload.get("title") or ""
    kind = DOC_TYPES.get(payload.get("type") or "")
    return pick(title, f"{title} ({kind.title_en})" if kind else None)


def _issued(who: str, payload: dict) -> str:
    text = _("%(who)s 签发《%(title)s》%(no)s", who=who, title=_title(payload), no=payload.get("number"))
    if payload.get("supersedes_number"):
        text += _("（替代 %(old)s）", old=payload["supersedes_number"])
    return text


def register_timeline() -> None:
    register_action_text("document_issued", _issued)
    register_action_text("document_voided", lambda who, p: _("%(who)s 作废了文书 %(no)s", who=who, no=p.get("number")))
