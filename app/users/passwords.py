"""The password policy: long enough, not the username or the person's name, and not a common or easily
guessed password. "Common" is judged by zxcvbn (its frequency lists of leaked passwords, names and words,
keyboard patterns, dates and repeats) rather than by composition rules, which make passwords harder to
remember without making them harder to guess."""
from __future__ import annotations

from flask import current_app
from zxcvbn import zxcvbn

from app.core.errors import InvalidData
from app.core.i18n import t

MAX_LENGTH = 256
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline slow-hash scenario"


def password_problems(password: str, username: str, full_name: str = "") -> list[str]:
    """Why ``password`` is refused (empty when it is acceptable)."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return [t("password_too_short", min=minimum)]
    if len(password) > MAX_LENGTH:
        return [t("too_long", max=MAX_LENGTH)]
    lowered = password.lower()
    if username and username.lower() in lowered:
        return [t("password_contains_username")]
    # zxcvbn's cost grows with the length; the first 64 characters decide whether it is guessable.
    if zxcvbn(password[:64], user_inputs=[username, full_name])["score"] < MIN_SCORE:
        return [t("password_too_common")]
    return []


def check_password_policy(password: str, username: str, full_name: str = "", field: str = "new_password") -> None:
    problems = password_problems(password or "", username, full_name)
    if problems:
        raise InvalidData(problems[0], fields={field: problems}, code="password_rejected")
