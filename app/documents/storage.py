"""Signed PDFs are stored like evidence files: content-addressed under ``EVIDENCE_DIR/ab/<sha256>``,
read-only on disk, never replaced. The path scheme is evidence's own (``blob_path``); the write below is a
thin in-memory variant of its private streaming writer (a document is at most a few hundred KB)."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from app.evidence.service import blob_path, evidence_dir


def store_bytes(data: bytes) -> str:
    """Store ``data`` under its SHA-256 (kept as is when already there); returns the hash."""
    sha = hashlib.sha256(data).hexdigest()
    target = blob_path(sha)
    if target.exists():
        return sha
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=evidence_dir(), prefix=".document-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o440)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return sha


def read_bytes(sha256: str) -> bytes:
    return Path(blob_path(sha256)).read_bytes()


def path_of(sha256: str) -> Path:
    return blob_path(sha256)
