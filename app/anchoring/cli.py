"""``flask records checkpoint`` and the checkpoint part of ``flask records verify``."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("checkpoint")
@click.option("--reason", default="manual", show_default=True, help="why (kept in the checkpoint)")
@with_appcontext
def checkpoint_command(reason):
    """Take a signed checkpoint now: every chain head, kept in the database, the file and the portal."""
    from flask import current_app

    from app.anchoring.journal import journal_path
    from app.anchoring.service import take_checkpoint
    from app.documents.signing import SigningKeyMissing
    try:
        row = take_checkpoint(reason)
    except SigningKeyMissing as exc:
        raise click.ClickException(str(exc))
    current_app.logger.info("checkpoint #%s taken", row.seq)
    click.echo(f"checkpoint #{row.seq}  merkle root {row.merkle_root}  sha256 {row.hash}")
    click.echo(f"  appended to {journal_path()}")


def report_against_checkpoints(case_no: str | None = None) -> int:
    """Print what the checkpoints find (for ``flask records verify``); returns the number of problems."""
    from app.anchoring.service import verify_against_checkpoints
    from app.documents.signing import SigningKeyMissing
    try:
        report = verify_against_checkpoints()
    except SigningKeyMissing as exc:
        click.echo(f"CHECKPOINT not verified: {exc}")
        return 1
    problems = [p for p in report.problems if not case_no or p.case_no in (None, case_no)]
    for problem in problems:
        click.echo(problem.line())
    click.echo(f"{report.checkpoints} checkpoint(s), {report.cases} anchored case(s): "
               f"{len(problems)} problem(s)")
    return len(problems)
