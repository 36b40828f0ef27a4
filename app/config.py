"""Every configuration key of the application, in one place, and the only code that reads the environment.

``load_config`` lists each key with its default and the environment variable that sets it. DATABASE_URL picks
the database (a SQLite file in the instance folder by default); everything else has a sensible default for
one machine. APP_ENV=production turns the defaults that only suit one machine into errors (see
docs/deployment.md). Files the application writes (evidence, sealed case files, the signing key, checkpoints,
compiled translations, the secret key) all live under the instance folder unless configured elsewhere, so a
test run that gives its own instance folder writes nothing into the project.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to set."""


def _env(name: str, default=None):
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _int(name: str, default: int) -> int:
    return int(_env(name, default))


def _float(name: str, default: float | None) -> float | None:
    value = _env(name)
    return float(value) if value is not None else default


def _flag(name: str, default: bool = False) -> bool:
    value = _env(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def instance_path_from_env() -> str | None:
    """APP_INSTANCE_PATH: where the instance folder is (tests point processes they start at their own)."""
    return _env("APP_INSTANCE_PATH")


def is_production() -> bool:
    """APP_ENV=production: refuse what is only fine on a developer's machine (a key made up on the spot)."""
    return (_env("APP_ENV") or "").strip().lower() == "production"


def serving_address() -> tuple[str, str]:
    """HOST and PORT of the development server (``make dev``); gunicorn reads its own in gunicorn.conf.py."""
    return _env("HOST", "127.0.0.1"), _env("PORT", "5000")


def database_url(instance_path: str) -> str:
    url = _env("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'approval.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Every key, from the environment or its default, then ``overrides`` (tests); the secret key and the
    engine options are worked out last, only when not given."""
    instance = Path(instance_path)
    config = {
        # --- the database and the secret
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SECRET_KEY": _env("SECRET_KEY"),  # else instance/secret_key, created once (see secret_key)
        # --- sign-in
        # Sessions and API tokens live in the database (auth_session) and are revocable; both end after
        # SESSION_IDLE_SECONDS without use, and at the latest after their absolute lifetime.
        "TOKEN_MAX_AGE_SECONDS": _int("TOKEN_MAX_AGE_SECONDS", 8 * 3600),
        "SESSION_IDLE_SECONDS": _int("SESSION_IDLE_SECONDS", 30 * 60),
        # Sign-in throttling (app.users.throttle): failures per account, per client address, in a window.
        "LOGIN_WINDOW_SECONDS": _int("LOGIN_WINDOW_SECONDS", 15 * 60),
        "LOGIN_ACCOUNT_MAX_FAILURES": _int("LOGIN_ACCOUNT_MAX_FAILURES", 5),
        "LOGIN_ADDRESS_MAX_FAILURES": _int("LOGIN_ADDRESS_MAX_FAILURES", 50),  # an office behind one NAT
        "PASSWORD_MIN_LENGTH": _int("PASSWORD_MIN_LENGTH", 10),
        "PASSWORD_HASH_METHOD": _env("PASSWORD_HASH_METHOD", "scrypt"),
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        # Behind HTTPS set SESSION_COOKIE_SECURE=1; plain-http development on localhost cannot use it.
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # --- the staff inbox: where a notice goes besides the inbox ("module:function", app.inbox.notifiers)
        "INBOX_NOTIFIER": _env("INBOX_NOTIFIER", "app.inbox.notifiers:log_notifier"),
        # --- what the bureau deploys and prints
        "DEFINITION_DIRS": [str(PROJECT_ROOT / "bpmn"), str(PROJECT_ROOT / "rules")],
        "SERVICE_ITEMS_FILE": str(PROJECT_ROOT / "rules" / "service_items.json"),
        "DOCUMENT_TEMPLATE_DIR": str(PROJECT_ROOT / "documents"),
        "BUREAU_NAME": _env("BUREAU_NAME", "鞍山市行政审批局"),
        "BUREAU_USCC": _env("BUREAU_USCC", "11210300MB1713027F"),  # a demo value: set it in production
        "BUREAU_ADDRESS": _env("BUREAU_ADDRESS", "辽宁省鞍山市铁东区胜利南路 鞍山市政务服务中心"),
        "BUREAU_PHONE": _env("BUREAU_PHONE", "0412-12345"),
        # The bodies a denial names for reconsideration and litigation (行政许可法 第38条): confirm locally.
        "RECONSIDERATION_BODY": _env("RECONSIDERATION_BODY", "鞍山市人民政府"),
        "LITIGATION_COURT": _env("LITIGATION_COURT", "鞍山市铁东区人民法院"),
        # The address printed in every document's QR code (the public verification page).
        "PUBLIC_BASE_URL": _env("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # --- files (all under the instance folder by default)
        # Every request body (JSON, forms) stays below MAX_CONTENT_LENGTH; routes marked large_body raise it for
        # a signed-in user only: evidence uploads (video; per-kind limits in app.evidence.service) and the
        # designer's definition files (20 files of 2 MiB).
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 256 * 1024),
        "UPLOAD_MAX_CONTENT_LENGTH": _int("UPLOAD_MAX_CONTENT_LENGTH", 512 * 1024 * 1024),
        "DEFINITION_MAX_CONTENT_LENGTH": _int("DEFINITION_MAX_CONTENT_LENGTH", 48 * 1024 * 1024),
        "EVIDENCE_DIR": _env("EVIDENCE_DIR", str(instance / "evidence")),
        "ARCHIVE_DIR": _env("ARCHIVE_DIR", str(instance / "archive")),  # sealed case files
        "TRANSLATIONS_BUILD_DIR": _env("TRANSLATIONS_BUILD_DIR", str(instance / "translations")),
        # The signing key: a demo CA under SIGNING_DIR unless SIGNING_PKCS12_FILE points to the bureau's
        # PKCS#12 (docs/documents.md).
        "SIGNING_DIR": _env("SIGNING_DIR", str(instance / "signing")),
        "SIGNING_PKCS12_FILE": _env("SIGNING_PKCS12_FILE"),
        "SIGNING_PKCS12_PASSWORD_FILE": _env("SIGNING_PKCS12_PASSWORD_FILE"),
        "SIGNING_TRUST_ROOTS": _env("SIGNING_TRUST_ROOTS"),
        # Signed checkpoints of the record chains, appended outside the database (app.anchoring).
        "CHECKPOINT_FILE": _env("CHECKPOINT_FILE", str(instance / "checkpoints" / "checkpoints.jsonl")),
        "CHECKPOINT_INTERVAL_SECONDS": _int("CHECKPOINT_INTERVAL_SECONDS", 3600),
        # Reduced copies of the documents' CJK fonts, built once (app/documents/fonts.py); off: full faces only.
        "DOCUMENT_FONT_CACHE": _env("DOCUMENT_FONT_CACHE", str(instance / "fonts")),
        # --- serving and the scheduler
        # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto/-Host/-Port/-Prefix (0: trust none).
        "PROXY_FIX_HOPS": _int("PROXY_FIX_HOPS", 0),
        # One scheduler holds the jobs lease; a standby takes over at most lease + heartbeat after it died.
        "SCHEDULER_LEASE_SECONDS": _float("SCHEDULER_LEASE_SECONDS", 20.0),
        "SCHEDULER_HEARTBEAT_SECONDS": _float("SCHEDULER_HEARTBEAT_SECONDS", None),  # None: a quarter of the lease
        # --- desks and the portal
        "SUPERVISION_STUCK_WORKDAYS": _int("SUPERVISION_STUCK_WORKDAYS", 5),
        "PUBLIC_QUERY_LIMIT": _int("PUBLIC_QUERY_LIMIT", 10),  # progress queries per address and window
        "PUBLIC_QUERY_WINDOW": _int("PUBLIC_QUERY_WINDOW", 60),
        "PUBLIC_CONTACT_LIMIT": _int("PUBLIC_CONTACT_LIMIT", 5),  # contact-form submissions per address and window
        "PUBLIC_CONTACT_WINDOW": _int("PUBLIC_CONTACT_WINDOW", 600),
    }
    config.update(overrides or {})
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = secret_key(instance_path)
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(config["SQLALCHEMY_DATABASE_URI"]))
    return config


def secret_key(instance_path: str) -> str:
    """The key kept in instance/secret_key, created once.

    In production the key is never made up here: several app nodes must share one key (sessions, CSRF
    tokens), so it comes from SECRET_KEY or a file the operator put there."""
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
            pool_size=_int("DATABASE_POOL_SIZE", 2),  # a sync worker serves one request at a time
            max_overflow=_int("DATABASE_MAX_OVERFLOW", 3),
            pool_timeout=_float("DATABASE_POOL_TIMEOUT", 10.0),  # then 503, not a hung worker
            pool_recycle=1800,
            connect_args={"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30,
                          "keepalives_interval": 10, "keepalives_count": 3,
                          "application_name": _env("DATABASE_APPLICATION_NAME", "approval")})
    return options
