"""Confidentiality classes (密级) of a case and of each of its files. Who may see a case follows from its
class (``app.cases.access``); who may open a file, from the file's (``app.evidence``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CONFIDENTIALITY_LABELS = {
    "public": _l("公开"),
    "internal": _l("内部"),
    "business_secret": _l("商业秘密"),
    "privacy": _l("个人隐私"),
    "state_secret": _l("国家秘密"),
}
CONFIDENTIALITY_CLASSES = tuple(CONFIDENTIALITY_LABELS)


def confidentiality_label(code: str) -> str:
    """The class's name in the user's language (the code itself if unknown)."""
    return str(CONFIDENTIALITY_LABELS.get(code, code))
