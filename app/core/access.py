"""One role check for the JSON API and the staff web. Both sign the user in first (bearer token or session)
and leave them in ``g.user``; a missing role is a ``Forbidden`` service error, which the API answers as
JSON and the web as its 403 page."""
from __future__ import annotations

from functools import wraps

from flask import g

from app.core.errors import Forbidden, Unauthorized


def require_roles(user, *roles: str, code: str = "permission_denied") -> None:
    if user is None:
        raise Unauthorized.of("auth_required")
    if not set(roles) & user.roles:
        raise Forbidden.of(code)


def roles_required(*roles: str, code: str = "permission_denied"):
    """Put below the blueprint's sign-in decorator: ``@login_required`` then ``@roles_required("supervisor")``.
    ``code`` names the message of the refusal when a package has a more telling one (``designer_required``)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require_roles(g.get("user"), *roles, code=code)
            return view(*args, **kwargs)
        return wrapped
    return decorator
