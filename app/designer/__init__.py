"""Process designer support: the policy linter run on every deployment, version diffs, and the
append-only, hash-chained log of deployments (see docs/designer-guide.md)."""
from app.designer.linter import LintProblem, lint, lint_files

__all__ = ["LintProblem", "lint", "lint_files"]


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.designer.messages import MESSAGES
    register_messages(MESSAGES)
