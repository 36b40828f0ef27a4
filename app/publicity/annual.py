"""统计年报 (annual statistics report, domain.md §5 and scenario 24).

A report for a year is generated from the case data (``generate``), previewed, optionally saved as a
draft with the supervisor's narrative (``save_draft``), then published (``publish``). A published version
is locked: its content is stored once as canonical JSON with a SHA-256 over it, and database triggers
refuse UPDATE and DELETE on ``annual_report`` (migration 0008). A correction is a new version of the same
year, which needs a reason; earlier versions stay as they were.

How each figure is counted (all dates are China dates; "the year" is 1 Jan – 31 Dec):

- 申请数量 ``applications``: cases received in the year (``received_on``, else the China date of
  ``created_at``), whatever became of them, including 不予受理 at intake (scenario 25).
- 受理数量 ``accepted``: cases with ``accepted_on`` in the year (deemed acceptances included).
- 许可数量 ``granted`` / 不予许可数量 ``denied``: cases with ``decided_on`` in the year, by the decision of
  the case's last ``decision_made`` execution record (else the ``decision`` field in the last
  ``task_completed`` record of the decide task). 变更/延续 grants are grants.
- 撤销许可数量 ``revoked``: publications withdrawn (state WITHDRAWN) with ``withdrawn_at`` in the year. The
  system has no revocation procedure; a withdrawn 双公示 record (当前状态 → 无效) is the closest proxy.
- 法制审核 ``legal_review``: rounds completed in the year (``LegalReviewRound.completed_at``), by outcome;
  ``cases`` = cases with at least one such round; ``cases_multi_round`` = of those, cases with ≥ 2 rounds
  in the year; ``cases_approved`` = of those, cases whose last round (of all) is ``approve``.
- 听证 ``hearings``: distinct cases with a ``hearing`` clock pause started in the year, or with the fact
  ``hearing_held`` true and decided in the year.
- 延长期限 ``extensions``: cases with ``extension_days > 0`` decided in the year, or undecided and accepted
  in the year.
- 逾期决定 ``late_decisions``: cases decided in the year with ``decided_on > decision_due``.
- 逾期公示 ``late_publications``: cases decided in the year with ``published_on > publication_due``, or not
  published, ``publication_due`` before the generation date, and the publication not WITHHELD.
- ``items``: the same licensing figures and late counts per service item (every active item, and any item
  with activity in the year); zero is 0.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import String, Text, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from app.cases.actions import action
from app.cases.models import Case
from app.catalogue.models import ServiceItem
from app.core.clock import CHINA, china_date, china_today, utcnow
from app.core.errors import Forbidden, InvalidData, NotFound
from app.core.exports import csv_bytes
from app.core.i18n import current_language, t
from app.deadlines.models import ClockPause
from app.extensions import db
from app.legal_review.models import LegalReviewRound
from app.publicity.fields import bureau
from app.publicity.models import WITHDRAWN, WITHHELD, Publication
from app.records.chain import canonical_json
from app.records.models import ExecutionRecord
from app.records.triggers import AppendOnly
from app.users.models import User

DEFINITION = "xzxk-annual-v1"  # the report definition (domain.md §5 行政许可 table + [DESIGN] counts)
MIN_YEAR, MAX_YEAR = 2000, 2100
LICENSING_KEYS = ("applications", "accepted", "granted", "denied", "revoked")
EXTRA_KEYS = ("hearings", "extensions", "late_decisions", "late_publications")
ITEM_KEYS = LICENSING_KEYS + ("late_decisions", "late_publications")
REVIEW_OUTCOMES = ("approve", "revise", "return")
LABELS: dict[str, tuple[str, str]] = {
    "applications": ("申请数量", "Applications"), "accepted": ("受理数量", "Accepted"),
    "granted": ("许可数量", "Granted"), "denied": ("不予许可数量", "Denied"),
    "revoked": ("撤销许可数量", "Revoked (withdrawn publications)"),
    "legal_review.cases": ("法制审核案件数", "Cases in legal review"),
    "legal_review.rounds": ("法制审核轮次", "Legal review rounds"),
    "legal_review.approve": ("审核同意轮次", "Rounds: approve"),
    "legal_review.revise": ("提出修改意见轮次", "Rounds: revision requested"),
    "legal_review.return": ("退回补充材料轮次", "Rounds: returned for materials"),
    "legal_review.cases_multi_round": ("两轮及以上审核的案件", "Cases with two or more rounds"),
    "legal_review.cases_approved": ("审核最终同意的案件", "Cases finally approved"),
    "hearings": ("听证案件数", "Cases with a hearing"), "extensions": ("延长期限案件数", "Cases extended"),
    "late_decisions": ("逾期决定数", "Late decisions"), "late_publications": ("逾期公示数", "Late publications"),
    "item_code": ("事项编码", "Item code"), "item_name": ("事项名称", "Item"),
    "narrative": ("行政执法情况说明", "Narrative"), "year": ("年度", "Year"), "version": ("版本", "Version"),
    "status": ("状态", "Status"), "sha256": ("SHA-256", "SHA-256"), "as_of": ("统计日期", "Generated on"),
    "indicator": ("指标", "Indicator"), "value": ("数量", "Count"), "reason": ("更正原因", "Reason for correction"),
    "published_at": ("发布时间（UTC）", "Published at (UTC)"), "published_by": ("发布人", "Published by"),
    "preview": ("预览（未发布）", "Preview (not published)"), "published": ("已发布", "Published"),
}


def label(key: str, lang: str | None = None) -> str:
    zh, en = LABELS[key]
    return en if (lang or current_language()) == "en" else zh


# ------------------------------------------------------------------------------------------ tables

class AnnualReport(db.Model):
    """One published version of a year's report. Never updated or deleted (triggers, migration 0008)."""
    __tablename__ = "annual_report"
    __table_args__ = (UniqueConstraint("year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    version: Mapped[int]
    # canonical JSON of {year, version, definition, figures, narrative, reason, published_by, published_at}
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime]
    published_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)  # required from version 2 on

    @property
    def document(self) -> dict:
        return json.loads(self.content)

    @property
    def valid(self) -> bool:
        doc = self.document
        return (hashlib.sha256(self.content.encode("utf-8")).hexdigest() == self.sha256
                and doc.get("year") == self.year and doc.get("version") == self.version)


class AnnualReportDraft(db.Model):
    """The supervisor's working copy for a year (narrative and the figures last generated); mutable."""
    __tablename__ = "annual_report_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    narrative: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[str] = mapped_column(Text)  # canonical JSON, as generated when saved
    saved_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    saved_by: Mapped[str] = mapped_column(String(64))


# Published versions are locked by triggers (used by migration 0008, and by tests to clean up behind them).
LOCKED = AppendOnly("annual_report", "published annual reports are locked")
create_statements = LOCKED.create_statements
drop_statements = LOCKED.drop_statements
behind_the_triggers = LOCKED.behind  # tests only


# ------------------------------------------------------------------------------------------ generation

def check_year(year: int) -> int:
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidData(t("annual_bad_year"), fields={"year": [t("annual_bad_year")]}, code="annual_bad_year")
    return year


def _utc_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The China calendar year as naive-UTC [start, end) (how timestamps are stored)."""
    def utc(d: dt.date) -> dt.datetime:
        return dt.datetime.combine(d, dt.time(), CHINA).astimezone(dt.timezone.utc).replace(tzinfo=None)
    return utc(dt.date(year, 1, 1)), utc(dt.date(year + 1, 1, 1))


def _decisions(case_ids: list[int]) -> dict[int, str | None]:
    """grant | deny per case: the last decision_made record, else the decide task's completed data."""
    found: dict[int, str | None] = {}
    if not case_ids:
        return found
    rows = db.session.execute(
        select(ExecutionRecord.case_id, ExecutionRecord.action, ExecutionRecord.task_name, ExecutionRecord.payload)
        .where(ExecutionRecord.case_id.in_(case_ids),
               or_(ExecutionRecord.action == "decision_made",
                   (ExecutionRecord.action == "task_completed") & (ExecutionRecord.task_name == "decide")))
        .order_by(ExecutionRecord.case_id, ExecutionRecord.seq)).all()
    from_records, from_tasks = {}, {}
    for case_id, action_name, _task, payload in rows:
        body = json.loads(payload or "{}")
        if action_name == "decision_made":
            from_records[case_id] = body.get("decision")
        else:
            from_tasks[case_id] = (body.get("data") or {}).get("decision")
    for case_id in case_ids:
        found[case_id] = from_records.get(case_id) or from_tasks.get(case_id)
    return found


def generate(year: int, as_of: dt.date | None = None) -> dict:
    """The report's figures for ``year`` from the case data (nothing is stored)."""
    check_year(year)
    as_of = as_of or china_today()
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    start_utc, end_utc = _utc_bounds(year)
    in_year = lambda d: d is not None and first <= d <= last  # noqa: E731

    cases = db.session.execute(select(
        Case.id, Case.item_id, Case.received_on, Case.created_at, Case.accepted_on, Case.decided_on,
        Case.decision_due, Case.extension_days, Case.published_on, Case.publication_due, Case.facts)
        .where(or_(Case.received_on.between(first, last), Case.accepted_on.between(first, last),
                   Case.decided_on.between(first, last),
                   Case.received_on.is_(None) & (Case.created_at >= start_utc) & (Case.created_at < end_utc)),
               Case.process_key != "complaint")  # consultations and complaints are no licensing applications
    ).all()
    decided_ids = [c.id for c in cases if in_year(c.decided_on)]
    decisions = _decisions(decided_ids)
    withheld = set(db.session.scalars(select(Publication.case_id).where(
        Publication.case_id.in_(decided_ids), Publication.state == WITHHELD))) if decided_ids else set()

    per_item: dict[int, dict[str, int]] = defaultdict(lambda: {k: 0 for k in ITEM_KEYS})
    hearing_cases: set[int] = set()
    extended = 0
    for c in cases:
        counts = per_item[c.item_id]
        received = c.received_on or china_date(c.created_at)
        if in_year(received):
            counts["applications"] += 1
        if in_year(c.accepted_on):
            counts["accepted"] += 1
        decided = in_year(c.decided_on)
        if decided:
            decision = decisions.get(c.id)
            if decision == "grant":
                counts["granted"] += 1
            elif decision == "deny":
                counts["denied"] += 1
            if c.decision_due is not None and c.decided_on > c.decision_due:
                counts["late_decisions"] += 1
            if c.publication_due is not None and (
                    (c.published_on is not None and c.published_on > c.publication_due)
                    or (c.published_on is None and c.publication_due < as_of and c.id not in withheld)):
                counts["late_publications"] += 1
            if (c.facts or {}).get("hearing_held") is True:
                hearing_cases.add(c.id)
        if (c.extension_days or 0) > 0 and (decided or (c.decided_on is None and in_year(c.accepted_on))):
            extended += 1

    for case_id, item_id in db.session.execute(
            select(Publication.case_id, Publication.item_id).where(
                Publication.state == WITHDRAWN, Publication.withdrawn_at >= start_utc,
                Publication.withdrawn_at < end_utc)).all():
        per_item[item_id]["revoked"] += 1
    hearing_cases |= set(db.session.scalars(select(ClockPause.case_id).where(
        ClockPause.procedure == "hearing", ClockPause.start_on.between(first, last))))

    rounds = db.session.execute(select(LegalReviewRound.case_id, LegalReviewRound.outcome).where(
        LegalReviewRound.completed_at >= start_utc, LegalReviewRound.completed_at < end_utc)).all()
    by_outcome = {k: 0 for k in REVIEW_OUTCOMES}
    rounds_per_case: dict[int, int] = defaultdict(int)
    for case_id, outcome in rounds:
        by_outcome[outcome] = by_outcome.get(outcome, 0) + 1
        rounds_per_case[case_id] += 1
    approved = 0
    if rounds_per_case:
        last_outcome = {}
        for case_id, outcome in db.session.execute(
                select(LegalReviewRound.case_id, LegalReviewRound.outcome)
                .where(LegalReviewRound.case_id.in_(list(rounds_per_case))).order_by(LegalReviewRound.round_no)):
            last_outcome[case_id] = outcome
        approved = sum(1 for o in last_outcome.values() if o == "approve")

    items = db.session.scalars(select(ServiceItem).where(
        or_(ServiceItem.active.is_(True), ServiceItem.id.in_(list(per_item) or [-1])))
        .order_by(ServiceItem.code)).all()
    item_rows = [{"code": i.code, "name": i.name, "name_en": i.name_en or i.name,
                  **{k: per_item[i.id][k] if i.id in per_item else 0 for k in ITEM_KEYS}} for i in items]
    licensing = {k: sum(r[k] for r in item_rows) for k in LICENSING_KEYS}
    return {
        "definition": DEFINITION, "year": year, "as_of": as_of.isoformat(), "bureau": bureau()[0],
        "licensing": licensing,
        "legal_review": {"cases": len(rounds_per_case), "rounds": len(rounds), "by_outcome": by_outcome,
                         "cases_multi_round": sum(1 for n in rounds_per_case.values() if n >= 2),
                         "cases_approved": approved},
        "hearings": len(hearing_cases), "extensions": extended,
        "late_decisions": sum(r["late_decisions"] for r in item_rows),
        "late_publications": sum(r["late_publications"] for r in item_rows),
        "items": item_rows,
    }


def indicators(figures: dict, lang: str | None = None) -> list[tuple[str, str, int]]:
    """(key, label, value) of every headline figure, in report order; zero is 0, never blank."""
    rows = [(k, label(k, lang), int(figures["licensing"].get(k) or 0)) for k in LICENSING_KEYS]
    review = figures["legal_review"]
    rows += [("legal_review.cases", label("legal_review.cases", lang), int(review["cases"] or 0)),
             ("legal_review.rounds", label("legal_review.rounds", lang), int(review["rounds"] or 0))]
    rows += [(f"legal_review.{o}", label(f"legal_review.{o}", lang), int(review["by_outcome"].get(o) or 0))
             for o in REVIEW_OUTCOMES]
    rows += [("legal_review.cases_multi_round", label("legal_review.cases_multi_round", lang),
              int(review["cases_multi_round"] or 0)),
             ("legal_review.cases_approved", label("legal_review.cases_approved", lang),
              int(review["cases_approved"] or 0))]
    rows += [(k, label(k, lang), int(figures.get(k) or 0)) for k in EXTRA_KEYS]
    return rows


# ------------------------------------------------------------------------------------------ storage

def _require_supervisor(user: User) -> None:
    if not user.has_role("supervisor"):
        raise Forbidden.of("permission_denied")


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
    _require_supervisor(user)
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
    _require_supervisor(user)
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


# ------------------------------------------------------------------------------------------ exports

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


def to_csv(view: View, lang: str | None = None) -> bytes:
    """A header block, the headline figures, then the per-item table (see app.exports)."""
    rows = [[label("year", lang), view.year, label("version", lang), view.version or "",
             label("status", lang), label(view.status, lang)],
            [label("as_of", lang), view.figures["as_of"], label("sha256", lang), view.sha256 or ""]]
    if view.reason:
        rows.append([label("reason", lang), view.reason])
    rows += [[], [label("indicator", lang), label("value", lang)]]
    rows += [[text_, value] for _key, text_, value in indicators(view.figures, lang)]
    rows += [[], [label("item_code", lang), label("item_name", lang)] + [label(k, lang) for k in ITEM_KEYS]]
    en = (lang or current_language()) == "en"
    rows += [[row["code"], row["name_en"] if en else row["name"]] + [int(row[k] or 0) for k in ITEM_KEYS]
             for row in view.figures["items"]]
    rows += [[], [label("narrative", lang), view.narrative]]
    return csv_bytes(rows)


def to_json(view: View) -> bytes:
    return json.dumps(view.as_json(), ensure_ascii=False, indent=2).encode("utf-8")


def export_name(view: View, fmt: str) -> str:
    return f"annual-report-{view.year}-" + (f"v{view.version}" if view.version else "preview") + f".{fmt}"


# ------------------------------------------------------------------------------------------ CLI

import click  # noqa: E402
from flask.cli import AppGroup  # noqa: E402

annual_cli = AppGroup("annual", help="统计年报: generate, publish (locked versions) and show the annual report.")


def _print_view(view: View, fmt: str) -> None:
    if fmt == "json":
        click.echo(to_json(view).decode("utf-8"))
    elif fmt == "csv":
        click.echo(to_csv(view).decode("utf-8").lstrip("\ufeff"), nl=False)
    else:
        state = f"v{view.version} {label('published')} sha256={view.sha256}" if view.version else label("preview")
        click.echo(f"{view.figures['bureau']} {view.year} 年度统计年报 [{state}] as of {view.figures['as_of']}")
        for _key, text_, value in indicators(view.figures):
            click.echo(f"  {text_}: {value}")
        click.echo("  分事项 / per item:")
        for row in view.figures["items"]:
            click.echo(f"    {row['code']} {row['name']}: " + ", ".join(f"{label(k)} {row[k]}" for k in ITEM_KEYS))
        if view.reason:
            click.echo(f"  {label('reason')}: {view.reason}")
        if view.narrative:
            click.echo(f"  {label('narrative')}: {view.narrative}")


@annual_cli.command("generate")
@click.argument("year", type=int)
@click.option("--publish", "do_publish", is_flag=True, help="publish a new locked version")
@click.option("--as", "username", default="supervisor", show_default=True, help="who publishes (a supervisor)")
@click.option("--reason", default=None, help="why a new version corrects the last one (required from version 2)")
@click.option("--narrative", default=None, help="行政执法情况说明 (default: the saved draft's)")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
def generate_command(year, do_publish, username, reason, narrative, fmt):
    """Generate YEAR's figures from the case data (a preview), or publish them with --publish."""
    from app.core.cli import run_action
    from app.users.lookup import user_by_name
    run_action(lambda: check_year(year))
    if not do_publish:
        draft = get_draft(year)
        _print_view(View.preview(year, narrative if narrative is not None else (draft.narrative if draft else "")),
                    fmt)
        return
    user = user_by_name(username)
    if narrative is None:
        draft = get_draft(year)
        narrative = draft.narrative if draft else ""
    report = run_action(lambda: publish(user, year, narrative, reason))
    click.echo(f"published {year} version {report.version} sha256={report.sha256}")


@annual_cli.command("show")
@click.argument("year", type=int)
@click.option("--version", "version", type=int, default=None, help="a published version (default: the latest)")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
def show_command(year, version, fmt):
    """Show a published version of YEAR's report."""
    from app.core.cli import run_action
    report = run_action(lambda: get_version(check_year(year), version))
    _print_view(View.of(report), fmt)
