"""The annual report's figures, generated from the case data (nothing is stored here), and their labels.

How each figure is counted (all dates are China dates; "the year" is 1 Jan – 31 Dec):

- 申请数量 ``applications``: cases received in the year (``received_on``, else the China date of
  ``created_at``), whatever became of them, including 不予受理 at intake (scenario 25).
- 受理数量 ``accepted``: cases with ``accepted_on`` in the year (deemed acceptances included).
- 许可数量 ``granted`` / 不予许可数量 ``denied``: cases with ``decided_on`` in the year, by the decision of
  the case's last ``decision_made`` execution record (else the ``decision`` field in the last
  ``task_completed`` record of the decide task). 准予变更/延续 count in 许可数量, 不予变更/延续 in 不予许可数量
  (domain.md §5); a "grant" of a cancellation (注销) or a revocation case is no 许可.
- 准予变更 ``changed`` / 准予延续 ``renewed`` (of which, in 许可数量) / 撤销 ``revoked`` / 注销 ``cancelled``: the
  licence register's events in the year (app.licences: changed; renewed and deemed renewed — 第五十条第二款,
  a renewal by law without a decision, so not in 许可数量; revoked — 撤销 (第六十九条) and 撤回 (第八条) of a
  licence; cancelled), once per event, under the licence's item. A withdrawn 双公示 record is no revocation
  (it may withdraw a denial's record, or one published in error).
- 撤回申请数量 ``withdrawn``: cases withdrawn at the applicant's request (status ``withdrawn``, app.withdrawal)
  with the withdrawal (``completed_at``) in the year.
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
import json
from collections import defaultdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.cases.models import Case
from app.catalogue.models import ServiceItem
from app.core.clock import CHINA, china_date, china_today
from app.core.errors import InvalidData
from app.core.i18n import in_language, t
from app.core.vocabulary import CaseStatus
from app.deadlines.models import ClockPause
from app.extensions import db
from app.legal_review.models import LegalReviewRound
from app.publicity.fields import bureau
from app.licences.models import Licence, LicenceEvent
from app.publicity.models import WITHHELD, Publication
from app.records.models import ExecutionRecord

DEFINITION = "xzxk-annual-v1"  # the report definition (domain.md §5 行政许可 table + [DESIGN] counts)
MIN_YEAR, MAX_YEAR = 2000, 2100
LICENSING_KEYS = ("applications", "accepted", "granted", "changed", "renewed", "denied", "revoked", "cancelled",
                  "withdrawn")
# The licence register's events each licensing figure counts (app.licences), by the licence's item.
LICENCE_EVENT_KEYS = {"changed": "changed", "renewed": "renewed", "deemed_renewed": "renewed", "revoked": "revoked",
                      "cancelled": "cancelled"}
# Items whose "grant" ends a licence: counted by the register's events (注销, 撤销), not as 许可.
NOT_A_GRANT = ("cancellation", "revocation")
EXTRA_KEYS = ("hearings", "extensions", "late_decisions", "late_publications")
ITEM_KEYS = LICENSING_KEYS + ("late_decisions", "late_publications")
REVIEW_OUTCOMES = ("approve", "revise", "return")
LABELS = {
    "applications": _l("申请数量"), "accepted": _l("受理数量"), "granted": _l("许可数量"), "denied": _l("不予许可数量"),
    "revoked": _l("撤销许可数量"), "withdrawn": _l("撤回申请数量"), "changed": _l("其中：准予变更"),
    "renewed": _l("其中：准予延续"), "cancelled": _l("注销许可数量"),
    "legal_review.cases": _l("法制审核案件数"), "legal_review.rounds": _l("法制审核轮次"),
    "legal_review.approve": _l("审核同意轮次"), "legal_review.revise": _l("提出修改意见轮次"),
    "legal_review.return": _l("退回补充材料轮次"), "legal_review.cases_multi_round": _l("两轮及以上审核的案件"),
    "legal_review.cases_approved": _l("审核最终同意的案件"),
    "hearings": _l("听证案件数"), "extensions": _l("延长期限案件数"), "late_decisions": _l("逾期决定数"),
    "late_publications": _l("逾期公示数"),
    "item_code": _l("事项编码"), "item_name": _l("事项名称"), "narrative": _l("行政执法情况说明"), "year": _l("年度"),
    "version": _l("版本"), "status": _l("状态"), "sha256": "SHA-256", "as_of": _l("统计日期"), "indicator": _l("指标"),
    "value": _l("数量"), "reason": _l("更正原因"), "published_at": _l("发布时间（UTC）"), "published_by": _l("发布人"),
    "preview": _l("预览（未发布）"), "published": _l("已发布"),
}


def label(key: str, lang: str | None = None) -> str:
    """The label of a figure or a column, in ``lang`` (else the user's language)."""
    if lang:
        with in_language(lang):
            return str(LABELS[key])
    return str(LABELS[key])


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
    procedures = dict(db.session.execute(select(ServiceItem.id, ServiceItem.licence_procedure)).all())
    hearing_cases: set[int] = set()
    extended = 0
    for c in cases:
        counts = per_item[c.item_id]
        received = c.received_on or china_date(c.created_at)
        if in_year(received) and procedures.get(c.item_id) != "revocation":  # 依职权: no application
            counts["applications"] += 1
        if in_year(c.accepted_on):
            counts["accepted"] += 1
        decided = in_year(c.decided_on)
        if decided:
            decision = decisions.get(c.id)
            if decision == "grant" and procedures.get(c.item_id) not in NOT_A_GRANT:
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

    for action_name, item_id in db.session.execute(
            select(LicenceEvent.action, Licence.item_id).join(Licence, LicenceEvent.licence_id == Licence.id)
            .where(LicenceEvent.action.in_(list(LICENCE_EVENT_KEYS)), LicenceEvent.at >= start_utc,
                   LicenceEvent.at < end_utc)).all():
        per_item[item_id][LICENCE_EVENT_KEYS[action_name]] += 1
    for item_id in db.session.scalars(select(Case.item_id).where(
            Case.status == CaseStatus.WITHDRAWN, Case.completed_at >= start_utc, Case.completed_at < end_utc,
            Case.process_key != "complaint")):
        per_item[item_id]["withdrawn"] += 1
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
