"""Issuing time per official document, warm: render (sandboxed template → HTML → WeasyPrint PDF with Noto
CJK subsets) + number (counter row) + PAdES signature (pyHanko) + content-addressed store + row + record +
commit — what a kernel handler adds to a step.

    .venv/bin/python bench/documents.py [--per-type N] [--save DIR] [--full-faces]   # SQLite, temporary dir
    BENCH_DATABASE_URL=postgresql+psycopg://root@127.0.0.1/test_doc .venv/bin/python bench/documents.py

BENCH_DATABASE_URL is a scratch database: its schema ``public`` is dropped and rebuilt. ``--save`` writes
the last signed PDF of each type to DIR (for looking at them, e.g. with ``pdftoppm -r 60 -png``).
Documents use the reduced font copies (app/documents/fonts.py) in DOCUMENT_FONT_CACHE, by default the
project's instance/fonts — built before the warm-up if missing (≈ 40 s, once per machine);
``--full-faces``: the full Noto faces only, as before the copies.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fresh import fresh_app  # noqa: E402


def setup(**config):
    return fresh_app("documents", **config)


def accepted_case(app) -> str:
    from app.cases import service as cases
    from app.cases.access import open_tasks
    from app.extensions import db
    from app.users.models import User
    from tests.support import forms as f
    with app.app_context():
        clerk = db.session.scalar(db.select(User).where(User.username == "clerk"))
        case = cases.create_case(clerk, "XK-002", {"name": "鞍山示例食品有限公司", "type": "legal_person",
                                                   "code": "91210300MA0QC4XB9B"}, {})
        cases.complete_task(clerk, open_tasks(case)[0].id, f.ACCEPT)
        return case.case_no


def issue_once(case_no: str, doc_type: str) -> tuple[float, float, object]:
    """One document as a kernel handler would issue it, in its own transaction: wall ms, CPU ms (this
    process; what the machine's other load does not inflate) and the document."""
    from app.cases.models import Case
    from app.core.clock import china_today
    from app.documents import service
    from app.documents.types import DOC_TYPES, SAMPLE_DATA
    from app.extensions import db
    from app.records import append_records
    data = dict(SAMPLE_DATA[doc_type])
    if "decision_date" in data:
        data["decision_date"] = china_today()
    db.session.remove()
    case = db.session.scalar(db.select(Case).where(Case.case_no == case_no))
    start, cpu = time.perf_counter(), time.process_time()
    drafts = []
    doc, _ = service.issue_document(case, doc_type, data, "leader", drafts=drafts,
                                    step_kind=DOC_TYPES[doc_type].steps[0])
    append_records(case, drafts)
    db.session.commit()
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000, doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-type", type=int, default=30, help="documents per type")
    parser.add_argument("--save", type=Path, default=None, help="write the last PDF of each type here")
    parser.add_argument("--full-faces", action="store_true", help="no reduced font copies: the full Noto faces")
    args = parser.parse_args()
    from app.documents.types import DOC_TYPES
    app = setup(**({"DOCUMENT_FONT_CACHE": "off"} if args.full_faces else {}))
    case_no = accepted_case(app)
    with app.app_context():
        from app.documents import service
        from app.extensions import db
        for doc_type in DOC_TYPES:  # warm-up: fonts, templates, the signer
            issue_once(case_no, doc_type)
            issue_once(case_no, doc_type)
        from app.documents.pdf import renderer
        print(f"{args.per_type} documents per type, warm, database: {db.engine.dialect.name}, "
              f"fonts: {'reduced copies' if renderer().reduced else 'full Noto faces'}, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
        print(f"{'type':22} {'mean ms':>8} {'median':>8} {'p95':>8} {'cpu med':>8} {'KB':>6}")
        everything, everything_cpu = [], []
        for doc_type in DOC_TYPES:
            times, cpus, doc = [], [], None
            for _ in range(args.per_type):
                ms, cpu_ms, doc = issue_once(case_no, doc_type)
                times.append(ms)
                cpus.append(cpu_ms)
            everything += times
            everything_cpu += cpus
            print(f"{doc_type:22} {_stats(times)} {statistics.median(cpus):8.1f} {doc.size / 1024:6.0f}")
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{doc_type}.pdf").write_bytes(service.document_pdf(doc))
        print(f"{'all':22} {_stats(everything)} {statistics.median(everything_cpu):8.1f}")


def _stats(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[max(int(round(len(values) * 0.95)) - 1, 0)]
    return f"{statistics.mean(values):8.1f} {statistics.median(values):8.1f} {p95:8.1f}"


if __name__ == "__main__":
    main()
