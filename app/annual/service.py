"""The annual report's life (domain.md §5 and scenario 24): a report for a year is generated from the case
data, previewed, optionally saved as a draft with the supervisor's narrative (``save_draft``), then
published (``publish``). A published version is locked: its content is stored once as canonical JSON with a
SHA-256 over it, and database triggers refuse UPDATE and DELETE on ``annual_report`` (migration 0008). A
correction is a new version of the same year, which needs a reason; earlier versions stay as they were.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from app.annual.figures import DEFINITION, check_year, generate
from app.annual.models import AnnualReport, AnnualReportDraft
from app.cases.actions import action
from app.core.access import require_roles
from app.core.clock import utcnow
from app.core.errors import InvalidData, NotFound
from app.core.i18n import t
from app.extensions import db
from app.records.chain import canonical_json
from app.users.models import User


def versions(year: int) -> list[AnnualReport]:
    return db.session.scalars(select(AnnualReport).where(AnnualReport.year == year)
                              .order_by(AnnualReport.version)).all()


def get_version(year: int, version: int | None = None) -> AnnualReport:
    """The given published version, or the latest; NotFound when there is none."""
    query = select(AnnualReport).where(AnnualReport.year == year)
    query = query.where(AnnualReport.version == version) if version else \
        query.order_by(AnnualReport.version.desc()).limit(1)
    report = db.session.scalar(query)
    if report is None:
        raise NotFound.of("annual_not_found", year=year)
    return report


def published_years() -> list[int]:
    return list(db.session.scalars(select(AnnualReport.year).distinct().order_by(AnnualReport.year.desc())))


def is_published(year: int) -> bool:
    return db.session.scalar(select(AnnualReport.id).where(AnnualReport.year == year).limit(1)) is not None


def get_draft(year: int) -> AnnualReportDraft | None:
    return db.session.scalar(select(AnnualReportDraft).where(AnnualReportDraft.year == year))


@action
def save_draft(user: User, year: int, narrative: str) -> AnnualReportDraft:
    require_roles(user, "supervisor")
    check_year(year)
    draft = get_draft(year)
    figures = canonical_json(generate(year))
    if draft is None:
        draft = AnnualReportDraft(year=year, saved_by=user.username, figures=figures, narrative=narrative or "")
        db.session.add(draft)
    else:
        draft.narrative, draft.figures, draft.saved_at, draft.saved_by = narrative or "", figures, utcnow(), \
            user.username
    db.session.commit()
    return draft


@action
def publish(user: User, year: int, narrative: str, reason: str | None = None) -> AnnualReport:
    """Publish the year's report with figures generated now. A later version needs a reason."""
    require_roles(user, "supervisor")
    check_year(year)
    narrative, reason = (narrative or "").strip(), (reason or "").strip() or None
    errors = {}
    if not narrative:
        errors["narrative"] = [t("annual_narrative_required")]
    previous = db.session.scalar(select(AnnualReport.version).where(AnnualReport.year == year)
                                 .order_by(AnnualReport.version.desc()).limit(1))
    if previous and not reason:
        errors["reason"] = [t("annual_reason_required", version=previous)]
    if errors:
        raise InvalidData(next(iter(errors.values()))[0], fields=errors,
                          code="annual_reason_required" if "reason" in errors else "annual_narrative_required")
    version = (previous or 0) + 1
    now = utcnow().replace(microsecond=0)
    doc = {"definition": DEFINITION, "year": year, "version": version, "figures": generate(year),
           "narrative": narrative, "reason": reason, "published_by": user.username,
           "published_at": now.isoformat(), "supersedes": previous}
    content = canonical_json(doc)
    report = AnnualReport(year=year, version=version, content=content,
                          sha256=hashlib.sha256(content.encode("utf-8")).hexdigest(), published_at=now,
                          published_by=user.username, reason=reason)
    db.session.add(report)
    draft = get_draft(year)
    if draft is not None:
        db.session.delete(draft)
    db.session.commit()
    return report


@dataclass
class View:
    """What pages and exports show: a published version or a live preview."""
    year: int
    figures: dict
    narrative: str
    version: int | None = None
    sha256: str | None = None
    published_at: str | None = None
    published_by: str | None = None
    reason: str | None = None
    valid: bool | None = None

    @classmethod
    def of(cls, report: AnnualReport) -> "View":
        doc = report.document
        return cls(year=report.year, figures=doc["figures"], narrative=doc.get("narrative") or "",
                   version=report.version, sha256=report.sha256, published_at=doc.get("published_at"),
                   published_by=report.published_by, reason=report.reason, valid=report.valid)

    @classmethod
    def preview(cls, year: int, narrative: str = "") -> "View":
        return cls(year=year, figures=generate(year), narrative=narrative)

    @property
    def status(self) -> str:
        return "published" if self.version else "preview"

    def as_json(self) -> dict:
        return {"year": self.year, "status": self.status, "version": self.version, "sha256": self.sha256,
                "valid": self.valid, "published_at": self.published_at, "published_by": self.published_by,
                "reason": self.reason, "narrative": self.narrative, "figures": self.figures}
