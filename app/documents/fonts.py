"""Reduced copies of the two Noto CJK faces a document uses, built once per machine.

Why: WeasyPrint subsets every embedded face per document, and HarfBuzz walks the whole CFF of a
65,000-glyph Noto CJK face each time (≈ 25 ms a face, ≈ 50 ms a document). A copy holding only a bureau's
working set — ASCII and Latin-1, general and CJK punctuation, full-width forms and all of GB 2312 (its 6,763
level-1+2 hanzi and its symbols) — has ≈ 14,000 glyphs and subsets several times faster. The copies are registered
under their own family names ('Doc Serif', 'Doc Sans') with the full Noto family listed right after in every
font-family, so a character outside the working set (a rare character in a name: 㛃, 𠮷) still comes from
the full face.

Building the copies takes ≈ 40 s of CPU (fontTools is pure Python), so it runs in a child process started
at the first document (``python -m app.documents.fonts FOLDER``); documents use the full faces until the
copies exist. The files are written to a temporary name and renamed (os.replace), under an exclusive lock on
the folder, so processes starting at once build each face once and never see half a file. A file's name
carries a digest of its source font (path, size, mtime, index) and of the character set: a new
fonts-noto-cjk or a changed working set builds new copies. Without fontTools or the source fonts nothing is
built and the full faces are used, as before.
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

BUILD_VERSION = "2"  # part of every file's digest: bump it when build() changes what it writes


@dataclass(frozen=True)
class Face:
    family: str  # the reduced copy's family in @font-face
    fallback: str  # the full face's family, listed right after it
    pattern: str  # fontconfig pattern of the full face (the weight WeasyPrint selects, see pdffonts)
    weight: str  # CSS font-weight of the @font-face rule
    slug: str  # file name stem


SERIF = Face("Doc Serif", "Noto Serif CJK SC", "Noto Serif CJK SC:weight=regular", "normal", "doc-serif")
SANS = Face("Doc Sans", "Noto Sans CJK SC", "Noto Sans CJK SC:weight=bold", "bold", "doc-sans-bold")
FACES = (SERIF, SANS)


def stack(face: Face) -> str:
    """The CSS font-family value: the reduced copy, then the full face (which also serves when no copy
    is registered — an unknown family is skipped)."""
    return f"'{face.family}', '{face.fallback}'"


@lru_cache(maxsize=1)
def working_set() -> frozenset[int]:
    """The code points the copies hold."""
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))  # ASCII, Latin-1 (×, ·, °)
    chars |= set(range(0x2000, 0x2070))  # general punctuation: — … “ ” ‘ ’ ‰
    chars |= set(range(0x3000, 0x3040))  # CJK symbols and punctuation: 。、〔〕《》「」
    chars |= set(range(0xFF00, 0xFFF0))  # full-width forms: ，：；（）０-９
    for high in range(0xA1, 0xF8):  # GB 2312: rows 1-9 symbols, 16-55 level 1, 56-87 level 2
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


@lru_cache(maxsize=8)
def source(face: Face) -> tuple[str, int] | None:
    """The full face's file and index in its collection, as fontconfig (and so WeasyPrint) finds it; None
    when fontconfig substitutes another family (the font is not installed)."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n%{family}", face.pattern],
                             capture_output=True, text=True, timeout=10, check=True).stdout
        path, index, families = out.split("\n", 2)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    if face.fallback not in families.split(",") or not Path(path).is_file():
        return None
    return path, int(index)


def target(folder: Path, face: Face, chars: frozenset[int]) -> Path | None:
    src = source(face)
    if src is None:
        return None
    stat = os.stat(src[0])
    key = hashlib.sha256(f"{BUILD_VERSION}|{src[0]}|{src[1]}|{stat.st_size}|{stat.st_mtime_ns}|".encode()
                         + ",".join(map(str, sorted(chars))).encode()).hexdigest()[:16]
    return Path(folder) / f"{face.slug}-{key}.otf"


def ready(folder: str | os.PathLike | None, chars: frozenset[int] | None = None,
          faces: tuple[Face, ...] = FACES) -> dict[Face, Path] | None:
    """The built copies when every face has one, else None."""
    if not folder:
        return None
    paths = {face: target(Path(folder), face, chars or working_set()) for face in faces}
    if all(path is not None and path.is_file() for path in paths.values()):
        return paths
    return None


def build(folder: str | os.PathLike, chars: frozenset[int] | None = None,
          faces: tuple[Face, ...] = FACES) -> dict[Face, Path] | None:
    """Build the missing copies (blocking). Safe to call from several processes or threads at once: the
    folder's lock lets one build while the others wait, and they then find the files."""
    chars = chars or working_set()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, also if this process dies
        for stale in folder.glob(".*.tmp"):  # a builder killed while writing (builders hold the lock)
            stale.unlink(missing_ok=True)
        for face in faces:
            path = target(folder, face, chars)
            if path is not None and not path.is_file():
                _build_face(face, path, chars)
    return ready(folder, chars, faces)


def _build_face(face: Face, path: Path, chars: frozenset[int]) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    file, index = source(face)
    font = TTFont(file, fontNumber=index, lazy=True)
    # Every layout feature but 'aalt' (a font picker's list of alternates): Pango shapes with the same
    # features as with the full face, so the glyphs are the same. 'locl' must stay although documents are
    # zh-CN and the SC face's forms are its defaults: it also swaps Latin digits in Latin runs for zh
    # ("XK-2026-000001"); without it the copy is 8,500 glyphs instead of 14,000, but such digits differ.
    gsub = font["GSUB"].table.FeatureList.FeatureRecord if "GSUB" in font else []
    gpos = font["GPOS"].table.FeatureList.FeatureRecord if "GPOS" in font else []
    features = sorted({record.FeatureTag for record in [*gsub, *gpos]} - {"aalt"})
    options = subset.Options(layout_features=features, name_IDs=["*"], name_languages=["*"],
                             notdef_outline=True, hinting=True, ignore_missing_glyphs=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=chars)
    subsetter.subset(font)
    fd, tmp = tempfile.mkstemp(prefix=f".{face.slug}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            font.save(out)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide it from app processes running as another user
        os.replace(tmp, path)  # atomic: a reader sees no file or the whole file
    except BaseException:
        os.unlink(tmp)
        raise
    log.info("document font %s built: %s (%d glyphs)", face.family, path, len(font.getGlyphOrder()))


def font_face_css(paths: dict[Face, Path]) -> str:
    return "".join(f"@font-face {{ font-family: '{face.family}'; font-weight: {face.weight}; "
                   f"src: url({path.as_uri()}); }}\n" for face, path in paths.items())


_child: subprocess.Popen | None = None
_started = 0.0  # time.monotonic() when _child was started
RETRY_AFTER = 600.0  # seconds before a failed build is tried again (it costs ~40 s of a core)


def build_in_background(folder: str | os.PathLike) -> None:
    """Start a child process that builds the copies, unless this process has one running or one failed
    less than RETRY_AFTER seconds ago (a folder that cannot be written must not keep a core busy). A
    failed build is logged by the child."""
    global _child, _started
    if _child is not None:
        code = _child.poll()
        if code is None or (code != 0 and time.monotonic() - _started < RETRY_AFTER):
            return
    try:
        import fontTools  # noqa: F401 — without it there is nothing to build
    except ImportError:
        return
    if not all(source(face) for face in FACES):
        return
    _started = time.monotonic()
    _child = subprocess.Popen([sys.executable, "-m", "app.documents.fonts", str(folder)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True)
    threading.Thread(target=_child.wait, name="font-build-reaper", daemon=True).start()  # no zombie


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # a line per table otherwise
    if len(argv) != 1:
        print("usage: python -m app.documents.fonts FOLDER", file=sys.stderr)
        return 2
    os.nice(10)  # a background job: requests come first
    return 0 if build(argv[0]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
