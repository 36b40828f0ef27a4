"""Valid form data for each task of the bureau's diagrams (tests change one field at a time)."""
import datetime as dt

from app.core.clock import china_today

# A decision is dated between acceptance and today (the decide step refuses any other date): a case accepted
# today is decided today; tests that travel in time pass their own decision_date.
TODAY = china_today().isoformat()

ACCEPT = {"outcome": "accept", "materials_complete": True}
CORRECT = {"outcome": "correct", "materials_complete": False, "correction_items": "缺少经营场所平面图；营业执照复印件不清晰"}
REJECT = {"outcome": "reject", "materials_complete": False, "reject_reason": "不属于本机关职权范围，请向市场监管部门申请。"}

MINOR_FACTS = {"category": "general", "investment": 50, "public_concern": False, "safety_impact": False,
               "complex": False}


def review(**facts):
    return {"opinion": "材料齐全，符合法定条件", "proposal": "grant", "hearing_needed": "none", **MINOR_FACTS,
            **facts}


def amend(**facts):
    return {"amendment": "已按法制审核意见补充证据", "opinion": "补充后符合法定条件", "proposal": "grant",
            **MINOR_FACTS, **facts}


CHECKLIST_KEYS = ("authority", "competence", "facts", "evidence", "law", "procedure", "discretion", "documents",
                  "referral", "other")


def legal_review(outcome="approve", failed=()):
    checklist = {k: {"result": "fail" if k in failed else "pass", "comment": "证据不足" if k in failed else ""}
                 for k in CHECKLIST_KEYS}
    return {"checklist": checklist, "outcome": outcome, "opinion": "经审核，" + outcome}


def committee(conclusion="pass", attendees=("leader", "legal", "reviewer2")):
    return {"meeting_date": "2026-11-20", "attendees": list(attendees), "quorum_met": True,
            "minutes": "会议听取了审查情况汇报，经讨论形成结论。", "conclusion": conclusion}


SIGN = {"sign_opinion": "同意委员会结论", "signed": True}
COUNSEL = {"counsel_opinion": "本案法律关系清楚，建议准予许可。"}
VALID_UNTIL = (china_today() + dt.timedelta(days=5 * 365)).isoformat()
DECIDE_GRANT = {"decision": "grant", "decision_date": TODAY, "valid_until": VALID_UNTIL, "opinion": "同意"}
DECIDE_DENY = {"decision": "deny", "decision_date": TODAY,
               "opinion": "不同意", "reasons": "不符合法定条件"}
# Electronic service: proven by the system's own record (direct and mail need the signed receipt uploaded).
def deliver(on: str | None = None) -> dict:
    """送达 on ``on`` (default: today as the clock says then, so it also holds under a frozen clock)."""
    return {"delivery_method": "electronic", "delivered_on": on or china_today().isoformat()}
PUBLISH = {}  # 公示 confirms the publication record; its date is the record's, never typed
ARCHIVE = {"archive_no": "DA-2026-0001"}

# The hearing sub-process (bpmn/hearing.bpmn).
HEARING_NOTICE = {"hearing_basis": "major_interests",  # the notice's number comes from the register
                  "notified_on": "2026-03-04", "parties": "申请人鞍山示例食品有限公司；利害关系人张某（相邻住户）"}


def hearing_request(on="2026-03-11"):
    return {"hearing_request": "requested", "requested_on": on, "requested_by": "张某（利害关系人）",
            "request_ref": "听证申请〔2026〕1号"}


def hearing_arrange(on="2026-03-23", notified="2026-03-12", host="reviewer2"):
    return {"host": [host], "scheduled_on": on, "scheduled_time": "09:30", "place": "市行政审批局三楼听证室",
            "parties_notified_on": notified}


def hearing_hold(on="2026-03-23", **extra):
    return {"held_on": on, "recusal_requested": False, "hearing_outcome": "held", "transcript_ref": "听证笔录〔2026〕1号",
            "transcript_signed": True, "summary": "申请人与利害关系人陈述意见并质证。",
            "av_exemption_reason": "", **extra}
