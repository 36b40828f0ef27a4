"""Records anchored outside the database: signed checkpoints of every execution-record chain and of the
deployment log, kept in the database, in an append-only file and on the public portal, so that a chain
rewritten consistently by someone with database access (the insider attack) is still found.

    take_checkpoint(reason)              one checkpoint now (commits; call it after your own commit)
    verify_against_checkpoints()         every chain against the anchored hashes → AnchorReport
    verify_case_against_checkpoints(case)  one case (for the API verify)
"""
from __future__ import annotations

_EXPORTS = {"take_checkpoint": "service", "verify_against_checkpoints": "service",
            "verify_case_against_checkpoints": "service", "scheduled_checkpoint": "service",
            "Checkpoint": "models"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(name)
    from importlib import import_module
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
