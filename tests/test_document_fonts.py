"""The reduced font copies (app/documents/fonts.py): built once, used by the renderer, a character outside
the copies still rendered from the full face, concurrent first use writing one whole file. The copies here
hold a small character set (the production one takes ~40 s of CPU to build)."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from app.documents import fonts, pdf, service
from app.documents.templating import sample_case

ROOT = Path(__file__).resolve().parent.parent
RARE = "㛃𠮷"  # CJK extension A and B: outside GB 2312, in the full Noto faces
pytestmark = pytest.mark.skipif(not all(fonts.source(face) for face in fonts.FACES),
                                reason="Noto CJK SC fonts not installed")


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


def _font_names(data: bytes) -> set[str]:
    return {str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
            for page in PdfReader(io.BytesIO(data)).pages for font in page["/Resources"]["/Font"].values()}


def _fonts_drawing(data: bytes, char: str) -> set[str]:
    """The fonts whose ToUnicode map has ``char`` (WeasyPrint maps even a missing glyph, so the extracted
    text alone does not show that a face has the glyph)."""
    code = f"<{ord(char):04x}>" if ord(char) < 0x10000 else "<%04x%04x>" % (
        0xD800 + ((ord(char) - 0x10000) >> 10), 0xDC00 + ((ord(char) - 0x10000) & 0x3FF))
    return {str(font["/BaseFont"]).split("+", 1)[-1]
            for page in PdfReader(io.BytesIO(data)).pages
            for font in (ref.get_object() for ref in page["/Resources"]["/Font"].values())
            if code in font["/ToUnicode"].get_object().get_data().decode("latin-1").lower()}


@pytest.fixture(scope="module")
def small_set() -> frozenset[int]:
    """ASCII, CJK punctuation and the hanzi of the sample grant decision — not the rare characters."""
    text = "准予行政许可决定书鞍行审许字第号示例食品有限公司你单位于年月日提出的经营申请受理编号本机关已依法" \
           "审查符合法定条件标准根据中华人民共和国法三十八条一款和安全五规定决定"
    chars = set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0)) | set(map(ord, text))
    return frozenset(chars)


@pytest.fixture(scope="module")
def built(tmp_path_factory, small_set) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("fonts")
    faces = fonts.build(folder, small_set)
    assert faces is not None
    return folder, faces


@pytest.fixture
def reduced_renderer(app, built, small_set, monkeypatch):
    """The app's renderer() with DOCUMENT_FONT_CACHE on the built folder (and the small set as the working
    set, so that the files are found)."""
    folder, _faces = built
    monkeypatch.setattr(fonts, "working_set", lambda: small_set)
    monkeypatch.setitem(app.config, "DOCUMENT_FONT_CACHE", str(folder))
    monkeypatch.setattr(pdf, "_renderer", None)
    yield
    monkeypatch.setattr(pdf, "_renderer", None)  # the next test gets the suite's renderer (full faces)


def test_the_copies_hold_the_set_and_only_it(built, small_set):
    _folder, faces = built
    assert set(faces) == set(fonts.FACES)
    for face, path in faces.items():
        font = TTFont(path)
        cmap = set(font.getBestCmap())
        assert small_set - cmap <= set(range(0xFF00, 0xFFF0)) | set(range(0x3000, 0x3040))  # unassigned ones
        assert ord("准") in cmap and not {ord(c) for c in RARE} & cmap
        assert len(font.getGlyphOrder()) < 2000  # not the 65,000 of the full face
        assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_documents_use_the_copies_and_fall_back_for_a_rare_character(app, ctx, reduced_renderer):
    assert pdf.renderer().reduced
    case = {**sample_case(), "applicant_name": f"王{RARE}食品有限公司"}
    data = service.preview_current("grant_decision", {"case": case})
    names = _font_names(data)
    # The copies for the body and the title; the full serif face only for the characters they lack.
    assert {"Doc-Serif", "Doc-Sans-Bold", "Noto-Serif-CJK-SC"} <= names, names
    text = _pdf_text(data)
    assert f"王{RARE}食品有限公司" in text and "准予行政许可决定书" in text
    for char in RARE:
        assert _fonts_drawing(data, char) == {"Noto-Serif-CJK-SC"}, char
    assert _fonts_drawing(data, "准") == {"Doc-Serif", "Doc-Sans-Bold"}  # the body and the title


def test_without_copies_the_full_faces_are_used(app, ctx, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "DOCUMENT_FONT_CACHE", "off")
    monkeypatch.setattr(pdf, "_renderer", None)
    started = []
    monkeypatch.setattr(fonts, "build_in_background", started.append)
    try:
        assert not pdf.renderer().reduced
        names = _font_names(service.preview_current("grant_decision"))
        assert names == {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC-Bold"}, names
        assert started == []  # disabled: nothing built
        # A cache folder without files: the full faces now, the build started in the background.
        monkeypatch.setitem(app.config, "DOCUMENT_FONT_CACHE", str(tmp_path))
        monkeypatch.setattr(pdf, "_renderer", None)
        assert not pdf.renderer().reduced and started == [str(tmp_path)]
    finally:
        monkeypatch.setattr(pdf, "_renderer", None)


def test_concurrent_first_use_writes_one_whole_file(tmp_path):
    """Three processes build the serif copy at once: one builds, the others wait on the lock and find it."""
    code = ("import sys; from app.documents import fonts; "
            "faces = fonts.build(sys.argv[1], frozenset(range(0x20, 0x7f)), (fonts.SERIF,)); "
            "print(faces[fonts.SERIF])")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outputs = {proc.communicate(timeout=120)[0].strip() for proc in procs}
    assert all(proc.returncode == 0 for proc in procs)
    files = sorted(p.name for p in tmp_path.iterdir() if p.name != ".build.lock")
    assert len(outputs) == 1 and files == [Path(outputs.pop()).name], files  # no second copy, no temp file
    assert set(range(0x20, 0x7F)) <= set(TTFont(tmp_path / files[0]).getBestCmap())


def test_a_failed_build_is_not_started_again_at_once(monkeypatch, tmp_path):
    """A folder the build cannot write must not keep a core busy: after a failure the next try waits."""
    runs = []

    class Failing:
        def __init__(self, args, **kwargs):
            runs.append(args)

        def poll(self):
            return 1

        def wait(self):
            return 1

    monkeypatch.setattr(fonts, "_child", None)
    monkeypatch.setattr(fonts.subprocess, "Popen", Failing)
    fonts.build_in_background(tmp_path)
    fonts.build_in_background(tmp_path)
    assert len(runs) == 1
    monkeypatch.setattr(fonts, "_started", fonts._started - fonts.RETRY_AFTER - 1)
    fonts.build_in_background(tmp_path)
    assert len(runs) == 2
