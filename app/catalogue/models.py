from __future__ import annotations

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ServiceItem(db.Model):
    """An approval item of the catalogue (政务服务事项目录), loaded from rules/service_items.json."""
    __tablename__ = "service_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    # Listed in the bureau's 重大执法决定法制审核目录清单: major regardless of the rule table.
    major: Mapped[bool] = mapped_column(default=False)
    process_key: Mapped[str] = mapped_column(String(128), default="standard_permit")
    authority: Mapped[str | None] = mapped_column(String(200))
    legal_basis: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    materials: Mapped[list] = mapped_column(JSON, default=list)
    statutory_days: Mapped[int] = mapped_column(default=20)
    # 统一/联合/集中办理 (第42条第二款): 45 working days, one extension of 15 with the government's approval.
    joint_handling: Mapped[bool] = mapped_column(default=False)
    promised_days: Mapped[int | None]
    fees: Mapped[str | None] = mapped_column(String(200))
    # Service guide (办事指南) texts: where and when to apply, and how to complain or seek remedy.
    where_when: Mapped[str | None] = mapped_column(Text)
    complaint_channel: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    # 法律法规、部门规章另有规定的除外: the legal basis on which this item's decisions are not published (shown on
    # the publication desk; lets a leader withhold a decision on that ground).
    publication_exception: Mapped[str | None] = mapped_column(Text)
    # The case number's prefix: XK for licences, TS for consultations and complaints (their own numbering).
    case_prefix: Mapped[str] = mapped_column(String(8), default="XK", server_default="XK")
    # The licence's life (app.licences). ``licence_procedure``: "issue" (a grant registers a licence), "change"
    # (变更, 第49条), "renewal" (延续, 第50条), "cancellation" (注销, 第70条) or "revocation" (撤销/撤回, 第69条、
    # 第8条); none for items that issue no licence. The four procedures on an existing licence act on the
    # licences of the item ``licence_item`` (its code).
    licence_procedure: Mapped[str | None] = mapped_column(String(16))
    licence_name: Mapped[str | None] = mapped_column(String(200))  # 许可证书名称, e.g. 食品经营许可证
    licence_valid_years: Mapped[int | None]  # the term a grant gives; none: no term
    licence_item: Mapped[str | None] = mapped_column(String(64))
    # 延续: applied for at least this many days before expiry (第50条: 30, "unless laws, regulations or rules
    # provide otherwise" — then the other term and its legal basis here).
    renewal_lead_days: Mapped[int | None]
    renewal_basis: Mapped[str | None] = mapped_column(Text)
