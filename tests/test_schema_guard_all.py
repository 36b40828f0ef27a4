"""Every ``flask`` command of the app, not only a sample, says "not migrated, run flask db upgrade" on a
database without the tables instead of a traceback: each leaf command is guarded, and each one that needs no
arguments is run against an empty database."""
from __future__ import annotations

import click
import pytest

from app import create_app
from app.extensions import db


def leaves(group: click.Group, prefix=()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from leaves(command, prefix + (name,))
        else:
            yield prefix + (name,), command


def test_every_command_of_the_app_is_guarded(app):
    unguarded = [" ".join(path) for path, command in leaves(app.cli)
                 if not getattr(command.callback, "_needs_schema", False)]
    assert not unguarded, f"commands not guarded by app.core.schema_guard: {unguarded}"


def test_every_command_without_required_arguments_says_what_to_run(tmp_path, app):
    empty = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.db'}"})
    runner = empty.test_cli_runner()
    tried, bad = [], []
    for path, command in leaves(empty.cli):
        if any(p.required for p in command.params) or path[0] == "db" \
                or path[-1] in {"run", "serve"}:
            continue  # needs arguments (test_serving tries some) / Alembic's own / runs until stopped
        result = runner.invoke(args=list(path))
        tried.append(" ".join(path))
        if result.exit_code == 0:
            continue  # touched no table (e.g. a help-like listing)
        if "Traceback" in result.output or not isinstance(result.exception, SystemExit) or (
                "flask db upgrade" not in result.output and result.exit_code != 2):
            bad.append((" ".join(path), result.output[-300:], repr(result.exception)))
    with empty.app_context():
        db.engine.dispose()
    assert len(tried) >= 10
    assert not bad, bad
