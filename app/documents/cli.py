"""``flask documents …`` (templates, preview, verify a PDF) and ``flask signing …`` (the bureau's key)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

documents_cli = AppGroup("documents", help="Official documents: templates, preview, verification.")
signing_cli = AppGroup("signing", help="The bureau's signing key and certificate.")


def template_dir() -> Path:
    from app.config import PROJECT_ROOT
    return Path(current_app.config.get("DOCUMENT_TEMPLATE_DIR") or PROJECT_ROOT / "documents")


def _designer(username: str):
    from app.extensions import db
    from app.users.models import User
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.has_role("designer"):
        raise click.ClickException(f"只有流程设计人员可以部署文书模板 / only a designer may deploy templates: {username}")
    return user


def _service_errors(action):
    from app.core.errors import ServiceError
    try:
        return action()
    except ServiceError as exc:
        raise click.ClickException(f"[{exc.code}] {exc.message}")


@documents_cli.command("deploy")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", default="designer", show_default=True, help="who deploys (designer role)")
@click.option("--note", default=None, help="change note")
def deploy_command(files, username, note):
    """Deploy FILES (default: every template in documents/). Unchanged content makes no new version."""
    from app.documents.templating import deploy_directory, deploy_templates
    _designer(username)
    if files:
        result = _service_errors(lambda: deploy_templates(
            [(Path(f).name, Path(f).read_text(encoding="utf-8")) for f in files], username, note))
    else:
        result = _service_errors(lambda: deploy_directory(template_dir(), username, note))
    for t in result.created:
        click.echo(f"deployed  {t.doc_type:22} v{t.version}  sha256 {t.sha256[:12]}…")
    for t in result.unchanged:
        click.echo(f"unchanged {t.doc_type:22} v{t.version}")


@documents_cli.command("list")
def list_command():
    """Every deployed template version."""
    from app.documents.templating import template_versions
    for t in template_versions():
        click.echo(f"{t.doc_type:22} v{t.version:<3} {t.sha256[:12]}  {t.deployed_by:10} "
                   f"{t.deployed_at:%Y-%m-%d %H:%M}  {t.note or ''}")


@documents_cli.command("verify-templates")
def verify_templates_command():
    """Every stored template version still hashes to its SHA-256 and has its deployment record."""
    from app.documents.templating import template_versions, verify_templates
    problems = verify_templates()
    for problem in problems:
        click.echo(f"BROKEN {problem}")
    click.echo(f"{len(template_versions())} template version(s), {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


@documents_cli.command("preview")
@click.argument("doc_type")
@click.option("--template", "template_file", type=click.Path(exists=True, dir_okay=False),
              help="a template file not yet deployed (default: the deployed version)")
@click.option("--case", "case_no", default=None, help="render with this case's data (default: sample data)")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="where to write the PDF")
def preview_command(doc_type, template_file, case_no, output):
    """Render DOC_TYPE to an unsigned, unnumbered preview PDF."""
    from app.cases.models import Case
    from app.documents.service import preview, preview_current
    from app.extensions import db
    context = {}
    if case_no:
        context["case"] = db.session.scalar(select(Case).where(Case.case_no == case_no))
        if context["case"] is None:
            raise click.ClickException(f"no such case: {case_no}")
    if template_file:
        pdf = _service_errors(lambda: preview(Path(template_file).read_text(encoding="utf-8"), context,
                                              doc_type=doc_type))
    else:
        pdf = _service_errors(lambda: preview_current(doc_type, context))
    Path(output).write_bytes(pdf)
    click.echo(f"{output}: {len(pdf)} bytes")


@documents_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def verify_command(file):
    """Exit 0 only when FILE's PAdES signature is valid, trusted against the bureau's CA and covers the whole
    file, and the file's SHA-256 is in the register with status valid. Otherwise exit 1 with the reasons."""
    from app.documents.service import verify_pdf_bytes
    from app.documents.signing import SigningKeyMissing
    try:
        check = verify_pdf_bytes(Path(file).read_bytes())
    except SigningKeyMissing as exc:  # no trust roots to check against: that is a failure too
        click.echo(f"FAILED {exc}")
        sys.exit(2)
    doc = check.document
    if doc is not None:
        click.echo(f"{doc.number}  {doc.title}  issued {doc.issued_on}  status {doc.status}")
    click.echo(f"sha256 {check.sha256}")
    for problem in check.problems:
        click.echo(f"FAILED {problem}")
    if check.ok:
        click.echo("OK: signature valid and trusted, covers the whole file; registered and valid")
    sys.exit(0 if check.ok else 1)


@signing_cli.command("init")
def signing_init_command():
    """Create the demo CA and the bureau's signing certificate under SIGNING_DIR, if missing (demo only;
    production sets SIGNING_PKCS12_FILE, see docs/documents.md)."""
    from app.documents.signing import init_demo_signing, signing_dir
    created = init_demo_signing()
    click.echo(f"signing: {len(created)} file(s) created in {signing_dir()}" if created
               else f"signing: demo CA and bureau certificate already in {signing_dir()}")


@signing_cli.command("show")
def signing_show_command():
    """Where the key comes from and the certificate it signs with."""
    from app.documents.signing import SigningKeyMissing, load_key
    try:
        key = load_key()
    except SigningKeyMissing as exc:
        raise click.ClickException(str(exc))
    cert = key.certificate
    click.echo(f"source   {key.source}")
    click.echo(f"subject  {cert.subject.rfc4514_string()}")
    click.echo(f"issuer   {cert.issuer.rfc4514_string()}")
    click.echo(f"valid    {cert.not_valid_before_utc:%Y-%m-%d} – {cert.not_valid_after_utc:%Y-%m-%d}")
    click.echo(f"sha256   {key.fingerprint}")


def demo_documents() -> None:
    """For ``flask demo load``: the demo signing key (first time) and the document templates."""
    from app.documents.signing import init_demo_signing, signing_dir
    from app.documents.templating import deploy_directory
    created = init_demo_signing()
    click.echo(f"signing: demo CA and bureau certificate {'created' if created else 'present'} in {signing_dir()}")
    result = _service_errors(lambda: deploy_directory(template_dir(), "designer", "demo load"))
    click.echo(f"document templates: {len(result.created)} deployed, {len(result.unchanged)} unchanged")
