"""User-facing messages: Chinese by default, English when the client asks for it.

The language is chosen per request (``?lang=en`` or ``Accept-Language: en``) and defaults to Chinese,
the bureau's language. Outside a request (CLI, scheduler) messages are Chinese unless ``lang`` is given.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import g, has_app_context, has_request_context, request, session
from flask_babel import force_locale, get_translations

from app.core.messages import MESSAGES as _CORE_MESSAGES

SUPPORTED = ("zh", "en")

# Message code -> lazily translated text (Chinese source, English in the catalogue). Each package registers
# its own table (``register_messages``) from its ``init_app``; the codes are what the API returns as ``error``.
_MESSAGES: dict = dict(_CORE_MESSAGES)


def register_messages(table: dict) -> None:
    _MESSAGES.update(table)


def current_language() -> str:
    """?lang= wins; then the signed-in web user's choice; API clients may send Accept-Language."""
    if has_app_context() and not has_request_context():
        return g.get("lang", "zh")  # a command or job: Chinese unless in_language() says otherwise
    if has_request_context():
        if "lang" not in g:
            wanted = request.args.get("lang") or session.get("lang")
            if not wanted and request.path.startswith("/api/"):
                wanted = request.accept_languages.best_match(SUPPORTED, default="zh")
            g.lang = wanted if wanted in SUPPORTED else "zh"
        return g.lang
    return "zh"


def t(key: str, lang: str | None = None, **params) -> str:
    """The message ``key`` in the user's language (or ``lang``), with ``{name}`` placeholders filled."""
    if lang:
        with in_language(lang):
            text = str(_MESSAGES[key])
    else:
        text = str(_MESSAGES[key])
    return text.format(**params) if params else text


@contextmanager
def in_language(lang: str):
    """Render in ``lang`` whatever the request asked for (records and case files are kept in Chinese)."""
    if not has_app_context():
        yield
        return
    saved = g.get("lang")
    g.lang = lang
    try:
        with force_locale(lang):
            yield
    finally:
        if saved is None:
            g.pop("lang", None)
        else:
            g.lang = saved


def install_template_gettext(app) -> None:
    """Templates translate through the catalogue of the reader's language, found once per language for the
    app, not through Flask-Babel's own callables, which resolve the locale again on every call (half of a
    task-list page's render time: ~250 strings a page). The language is ``current_language()``, which is also
    Babel's locale selector, and ``in_language`` changes both."""
    catalogues: dict = {}

    def catalogue():
        lang = current_language()
        found = catalogues.get(lang)
        if found is None:
            found = get_translations()
            if has_app_context():  # outside one Babel has no catalogue to give, only the null one
                catalogues[lang] = found
        return found

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True)


def pick(zh: str, en: str | None) -> str:
    """Choose between a Chinese label and its English twin (declared in a diagram, say)."""
    return en if current_language() == "en" and en else zh


def compile_catalogues(source_dir, build_dir) -> None:
    """Compile each messages.po (the source, in the project) to a messages.mo in ``build_dir`` (the instance
    folder) where that is missing or older; several processes starting at once each write their own file and
    move it into place."""
    import os
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    for po in Path(source_dir).glob("*/LC_MESSAGES/messages.po"):
        mo = Path(build_dir) / po.relative_to(source_dir).with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source)
            tmp = mo.with_name(f".{mo.name}.{os.getpid()}")
            with tmp.open("wb") as target:
                write_mo(target, catalog)
            os.replace(tmp, mo)
