"""Sealed case files (执法案卷, 一案一卷): export a case as a self-checking ZIP bundle, seal it when the case
is archived, and check a bundle offline (``verify``, standard library only).

The names below are loaded on first use, so that ``python -m app.archive.verify`` and ``flask archive
verify`` never import the database layer.
"""
from __future__ import annotations

_EXPORTS = {
    "export_case": "bundle", "archive_case": "bundle", "seal_case": "bundle", "ArchiveError": "bundle",
    "Manifest": "bundle", "PendingBundle": "bundle", "archive_path": "bundle",
    "verify_bundle": "verify", "Problem": "verify",
}

__all__ = sorted(_EXPORTS) + ["init_app"]


def init_app(app) -> None:
    from app.archive.messages import MESSAGES
    from app.core.i18n import register_messages
    register_messages(MESSAGES)
    from app.archive import steps
    steps.register()
    from app.archive.cli import archive_cli
    app.cli.add_command(archive_cli)
    from app.archive import web
    web.init_app(app)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(name)
    from importlib import import_module
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
