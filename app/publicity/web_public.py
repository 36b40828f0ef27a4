"""The public portal (``/public``, no sign-in, read-only): the service guide (办事指南), the enforcement staff
list (行政执法人员清单), the progress query (办理进度查询) and the published decisions (双公示) with CSV and
JSON downloads. It shows only what is meant for the public: published records (ID numbers masked), never
an applicant, the facts or anything of a case that is not published.
"""
from __future__ import annotations

import json
from urllib.parse import quote

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from app.core.clock import china_today
from app.core.exports import csv_bytes
from app.core.i18n import current_language, pick, t
from app.core.inputs import page_number
from app.core.vocabulary import status_label
from app.deadlines.clock import statutory_workdays
from app.extensions import csrf
from app.publicity import portal
from app.publicity.fields import FIELD_NAMES, bureau, field_label
from app.publicity.progress import find_progress, query_limiter
from app.users import officers as officer_list
from app.users.officers import certificate_valid_on

bp = Blueprint("public", __name__, url_prefix="/public")
PAGE_SIZE = 20
DOWNLOAD_LIMIT = 10000


def purl(endpoint: str, **values) -> str:
    """url_for that keeps the visitor's language (?lang=en) on every link."""
    if current_language() == "en":
        values.setdefault("lang", "en")
    return url_for(endpoint, **values)


def switch_language_url(lang: str) -> str:
    """This page in the other language (after a posted query: the query's empty form)."""
    args = {k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = lang
    if request.method == "GET" and request.endpoint:
        return url_for(request.endpoint, **(request.view_args or {}), **args)
    return url_for("public.progress" if request.endpoint == "public.progress" else "public.index", lang=lang)


@bp.context_processor
def _public_globals():
    lang = current_language()
    return {"purl": purl, "switch_language_url": switch_language_url, "lang": lang,
            "bureau_name": bureau()[0], "field_label": field_label,
            "pick_en": pick}


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint == "public.progress":
        response.headers["Cache-Control"] = "no-store"  # a query's answer is nobody else's business
    return response


@bp.errorhandler(404)
def _not_found(exc):
    return render_template("public/error.html", code=404, message=_("您访问的页面不存在。")), 404


# ------------------------------------------------------------------------------------------ pages

@bp.get("/")
def index():
    return render_template("public/index.html", section="home", public_fields=portal.public_fields,
                           latest=portal.public_decisions(portal.DecisionFilters(), limit=5)[0])


@bp.get("/guide")
def guide():
    return render_template("public/guide.html", section="guide", items=portal.guide_items(),
                           statutory_days=statutory_workdays)


@bp.get("/guide/<code>")
def guide_item(code: str):
    item = next((i for i in portal.guide_items() if i.code == code), None)
    if item is None:
        abort(404)
    svg, steps = portal.process_diagram(item)
    return render_template("public/guide_item.html", section="guide", item=item,
                           statutory_days=statutory_workdays(item), diagram=Markup(svg) if svg else None, steps=steps)


@bp.get("/officers")
def officers():
    today = china_today()
    rows = [(u, certificate_valid_on(u, today)) for u in officer_list.officers()]
    return render_template("public/officers.html", section="officers", rows=rows, today=today, unit=bureau()[0])


@bp.route("/progress", methods=["GET", "POST"])
def progress():
    """POST keeps the query code out of addresses and logs. A wrong code and an unknown case number get
    the very same page; more than the limit per minute from one address gets 429."""
    if request.method == "GET":
        return render_template("public/progress.html", section="progress", result=None, message=None)
    allowed, wait = query_limiter().hit(request.remote_addr or "unknown")
    if not allowed:
        response = Response(render_template("public/progress.html", section="progress", result=None,
                                            message=t("too_many_queries", seconds=wait)), 429)
        response.headers["Retry-After"] = str(wait)
        return response
    found = find_progress(request.form.get("case_no"), request.form.get("code"))
    if found is None:
        return render_template("public/progress.html", section="progress", result=None,
                               message=t("progress_not_found"))
    return render_template("public/progress.html", section="progress", result=found, message=None,
                           status_label=status_label)


@bp.get("/decisions")
def decisions():
    filters = portal.DecisionFilters.from_args(request.args)
    page = request.args.get("page", 1, type=page_number)
    rows, total = portal.public_decisions(filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("public/decisions.html", section="decisions", rows=rows, total=total, page=page,
                           pages=pages, filters=filters, args=filters.as_args(), items=portal.guide_items(),
                           public_fields=portal.public_fields)


@bp.get("/decisions/<int:pub_id>")
def decision(pub_id: int):
    pub = portal.public_decision(pub_id)
    if pub is None:
        abort(404)
    return render_template("public/decision.html", section="decisions", pub=pub, fields=portal.public_fields(pub),
                           published_on=portal.public_published_on(pub))


@bp.get("/decisions.csv")
def decisions_csv():
    rows, _total = portal.public_decisions(portal.DecisionFilters.from_args(request.args), limit=DOWNLOAD_LIMIT)
    body = csv_bytes([FIELD_NAMES] + [[portal.public_fields(pub)[name] for name in FIELD_NAMES] for pub in rows])
    return Response(body, mimetype="text/csv", headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": _attachment(f"行政许可双公示_{china_today():%Y%m%d}.csv")})


@bp.get("/decisions.json")
def decisions_json():
    rows, _total = portal.public_decisions(portal.DecisionFilters.from_args(request.args), limit=DOWNLOAD_LIMIT)
    body = json.dumps(portal.decision_records(rows, with_id=False), ensure_ascii=False, indent=1)
    return Response(body.encode("utf-8"), mimetype="application/json", headers={
        "Content-Disposition": _attachment(f"行政许可双公示_{china_today():%Y%m%d}.json")})


def _attachment(filename: str) -> str:
    ascii_name = "decisions." + filename.rsplit(".", 1)[-1]
    return f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(filename)}"


def register_portal(app) -> None:
    """Register the portal once every feature has added its public pages to it."""
    csrf.exempt(bp)  # no sign-in, no session; the one form that changes data checks its token itself
    app.register_blueprint(bp)
