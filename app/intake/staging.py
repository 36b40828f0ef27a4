"""Files chosen on the registration form survive a refused submission: they wait, per user and form token,
in the instance folder until the form is submitted again (then they go with it) or a day has passed."""
from __future__ import annotations

import io
import json
import re
import shutil
import time
from pathlib import Path

from flask import current_app

KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _folder(user_id: int, token: str) -> Path | None:
    if not _TOKEN.match(token or ""):
        return None
    return Path(current_app.instance_path) / "intake-staging" / str(int(user_id)) / token


def stage(user_id: int, token: str, uploads) -> None:
    """Keep ``uploads`` (app.evidence.service.Upload) for this user's form, beside those already kept."""
    folder = _folder(user_id, token)
    if folder is None or not uploads:
        return
    _prune(folder.parent.parent)
    folder.mkdir(parents=True, exist_ok=True)
    index = _index(folder)
    for upload in uploads:
        name = f"{len(index):03d}"
        if hasattr(upload.stream, "seek"):
            upload.stream.seek(0)
        with open(folder / name, "wb") as out:
            shutil.copyfileobj(upload.stream, out)
        index.append({"file": name, "filename": upload.filename})
    (folder / "index.json").write_text(json.dumps(index, ensure_ascii=False))


def staged(user_id: int, token: str) -> list[dict]:
    """[{file, filename}] kept for this form."""
    folder = _folder(user_id, token)
    return _index(folder) if folder is not None and folder.is_dir() else []


def open_staged(user_id: int, token: str, confidentiality: str, description: str | None, upload_cls) -> list:
    folder = _folder(user_id, token)
    out = []
    for entry in staged(user_id, token):
        out.append(upload_cls(entry["filename"], io.BytesIO((folder / entry["file"]).read_bytes()),
                              confidentiality, description))
    return out


def discard(user_id: int, token: str) -> None:
    folder = _folder(user_id, token)
    if folder is not None and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


def _index(folder: Path) -> list[dict]:
    path = folder / "index.json"
    return json.loads(path.read_text()) if path.is_file() else []


def _prune(root: Path) -> None:
    """Forms abandoned for a day: their files go."""
    if not root.is_dir():
        return
    cutoff = time.time() - KEEP_SECONDS
    for folder in root.glob("*/*"):
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
