"""Documents issued at their steps: the task-kind handlers that issue each 执法文书 inside the step's
transaction (its number, the signed PDF, its row, its ``document_issued`` record and its stored file commit
with the step or not at all), and the plan the task page previews before the step is completed.

Which step issues what (docs/documents.md, "Issued at their steps"):

    receive, outcome accept     受理通知书 acceptance_notice (with the receipt's query code)   行政许可法 第32条
    receive, outcome correct    补正材料通知书 correction_notice (every item, once)              第32条第1款第4项
    receive, outcome reject     不予受理决定书 rejection_decision                                第32条第1款第1、2项
    legal_review                法制审核意见书 legal_review_opinion                              国办发〔2018〕118号
    sign_conclusion (signed)    专业审查委员会审议纪要 committee_minutes
    decide, grant               行政许可证件 licence, then 准予行政许可决定书 grant_decision        第38、39条
    decide, deny                不予行政许可决定书 denial_decision                               第38条第2款
    deliver                     送达回证 service_receipt                                          第44条
    hearing_notice              行政许可听证告知书 hearing_rights_notice                          第46、47条
    hearing_arrange             听证通知书 hearing_notice (host, time, place)                    第48条
    hearing_rights_notice       撤销（撤回）行政许可告知书 revocation_notice                      第36、47、69条, 第8条
    decide, revoke / withdraw   撤销（撤回）行政许可决定书 revocation_decision                    第69条, 第8条, 第70条

A number is taken only here, by the step that issues the document ; forms carry no
typed 文号 any more (``DocType.steps`` in types.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import select

from app.cases import hooks
from app.cases.hooks import Step
from app.core.clock import china_today
from app.core.errors import InvalidData
from app.documents.models import VALID, IssuedDocument
from app.documents.service import document_date, issue_document
from app.documents.templating import as_date
from app.extensions import db
from app.users.models import User

DECISION_TYPES = ("grant_decision", "denial_decision", "rejection_decision", "revocation_decision")
# A revocation's decisions (bpmn/revocation.bpmn, 行政许可法 第69条 撤销 / 第8条 撤回); 'dismiss' (不予撤销)
# issues no decision document: the licence stays as it is and the holder is not a party to a refusal.
REVOCATION_VERBS = {"revoke": "撤销", "withdraw_permit": "撤回"}
# The revocation's legal ground (the inquiry's ``ground``, kept in the case's facts): the article and the verb.
REVOCATION_GROUNDS = {"art69_1": ("第六十九条第一款", "撤销"), "art69_2": ("第六十九条第二款", "撤销"),
                      "art8": ("第八条第二款", "撤回")}
PROPOSAL_LABELS = {"grant": "拟准予行政许可", "deny": "拟不予行政许可", "revoke": "拟撤销行政许可",
                   "withdraw_permit": "拟撤回行政许可"}
LICENCE_NUMBER_PENDING = "（签发时由文书登记簿编号）"


@dataclass
class Planned:
    """One document a step will issue: its type and the data it is rendered from."""
    doc_type: str
    context: dict
    # What to do with the issued document in the same transaction (e.g. the hearing record takes its number);
    # never called for a preview.
    issued: Callable[[IssuedDocument], None] | None = None


def _full_names(usernames) -> list[str]:
    names = dict(db.session.execute(select(User.username, User.full_name)
                                    .where(User.username.in_(list(usernames or [])))).all())
    return [names.get(u, u) for u in usernames or []]


def _full_name(username: str | None) -> str:
    return _full_names([username])[0] if username else ""


# ------------------------------------------------------------------------------------------ the plans

def _receive(step: Step) -> list[Planned]:
    data, case = step.data, step.case
    outcome = data.get("outcome")
    if outcome == "accept":
        return [Planned("acceptance_notice", {"materials": list(case.item.materials or [])})]
    if outcome == "correct":
        return [Planned("correction_notice", {"correction_items": data.get("correction_items"), "within_days": 30})]
    if outcome == "reject":
        context = {"reject_reason": data.get("reject_reason")}
        if data.get("referral_agency"):
            context["referral_agency"] = data["referral_agency"]
        return [Planned("rejection_decision", context)]
    return []


def _round_no(step: Step) -> int:
    from app.legal_review.models import LegalReviewRound
    rounds = db.session.execute(select(LegalReviewRound.task_id, LegalReviewRound.round_no)
                                .where(LegalReviewRound.case_id == step.case.id)).all()
    mine = [n for task_id, n in rounds if task_id == step.task.id]
    return mine[0] if mine else 1 + max((n for _t, n in rounds), default=0)


def _legal_review(step: Step) -> list[Planned]:
    data = step.data
    checklist_field = step.meta.form.by_name.get("checklist") if step.meta and step.meta.form else None
    answers = data.get("checklist") or {}
    checklist = [{"item": item.label, "result": (answers.get(item.value) or {}).get("result") or "",
                  "comment": (answers.get(item.value) or {}).get("comment") or ""}
                 for item in (checklist_field.items if checklist_field else ())]
    proposal = (step.case.facts or {}).get("proposal")
    return [Planned("legal_review_opinion", {
        "outcome": data.get("outcome"), "opinion": data.get("opinion"), "reviewer": step.user.full_name,
        "round_no": _round_no(step), "proposal": PROPOSAL_LABELS.get(proposal, proposal or ""),
        "checklist": checklist})]


def _sign_conclusion(step: Step) -> list[Planned]:
    from app.legal_review.models import CommitteeMeeting
    if step.data.get("signed") is not True:
        return []
    meeting = db.session.scalars(select(CommitteeMeeting).where(CommitteeMeeting.case_id == step.case.id)
                                 .order_by(CommitteeMeeting.meeting_no.desc()).limit(1)).first()
    if meeting is None:
        return []
    conclusion_text = {"pass": "审议通过：同意" + PROPOSAL_LABELS.get((step.case.facts or {}).get("proposal"), "")
                       .removeprefix("拟") + "。"}.get(meeting.conclusion)
    context = {"meeting_no": meeting.meeting_no, "meeting_date": meeting.meeting_date,
               "attendees": _full_names(meeting.attendees), "legal_attendees": _full_names(meeting.legal_attendees),
               "quorum_met": bool(meeting.quorum_met), "minutes": meeting.minutes, "conclusion": meeting.conclusion,
               "recorder": _full_name(meeting.secretary), "signed_by": step.user.full_name,
               "sign_opinion": step.data.get("sign_opinion") or "", "signed_on": china_today()}
    if conclusion_text:
        context["conclusion_text"] = conclusion_text
    return [Planned("committee_minutes", context)]


def _decide(step: Step) -> list[Planned]:
    data, case = step.data, step.case
    decided = as_date(data.get("decision_date")) or china_today()
    if data.get("decision") == "grant":
        registered = step.outputs  # the licence register's row (app.licences, which runs first), when it has one
        valid_until = registered.get("valid_until") or data.get("valid_until")
        scope = registered.get("licence_scope") or data.get("licence_scope") or case.item.name
        name = f"{case.item.name}证" if not case.item.name.endswith("证") else case.item.name
        licence = {"scope": scope, "valid_from": registered.get("valid_from") or decided, "valid_until": valid_until,
                   "licence_name": registered.get("licence_name") or name}
        content = f"{case.item.name}（许可范围：{scope.strip().rstrip('。；;')}）"
        grant = {"content": content, "decision_date": decided, "valid_from": decided, "valid_until": valid_until,
                 "licence_number": LICENCE_NUMBER_PENDING}
        if (data.get("conditions") or "").strip():
            conditions = data["conditions"].strip()
            grant["conditions"] = conditions if conditions[-1] in "。；;.!！" else conditions + "。"
        return [Planned("licence", licence), Planned("grant_decision", grant)]
    if data.get("decision") == "deny":
        return [Planned("denial_decision", {"reasons": data.get("reasons"), "decision_date": decided})]
    if data.get("decision") in REVOCATION_VERBS:
        return _revocation_decision(step, decided)
    return []


# ------------------------------------------------------------------------------------------ the hearing

def _hearing_notice(step: Step) -> list[Planned]:
    """告知听证权利 (bpmn/hearing.bpmn): the notice of the right to request a hearing, with the window the
    hearing rules compute from the day of notice; the hearing record takes the notice's number."""
    from app.hearing import rules
    from app.hearing.steps import notice_number_issued
    data = step.data
    notified = as_date(data.get("notified_on")) or china_today()
    context = {"basis": data.get("hearing_basis"), "notified_on": notified,
               "window_until": rules.request_window_until(notified), "parties": (data.get("parties") or "").strip()}
    return [Planned("hearing_rights_notice", context,
                    issued=lambda doc: notice_number_issued(step.case.id, doc.number))]


def _hearing_arrange(step: Step) -> list[Planned]:
    """听证安排: the notice of the hearing's time and place to the applicant and the interested parties
    (第48条: seven days before), with the host by name and who requested it (the hearing record)."""
    from app.hearing.steps import current_hearing
    data = step.data
    hearing = current_hearing(step.case.id)
    host = (data.get("host") or [None])[0]
    context = {"host": _full_name(host), "scheduled_on": as_date(data.get("scheduled_on")),
               "scheduled_time": (data.get("scheduled_time") or "").strip(),
               "place": (data.get("place") or "").strip(), "parties_notified_on": as_date(data.get("parties_notified_on"))}
    if hearing is not None:
        context.update(parties=hearing.parties, requested_by=hearing.requested_by or "",
                       requested_on=hearing.requested_on)
    return [Planned("hearing_notice", context)]


# ------------------------------------------------------------------------------------------ a revocation

def _revoked_licence(case) -> dict:
    """The licence a revocation case concerns (the case's fact ``licence_no``): its number, and its name as
    the certificate issued at the grant printed it (the register's number is the certificate's; read here, not
    from app.licences, which depends on this package)."""
    number = str((case.facts or {}).get("licence_no") or "").strip()
    name = db.session.scalar(select(IssuedDocument.title).where(
        IssuedDocument.doc_type == "licence", IssuedDocument.number == number, IssuedDocument.status == VALID)
        .order_by(IssuedDocument.id.desc()).limit(1)) if number else None
    return {"licence_number": number, "licence_name": name or ""}


def _ground(case) -> dict:
    """The article of the inquiry's ground, and the verb: 撤回 on the ground of 第八条 or when 撤回 was proposed."""
    facts = case.facts or {}
    ground = facts.get("ground")
    article, verb = REVOCATION_GROUNDS.get(ground, ("第六十九条", "撤销"))
    if facts.get("proposal") == "withdraw_permit":
        verb = "撤回"
    return {"ground": ground or "", "article": article, "verb": verb}


def _sentence(text: str | None, lead: tuple[str, ...] = ()) -> str:
    """A form's text as a sentence of the document: without a lead-in the template already prints (经调查，),
    ending with a full stop."""
    text = (text or "").strip()
    for prefix in lead:
        if text.startswith(prefix):
            text = text[len(prefix):].lstrip("，,：: ")
            break
    return text if not text or text[-1] in "。；;.!！?？" else text + "。"


def _completed_data(case, kind: str) -> dict:
    """What the case's latest completed task of ``kind`` submitted (its ``task_completed`` record)."""
    import json

    from app.cases.models import TaskItem
    from app.records.models import ExecutionRecord
    payload = db.session.scalar(select(ExecutionRecord.payload).join(
        TaskItem, TaskItem.id == ExecutionRecord.task_id).where(
        ExecutionRecord.case_id == case.id, ExecutionRecord.action == "task_completed", TaskItem.kind == kind)
        .order_by(ExecutionRecord.seq.desc()).limit(1))
    return (json.loads(payload).get("data") or {}) if payload else {}


def _revocation_notice(step: Step) -> list[Planned]:
    """告知陈述申辩和听证权利 (bpmn/revocation.bpmn): the intended revocation's facts (the inquiry's
    findings), ground and article, and the rights of 第36、47条."""
    findings = _sentence(_completed_data(step.case, "review").get("opinion"), ("经调查核实", "经调查", "经查"))
    return [Planned("revocation_notice", {**_revoked_licence(step.case), **_ground(step.case),
                                          "findings": findings})]


def _revocation_decision(step: Step, decided) -> list[Planned]:
    """决定, revoke or withdraw: the decision names the notice served before it and what the holder said."""
    data, case = step.data, step.case
    ground = _ground(case)
    # 'withdraw_permit' is a withdrawal (撤回); so is 'revoke' on the ground of 第八条 (cases whose inquiry
    # could only propose 'revoke', before the diagram offered 拟撤回).
    if data["decision"] == "withdraw_permit":
        ground["verb"] = "撤回"
    context = {**_revoked_licence(case), **ground, "reasons": _sentence(data.get("reasons"), ("经查",)),
               "decision_date": decided}
    notice = _latest_valid(case, "revocation_notice")
    if notice is not None:
        said = _completed_data(case, "hearing_rights_notice")
        context.update(notice_number=notice.number, notice_title=notice.title,
                       notified_on=as_date(said.get("notified_on")) or notice.issued_on,
                       hearing_requested=bool(said.get("hearing_requested")),
                       statement=_sentence(said.get("statement")))
    return [Planned("revocation_decision", context)]


SERVED_DECISIONS = ("grant_decision", "denial_decision", "revocation_decision")


def _served_document(case, doc: IssuedDocument | None) -> str:
    """What this delivery serves: the decision (the case's latest valid decision document), with the licence
    a grant issued."""
    if doc is None:
        return "行政许可决定书"
    served = f"{doc.title}（{doc.number}）"
    licence = _latest_valid(case, "licence")
    if doc.doc_type == "grant_decision" and licence is not None:
        served += f"、{licence.title}（{licence.number}）"
    return served


def _deliver(step: Step) -> list[Planned]:
    data = step.data
    decision = _latest_valid(step.case, *SERVED_DECISIONS)
    if step.case.item.licence_procedure == "revocation" and decision is None:
        return []  # a revocation dismissed (不予撤销): no decision was issued, nothing to serve
    context = {"served_document": _served_document(step.case, decision), "recipient": step.case.applicant_name,
               "delivery_method": data.get("delivery_method"), "delivered_on": data.get("delivered_on"),
               "servers": [step.user.full_name]}
    note = "；".join(text.strip() for text in (data.get("service_note"), data.get("comment")) if (text or "").strip())
    if note:
        context["comment"] = note
    return [Planned("service_receipt", context)]


def _latest_valid(case, *doc_types: str) -> IssuedDocument | None:
    """The case's latest valid document of one of these types."""
    return db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.case_id == case.id, IssuedDocument.status == VALID, IssuedDocument.doc_type.in_(doc_types))
        .order_by(IssuedDocument.id.desc()).limit(1)).first()


PLANS = {"receive": _receive, "legal_review": _legal_review, "sign_conclusion": _sign_conclusion,
         "decide": _decide, "deliver": _deliver, "hearing_notice": _hearing_notice,
         "hearing_arrange": _hearing_arrange, "hearing_rights_notice": _revocation_notice}


def planned_documents(step: Step) -> list[Planned]:
    """The documents this step will issue with its data (for the preview too)."""
    plan = PLANS.get(step.kind or "")
    return plan(step) if plan else []


# ------------------------------------------------------------------------------------------ issuing

def _issue(step: Step) -> None:
    issued: dict[str, IssuedDocument] = {}
    for planned in planned_documents(step):
        context = dict(planned.context)
        if planned.doc_type == "grant_decision" and "licence" in issued:
            context["licence_number"] = issued["licence"].number
        serial = step.outputs.get("licence_serial") if planned.doc_type == "licence" else None
        doc, _drafts = issue_document(step.case, planned.doc_type, context, step.user.username, drafts=step.drafts,
                                      task_id=step.task.id, role=step.task.role, step_kind=step.kind, serial=serial)
        issued[planned.doc_type] = doc
        if planned.issued is not None:
            planned.issued(doc)
    decision = next((issued[t] for t in DECISION_TYPES if t in issued), None)
    if decision is not None:
        # What the handlers after this one use (the publication draft's 文号): the register's number.
        step.outputs["decision_document"] = decision
        step.data["document_no"] = decision.number
    if "licence" in issued:
        step.outputs["licence_document"] = issued["licence"]


def _check_decision(step: Step) -> None:
    """Before the engine runs: the decision's date lies between acceptance and today (行政许可法 第37、38条:
    a decision is made on an accepted application, and cannot be dated in the future), and a licence's
    validity ends after the decision."""
    decision = step.data.get("decision")
    if decision in REVOCATION_VERBS:
        document_date("revocation_decision", step.case, step.data)
        return
    if decision not in ("grant", "deny"):
        return
    decided = document_date("grant_decision" if decision == "grant" else "denial_decision", step.case, step.data)
    valid_until = step.data.get("valid_until")
    if decision == "grant" and valid_until:
        try:
            until = as_date(valid_until)
        except ValueError:
            until = None
        if until is None or until <= decided:
            message = _("许可证有效期须晚于决定日期（%(d)s）", d=decided.isoformat())
            raise InvalidData(message, fields={"valid_until": [message]}, code="licence_validity_invalid")


def register() -> None:
    hooks.register_task_kind("decide", validate=_check_decision)
    for kind in PLANS:
        hooks.register_task_kind(kind, apply=_issue)

