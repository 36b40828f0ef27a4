"""Configuration from the environment. DATABASE_URL picks the database (SQLite file under instance/ by
default); everything else has a sensible default for a single machine."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'approval.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/secret_key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _seconds(value: str | None) -> float | None:
    return float(value) if value else None


def default_config(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SECRET_KEY": secret_key(instance_path),
        "TOKEN_MAX_AGE_SECONDS": int(os.environ.get("TOKEN_MAX_AGE_SECONDS", 8 * 3600)),
        "DEFINITION_DIRS": [str(PROJECT_ROOT / "bpmn"), str(PROJECT_ROOT / "rules")],
        "SERVICE_ITEMS_FILE": str(PROJECT_ROOT / "rules" / "service_items.json"),
        "MAX_CONTENT_LENGTH": 512 * 1024 * 1024,  # video evidence; per-kind limits in services.evidence
        "EVIDENCE_DIR": os.environ.get("EVIDENCE_DIR") or str(Path(instance_path) / "evidence"),
        "ARCHIVE_DIR": os.environ.get("ARCHIVE_DIR") or str(Path(instance_path) / "archive"),  # sealed case files
        # Behind HTTPS set SESSION_COOKIE_SECURE=1; plain-http development on localhost cannot use it.
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # How long the scheduler's lease lasts without renewal; unset: three times the shortest job interval.
        "SCHEDULER_LEASE_SECONDS": _seconds(os.environ.get("SCHEDULER_LEASE_SECONDS")),
        # Official documents (docs/documents.md): the address printed in every QR code, and the signing key
        # (demo CA under instance/signing/ unless SIGNING_PKCS12_FILE points to the bureau's PKCS#12).
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "SIGNING_DIR": os.environ.get("SIGNING_DIR") or str(Path(instance_path) / "signing"),
        "SIGNING_PKCS12_FILE": os.environ.get("SIGNING_PKCS12_FILE"),
        "SIGNING_PKCS12_PASSWORD_FILE": os.environ.get("SIGNING_PKCS12_PASSWORD_FILE"),
        "SIGNING_TRUST_ROOTS": os.environ.get("SIGNING_TRUST_ROOTS"),
        "DOCUMENT_TEMPLATE_DIR": str(PROJECT_ROOT / "documents"),
        # Signed checkpoints of the record chains, appended outside the database (app.anchoring).
        "CHECKPOINT_FILE": os.environ.get("CHECKPOINT_FILE")
        or str(Path(instance_path) / "checkpoints" / "checkpoints.jsonl"),
        "CHECKPOINT_INTERVAL_SECONDS": int(os.environ.get("CHECKPOINT_INTERVAL_SECONDS", 3600)),
    }
