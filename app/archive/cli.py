"""``flask archive export|seal|verify``. ``verify`` runs without an application context: no database."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

archive_cli = AppGroup("archive", help="Sealed case files (执法案卷): export, seal and verify bundles.")


@archive_cli.command("export")
@click.argument("case_no")
@click.argument("bundle", type=click.Path(dir_okay=False, writable=True))
@click.option("--as", "username", default="cli", show_default=True, help="exporter named in the manifest")
def export_command(case_no, bundle, username):
    """Write CASE_NO's bundle (ZIP) to BUNDLE and print its manifest summary."""
    from app.archive.bundle import ArchiveError, export_case
    from app.core.cli import run_action
    from app.core.i18n import t
    try:
        manifest = run_action(lambda: export_case(case_no, bundle, username))
    except ArchiveError as exc:
        raise click.ClickException(t("archive_export_failed", detail=str(exc)))
    for line in manifest.lines():
        click.echo(line)


@archive_cli.command("seal")
@click.argument("case_no")
@click.option("--as", "username", required=True, help="a clerk (or supervisor) who seals the case")
def seal_command(case_no, username):
    """Archive a finished case that its own archive step did not seal: the case_archived record, the bundle
    in instance/archive/CASE_NO.zip, and the manifest's SHA-256 on the case. The case is read-only after."""
    from app.archive.bundle import archive_case
    from app.core.cli import run_action
    from app.users.lookup import user_by_name
    manifest = run_action(lambda: archive_case(case_no, user_by_name(username)))
    for line in manifest.lines():
        click.echo(line)


@archive_cli.command("verify", with_appcontext=False)
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False))
@click.option("--expect-manifest", metavar="SHA256", default=None,
              help="the manifest SHA-256 kept on the case (archive_sha256)")
def verify_command(bundle, expect_manifest):
    """Check BUNDLE offline: manifest hashes, no extra members, the record chain, evidence hashes.
    Exit 1 on any problem. Needs no database (same as: python -m app.archive.verify BUNDLE)."""
    from app.archive.signed import check_signature
    from app.archive.verify import report
    lines, ok = report(bundle, expect_manifest)
    bad_signature = check_signature(bundle)  # the cryptographic check the standard-library verifier cannot do
    if bad_signature:
        lines = [f"FAILED {bundle}: {bad_signature}"] + [f"  {line}" for line in lines]
        ok = False
    for line in lines:
        click.echo(line)
    sys.exit(0 if ok else 1)
