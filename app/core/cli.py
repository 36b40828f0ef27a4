"""What every ``flask`` command shares: a service error is printed with its reason, not a traceback."""
from __future__ import annotations

import sys

import click

from app.core.errors import ServiceError


def run_action(action):
    """Run a service action; print its error (with the reason) and exit 1 instead of a traceback."""
    try:
        return action()
    except ServiceError as exc:
        click.echo(f"错误 / error [{exc.status} {exc.code}]: {exc.message}", err=True)
        for field, messages in (exc.fields or {}).items():
            click.echo(f"  {field}: {'; '.join(map(str, messages))}", err=True)
        for problem in exc.problems or []:
            click.echo(f"  {problem.get('file') or ''}#{problem.get('element_id') or ''}: {problem['message']}",
                       err=True)
        sys.exit(1)
