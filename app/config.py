"""Configuration from the environment. DATABASE_URL picks the database (SQLite file under instance/ by
default); everything else has a sensible default for a single machine. APP_ENV=production turns the
defaults that only suit one machine into errors (see docs/deployment.md)."""
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


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to set."""


def is_production() -> bool:
    """APP_ENV=production: refuse what is only fine on a developer's machine (a key made up on the spot)."""
    return os.environ.get("APP_ENV", "").strip().lower() == "production"


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else the one kept in instance/secret_key, created once.

    In production the key is never made up here: several app nodes must share one key (sessions, CSRF
    tokens, API tokens), so it comes from SECRET_KEY or a file the operator put there."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return _read_key(path)
    if is_production():
        raise ConfigError(f"APP_ENV=production needs SECRET_KEY in the environment or a key in {path} "
                          "(e.g. python3 -c 'import secrets; print(secrets.token_hex(32))')")
    return _create_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise ConfigError(f"{path} is empty: delete it (a new key is made at the next start) or put a key in it")
    return key


def _create_key(path: Path) -> str:
    """Write a new key to a private temporary file, then link it into place: the link fails if another
    process got there first, so processes starting at once all end with the one key that won, and no
    process ever reads a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race: use its key
    finally:
        tmp.unlink()
    return _read_key(path)


def engine_options(url: str) -> dict:
    """SQLAlchemy engine options. Every checkout pings the connection first, so one the database dropped
    (restart, failover, pg_terminate_backend, an idle timeout in between) is replaced instead of failing
    the request. On PostgreSQL, TCP keepalives find a dead peer within about a minute, and the pool is
    sized per process: gunicorn workers x (DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW) + schedulers must
    stay below the server's max_connections (docs/deployment.md)."""
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options.update(
            pool_size=int(os.environ.get("DATABASE_POOL_SIZE", 2)),  # a sync worker serves one request at a time
            max_overflow=int(os.environ.get("DATABASE_MAX_OVERFLOW", 3)),
            pool_timeout=float(os.environ.get("DATABASE_POOL_TIMEOUT", 10)),  # then 503, not a hung worker
            pool_recycle=1800,
            connect_args={"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30,
                          "keepalives_interval": 10, "keepalives_count": 3,
                          "application_name": os.environ.get("DATABASE_APPLICATION_NAME", "approval")})
    return options


def default_config(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SECRET_KEY": secret_key(instance_path),
        "TOKEN_MAX_AGE_SECONDS": int(os.environ.get("TOKEN_MAX_AGE_SECONDS", 8 * 3600)),
        "DEFINITION_DIRS": [str(PROJECT_ROOT / "bpmn"), str(PROJECT_ROOT / "rules")],
        "SERVICE_ITEMS_FILE": str(PROJECT_ROOT / "rules" / "service_items.json"),
        "MAX_CONTENT_LENGTH": 512 * 1024 * 1024,  # video evidence; per-kind limits in services.evidence
        "EVIDENCE_DIR": os.environ.get("EVIDENCE_DIR") or str(Path(instance_path) / "evidence"),
        # Behind HTTPS set SESSION_COOKIE_SECURE=1; plain-http development on localhost cannot use it.
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto/-Host/-Port/-Prefix (0: trust none).
        "PROXY_FIX_HOPS": int(os.environ.get("PROXY_FIX_HOPS", 0)),
        # One scheduler holds the jobs lease; a standby takes over at most lease + heartbeat after it died.
        "SCHEDULER_LEASE_SECONDS": float(os.environ.get("SCHEDULER_LEASE_SECONDS", 20)),
        "SCHEDULER_HEARTBEAT_SECONDS": float(os.environ.get("SCHEDULER_HEARTBEAT_SECONDS", 0)) or None,  # lease/4
    }
