"""HTML → PDF with WeasyPrint (Pango/HarfBuzz shape and embed Debian's Noto CJK fonts as subsets, so the
text stays text), in the GB/T 9704-2012 page frame, with the seal and the QR code drawn in the page.

Why WeasyPrint: documents are HTML templates designers can edit and preview, and WeasyPrint embeds the
CFF-flavoured OpenType of Noto CJK, which ReportLab cannot. The font configuration is created once per
process and kept warm (the first document pays the font loading).
"""
from __future__ import annotations

import atexit
import datetime as dt
import math
import threading
import time
from functools import lru_cache

from flask import current_app
from markupsafe import Markup, escape

from app.documents import fonts
from app.documents.types import title_for

# The reduced copies first, the full Noto faces right after (app/documents/fonts.py): a character outside
# the copies' working set, or no copies at all, falls through to the full face.
BODY_FONT = fonts.stack(fonts.SERIF)  # Noto Serif CJK SC: the free substitute for 仿宋/宋体
TITLE_FONT = fonts.stack(fonts.SANS)  # Noto Sans CJK SC bold: the substitute for 小标宋
SEAL_FONT = f"{fonts.SANS.family},{fonts.SANS.fallback}"  # an SVG attribute: WeasyPrint splits on "," only
SEAL_RED = "#d7000f"

# A4, 版心 156 × 225 mm: top 37, bottom 35, left 28, right 26 mm (GB/T 9704-2012 §5.2.1); body 3号 (16 pt)
# in 22 lines of 28 characters; title 2号 (22 pt); page numbers 4号 "— n —" on the outer side.
BASE_CSS = f"""
@page {{ size: A4; margin: 37mm 26mm 35mm 28mm;
        @bottom-right {{ content: "— " counter(page) " —"; font: 14pt {BODY_FONT}; vertical-align: top;
                         padding-top: 7mm; }} }}
html {{ font-family: {BODY_FONT}; font-size: 16pt; line-height: 28.9pt; color: #000; }}
body {{ margin: 0; }}
h1.title {{ font-family: {TITLE_FONT}; font-weight: bold; font-size: 22pt; line-height: 1.5; text-align: center;
           margin: 0 0 6pt; letter-spacing: 1pt; }}
p.docno {{ text-align: center; margin: 0 0 12pt; }}
p {{ margin: 0; text-indent: 2em; text-align: justify; }}
p.noindent, p.to {{ text-indent: 0; }}
ol, ul {{ margin: 0; padding-left: 2em; }}
h2 {{ font-family: {TITLE_FONT}; font-size: 16pt; font-weight: bold; margin: 0; text-indent: 2em; }}
table.form {{ width: 100%; border-collapse: collapse; font-size: 14pt; line-height: 1.45; }}
table.form th, table.form td {{ border: 0.6pt solid #000; padding: 4pt 6pt; vertical-align: middle; text-align: left; }}
table.form.small {{ font-size: 12pt; }}
table.form th {{ font-weight: normal; width: 26%; white-space: nowrap; }}
/* The seal's top within a line of the text above it, never alone on a page: templates wrap the last
   paragraph and the signoff in .keep (GB/T 9704-2012 §7.3.5.1). */
.signoff {{ text-align: right; padding-right: 4em; margin-top: 34pt; break-inside: avoid; }}
.keep {{ break-inside: avoid; }}
.signoff-inner {{ display: inline-block; position: relative; text-align: center; }}
.signoff-inner .seal {{ position: absolute; left: 50%; top: 50%; width: 42mm; height: 42mm; margin-left: -21mm;
                        margin-top: -24mm; }}
.seal svg {{ width: 42mm; height: 42mm; }}
/* The verification block sits in the first page's bottom margin (absolute, so it costs no re-layout of
   every page as a running element in a margin box would: ≈ 20 ms a document). */
.verify {{ position: absolute; left: 0; bottom: -24mm; display: flex; font: 8pt/1.35 {BODY_FONT}; color: #333; }}
.verify img {{ width: 17mm; height: 17mm; margin-right: 3mm; image-rendering: pixelated; }}
.verify .vtext {{ padding-top: 1mm; }}
"""


def bureau_settings() -> dict:
    config = current_app.config
    name = config.get("BUREAU_NAME", "鞍山市行政审批局")
    return {"name": name, "uscc": config.get("BUREAU_USCC", ""),
            # 行政复议 of a municipal department's decision goes to the municipal government (行政复议法 2023 第24条);
            # the court is configuration: check the local jurisdiction rules before going live.
            "reconsideration_body": config.get("RECONSIDERATION_BODY", "鞍山市人民政府"),
            "court": config.get("LITIGATION_COURT", "鞍山市铁东区人民法院"),
            "address": config.get("BUREAU_ADDRESS", "辽宁省鞍山市铁东区胜利南路 鞍山市政务服务中心"),
            "phone": config.get("BUREAU_PHONE", "0412-12345")}


def public_base_url() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")


def verify_url(public_id: str) -> str:
    """What the QR code carries: the public JSON answer, which sends a browser on to the public page."""
    return f"{public_base_url()}/api/public/documents/{public_id}"


def page_context(doc_type: str, case: dict, data: dict, *, number: str, public_id: str,
                 issued_on: dt.date) -> dict:
    """Everything a template sees (templating.py lists it)."""
    bureau = bureau_settings()
    url = verify_url(public_id)
    title = title_for(doc_type, data)
    doc = {"type": doc_type, "title": title, "number": number, "date": issued_on, "public_id": public_id,
           "verify_url": url}
    seal = Markup(f'<div class="seal" id="seal">{seal_svg(bureau["name"])}</div>')
    signoff = Markup('<div class="signoff"><div class="signoff-inner"><div>{}</div><div>{}</div>{}</div></div>'
                     ).format(bureau["name"], _cn_date(issued_on), seal)
    return {"doc": doc, "bureau": bureau, "case": case, "data": data, "seal": seal, "qr": qr_img(url),
            "signoff": signoff}


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# ---------------------------------------------------------------------------------------- seal and QR

@lru_cache(maxsize=8)
def seal_svg(name: str, footer: str = "行政审批专用章") -> str:
    """A red round seal: the bureau's name around the upper arc, a five-pointed star in the middle, the
    seal's purpose underneath — each character placed and turned on its own (portable to any renderer)."""
    c, r_text, n = 80.0, 55.0, len(name)
    span = min(270.0, 28.0 * n)  # 8 characters: about 7 to 5 o'clock, like a real seal
    glyphs = []
    for i, ch in enumerate(name):
        angle = -span / 2 + span * (i + 0.5) / n
        rad = math.radians(angle - 90)
        x, y = c + r_text * math.cos(rad), c + r_text * math.sin(rad)
        glyphs.append(f'<text x="{x:.2f}" y="{y:.2f}" transform="rotate({angle:.2f} {x:.2f} {y:.2f})" '
                      f'text-anchor="middle" dominant-baseline="central">{escape(ch)}</text>')
    star = " ".join(f"{c + 22 * math.cos(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else 0.382):.2f},"
                    f"{c + 22 * math.sin(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else 0.382):.2f}"
                    for k in range(10))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 160" width="42mm" height="42mm">'
            f'<g fill="{SEAL_RED}" stroke="none" opacity="0.85">'
            f'<circle cx="{c}" cy="{c}" r="75" fill="none" stroke="{SEAL_RED}" stroke-width="4.5"/>'
            f'<g font-family="{SEAL_FONT}" font-weight="bold" font-size="21">{"".join(glyphs)}</g>'
            f'<polygon points="{star}"/>'
            f'<text x="{c}" y="{c + 44}" text-anchor="middle" font-family="{SEAL_FONT}" font-weight="bold" '
            f'font-size="12">{escape(footer)}</text></g></svg>')


def qr_img(url: str) -> Markup:
    import segno
    # One pixel per module, scaled up without smoothing (image-rendering): sharp in print, and far cheaper to
    # lay out and embed than the SVG's thousands of path segments.
    uri = segno.make(url, error="m").png_data_uri(scale=1, border=0)
    return Markup('<img class="qr" src="{}" alt="{}">').format(uri, url)


# ---------------------------------------------------------------------------------------- the frame and PDF

def frame(body: str, *, title: str, number: str, url: str, qr: Markup) -> str:
    verify = Markup('<div class="verify">{}<div class="vtext">文书编号：{}<br>扫码或访问以下地址核验真伪：<br>{}</div></div>'
                    ).format(qr, number, url)
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'</head><body>{verify}{body}</body></html>')  # BASE_CSS: parsed once, see _Renderer


class _Renderer:
    """One WeasyPrint font configuration and URL fetcher per process. The fetcher allows ``data:`` only:
    an untrusted template cannot make the renderer read a file or call a server. ``faces``: the reduced
    copies of the fonts (app/documents/fonts.py) to register, or None for the full faces only."""

    def __init__(self, faces: dict | None = None):
        from weasyprint import CSS, URLFetcher
        from weasyprint.text.fonts import FontConfiguration
        self.fonts = FontConfiguration()
        self.fetcher = URLFetcher(allowed_protocols=("data",), timeout=1)
        self.reduced = bool(faces)
        # The page frame's stylesheet, parsed once (a user stylesheet: a template's own <style> overrides it,
        # e.g. the licence's landscape page). Its @font-face rules name our own font files: only this
        # stylesheet, which is ours, gets a fetcher that reads files.
        css = (fonts.font_face_css(faces) if faces else "") + BASE_CSS
        self.base_css = CSS(string=css, font_config=self.fonts,
                            url_fetcher=URLFetcher(allowed_protocols=("file",)) if faces else self.fetcher)

    def pdf(self, html: str, metadata: dict) -> bytes:
        from weasyprint import HTML
        with _render_lock:
            document = HTML(string=html, url_fetcher=self.fetcher, base_url="data:,").render(
                font_config=self.fonts, stylesheets=[self.base_css])
            document.metadata.title = metadata.get("title")
            document.metadata.authors = [metadata.get("author", "")]
            document.metadata.keywords = [metadata.get("number", "")]
            return document.write_pdf()


_render_lock = threading.Lock()  # fontconfig/Pango state is shared: one document at a time per process
_renderer: _Renderer | None = None
_renderer_lock = threading.Lock()
_next_look = 0.0  # monotonic time at which a renderer on the full faces looks for the reduced copies again
LOOK_EVERY = 10.0  # seconds


def renderer() -> _Renderer:
    """The process's renderer: on the reduced font copies once they are built (DOCUMENT_FONT_CACHE, the
    instance's fonts/ folder; off: never), on the full faces until then — the first call starts the
    build in a child process, and every LOOK_EVERY seconds the renderer looks for the files."""
    global _renderer, _next_look
    with _renderer_lock:
        if _renderer is None or (not _renderer.reduced and time.monotonic() >= _next_look):
            _next_look = time.monotonic() + LOOK_EVERY
            folder = current_app.config.get("DOCUMENT_FONT_CACHE")
            folder = None if folder in ("", "off") else folder
            faces = fonts.ready(folder)
            if faces is None and folder:
                fonts.build_in_background(folder)
            if _renderer is None or faces:
                with _render_lock:  # not while another thread renders
                    _renderer = _Renderer(faces)
        return _renderer


@atexit.register
def _drop_renderer() -> None:
    """WeasyPrint removes the font configuration's copy of the @font-face files (a temporary folder) when
    the configuration is deleted: let that happen before the interpreter tears its modules down (it fails
    after, and the folder stays)."""
    global _renderer
    _renderer = None


def warm_up() -> None:
    """Make the process's renderer and lay out a page in both faces and the seal, once: what a process's
    first document would otherwise pay inside a clerk's request (fontconfig, Pango, the font files: ~1 s).
    A gunicorn worker calls it before taking requests (gunicorn.conf.py)."""
    page = frame(f'<h1 class="title">行政许可决定书</h1><p>预热。</p>{seal_svg("行政审批局")}', title="预热",
                 number="-", url="-", qr=Markup(""))
    renderer().pdf(page, {"title": "预热"})


def html_to_pdf(html: str, *, title: str, number: str, author: str) -> bytes:
    return renderer().pdf(html, {"title": title, "number": number, "author": author})

