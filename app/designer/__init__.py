"""The process designer: deploying definitions (the policy linter runs on every deployment), the registry of
versions with their diffs, the append-only, hash-chained log of deployments, moving running cases to new
versions, and the designer's pages, API and commands (see docs/designer-guide.md)."""
from app.designer.linter import LintProblem, lint, lint_files

__all__ = ["LintProblem", "lint", "lint_files"]


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.designer import api, web, web_editor  # noqa: F401  (routes register on import)
    from app.designer.cli import definitions_cli
    from app.designer.messages import MESSAGES
    register_messages(MESSAGES)
    web.init_app(app)
    app.cli.add_command(definitions_cli)
