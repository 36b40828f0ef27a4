"""The authorization matrix: for every route of the URL map, who gets through.

``EXPECTED`` is the one table (endpoint -> rule); ``tests/test_security_matrix.py`` requests every route as
every role and as an anonymous visitor and compares. A route without an entry fails that test: whoever adds
a route adds its line here. A rule names who gets through; everyone else signed in is refused (403), and an
anonymous visitor is sent to sign in (401 on the API, the sign-in page on the web) unless the rule is PUBLIC.

"Gets through" means the route's own access check let the request in: the answer may still be a 404 (no
such thing), a 409 or a 422 (the empty request the matrix sends), never a 401 or 403 or the sign-in page.
The concrete request (``VALUES`` below fill the path) is one case at its review step, with one file.
"""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("clerk", "reviewer", "legal", "counsel", "secretary", "leader", "supervisor", "designer", "admin")
WORKERS = frozenset({"clerk", "reviewer", "legal", "counsel", "secretary", "leader"})
STAFF = frozenset(ROLES)
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Rule:
    through: frozenset  # roles that get through
    public: bool = False  # anonymous visitors too

    def expect(self, who: str) -> str:
        if who == ANONYMOUS:
            return "through" if self.public else "sign-in"
        return "through" if who in self.through else "refused"


def only(*roles: str) -> Rule:
    return Rule(frozenset(roles))


PUBLIC = Rule(STAFF, public=True)
SIGNED_IN = Rule(STAFF)
CASE_VIEWERS = Rule(WORKERS | {"supervisor"})  # app.cases.access.may_view_case (an internal case)
CASE_WORKERS = Rule(WORKERS)  # app.cases.access.may_act_on_case
NOBODY = Rule(frozenset())  # signed in, but no role gets through with the matrix's request

EXPECTED: dict[str, Rule] = {
    # --- the public portal and what any browser loads
    "static": PUBLIC, "web.vendor": PUBLIC, "healthz": PUBLIC,
    "public.index": PUBLIC, "public.guide": PUBLIC, "public.guide_item": PUBLIC, "public.officers": PUBLIC,
    "public.decisions": PUBLIC, "public.decision": PUBLIC, "public.decisions_csv": PUBLIC,
    "public.decisions_json": PUBLIC, "public.progress": PUBLIC, "public.contact": PUBLIC,
    "public.document": PUBLIC, "public.annual_years": PUBLIC, "public.annual_year": PUBLIC,
    "api.openapi_document": PUBLIC, "api.public_progress": PUBLIC, "api.public_decisions": PUBLIC,
    "api.public_document": PUBLIC, "api.public_checkpoints": PUBLIC, "api.signing_ca": PUBLIC,
    "api.signing_certificate": PUBLIC,
    # --- signing in and out, one's own account
    "web.login": PUBLIC, "api.create_token": PUBLIC, "web.logout": PUBLIC,
    "api.revoke_token": SIGNED_IN, "api.change_password": SIGNED_IN, "web.change_password": SIGNED_IN,
    "web.set_language": SIGNED_IN, "web.task_list": SIGNED_IN, "api.list_tasks": SIGNED_IN,
    "api.list_service_items": SIGNED_IN,
    # --- a case and its tasks (the review task: the reviewer's role)
    "web.case_page": CASE_VIEWERS, "api.show_case": CASE_VIEWERS, "api.case_records": CASE_VIEWERS,
    "api.verify_case_records": CASE_VIEWERS, "api.case_documents": CASE_VIEWERS,
    "web.case_document_pdf": CASE_VIEWERS, "web.preview_step_document": CASE_VIEWERS,
    "web.task_page": CASE_VIEWERS, "api.show_task": CASE_VIEWERS,
    "web.claim": only("reviewer"), "api.claim": only("reviewer"),
    "web.release": CASE_VIEWERS, "api.release": CASE_VIEWERS,  # then 409: not claimed by them
    "web.submit_task": only("reviewer"), "api.complete": only("reviewer"),
    "web.new_case": only("clerk"), "api.create_case": only("clerk"),
    # --- the clock (reviewer or leader pause and resume; the leader extends)
    "web.pause_clock": only("reviewer", "leader"), "api.pause_clock": only("reviewer", "leader"),
    "web.resume_clock": only("reviewer", "leader"), "api.resume_clock": only("reviewer", "leader"),
    "web.extend_decision": only("leader"), "api.extend_decision": only("leader"),
    "web.extend_legal_review": only("leader"), "api.extend_legal_review": only("leader"),
    # --- files
    "web.upload_files": CASE_WORKERS, "web.download_file": CASE_VIEWERS, "web.supersede_file": CASE_WORKERS,
    # --- a leader's grants of a state-secret case (the matrix's case is internal: 409 once through)
    "web.grant_access": only("leader"), "web.revoke_access": only("leader"),
    "api.grant_access": only("leader"), "api.revoke_access": only("leader"), "api.list_access_grants": only("leader"),
    # --- documents
    "api.document_pdf": CASE_VIEWERS,  # the acceptance notice the receive step issued
    "api.preview_document": SIGNED_IN,
    # --- publications (双公示)
    "web.publications": only("clerk", "leader"), "web.publication": only("clerk", "leader"),
    "web.publication_save": only("clerk", "leader"), "web.publication_publish": only("clerk", "leader"),
    "web.publication_update": only("clerk", "leader"), "web.publication_withdraw": only("clerk", "leader"),
    "web.publication_withhold": only("clerk", "leader"),
    "api.publish_publication": only("clerk", "leader"),  # then 404 (no publication)  # then 404 (no publication); the leader's rule after
    # --- the supervisor's desk
    "web.supervision": only("supervisor"), "web.supervision_case": only("supervisor"),
    "web.supervision_note": only("supervisor"), "web.supervision_reassign": only("supervisor"),
    "web.supervision_suspend": only("supervisor"), "web.supervision_resume": only("supervisor"),
    "web.supervision_retry": only("supervisor"),
    "api.supervision_overdue": only("supervisor"), "api.supervision_due_soon": only("supervisor"),
    "api.supervision_stuck": only("supervisor"), "api.supervision_broken": only("supervisor"),
    "api.supervision_steps": only("supervisor"), "api.supervision_on_time": only("supervisor"),
    "api.supervision_note": only("supervisor"), "api.supervision_reassign": only("supervisor"),
    "api.supervision_suspend": only("supervisor"), "api.supervision_resume": only("supervisor"),
    "api.supervision_retry": only("supervisor"),
    # --- the annual report
    "web.annual_index": only("supervisor"), "web.annual_report": only("supervisor"),
    "web.annual_save_draft": only("supervisor"), "web.annual_publish": only("supervisor"),
    "web.annual_export": only("supervisor"),
    "api.annual_overview": only("supervisor"), "api.annual_version": only("supervisor"),
    "api.annual_draft": only("supervisor"), "api.annual_publish": only("supervisor"),
    "api.annual_export": only("supervisor"),
    # --- the designer: every member of staff may read the diagrams (no case data); designers change them
    "web.designer": SIGNED_IN, "web.designer_log": SIGNED_IN, "web.designer_version": SIGNED_IN,
    "web.designer_download": SIGNED_IN, "web.designer_diff": SIGNED_IN, "web.designer_cockpit": SIGNED_IN,
    "web.designer_deploy": only("designer"), "web.designer_edit": only("designer"),
    "web.designer_deploy_xml": only("designer"),
    "web.designer_templates": only("designer"), "web.designer_template_preview": only("designer"),
    "web.designer_template_deploy": only("designer"),
    "web.designer_migrate": only("supervisor"), "web.designer_migrate_post": only("supervisor"),
    "api.list_definitions": SIGNED_IN, "api.definition_content": SIGNED_IN,
    "api.deploy_definitions": only("designer"), "api.verify_definition_records": SIGNED_IN,
    "api.migration_plan": only("supervisor"), "api.migrate_cases": only("supervisor"),
    # --- the administrator
    "web.calendar_admin": only("admin"), "web.calendar_load_notice": only("admin"),
    "web.calendar_add_closure": only("admin"),
    "web.users_admin": only("admin"), "web.user_admin": only("admin"), "web.user_set_active": only("admin"),
    "web.user_set_password": only("admin"), "web.user_unlock": only("admin"),
    "web.user_set_principal": only("admin"),
    # --- withdrawal of an application (the matrix sends no body: 422 once through; the web form's empty
    # fields likewise)
    "api.withdraw": only("clerk"), "web.withdraw_case_form": only("clerk"),
    # --- the licence register (staff who see cases; the matrix's number is unknown: 404 once through)
    "api.list_licences": CASE_VIEWERS, "api.show_licence": CASE_VIEWERS,
    "web.licences": CASE_VIEWERS, "web.licence_page": CASE_VIEWERS,
    # --- issue 12: staff at the counter and at the desk
    "web.view_file": CASE_VIEWERS,  # a file shown inside the page (then 404 for a type not shown inline)
    "web.inbox": SIGNED_IN, "web.inbox_read": SIGNED_IN,  # one's own notices
    "web.claim_batch": CASE_WORKERS,  # then each task's own check
    "web.download_case_file": only("clerk", "leader", "supervisor"),  # then 404: the matrix case is not sealed
}


# The API bodies the matrix sends (else ``{}``): enough to pass the body's schema, so that what answers is
# the route's access rule and not the body check.
BODIES = {
    "api.create_case": {"item": "XK-002", "applicant": {"name": "矩阵测试", "type": "natural_person"}},
    "api.complete": {"data": {}},
    "api.pause_clock": {"procedure": "expert_review", "reason": "专家评审", "notice_ref": "告知书1号"},
    "api.extend_decision": {"reason": "复杂", "notice_ref": "告知书2号"},
    "api.extend_legal_review": {"reason": "复杂"},
    "api.grant_access": {"username": "supervisor", "reason": "督查"},
    "api.revoke_access": {"reason": "督查结束"},
}


def values(case_no: str, task_id: str, evidence_id: int) -> dict:
    """What fills each path variable of the matrix's requests."""
    return {"case_no": case_no, "task_id": task_id, "evidence_id": evidence_id, "pub_id": 1, "doc_id": 1,
            "public_id": "0" * 32, "year": 2026, "version": 1, "key": "standard_permit", "username": "legal2",
            "fmt": "csv", "doc_type": "grant_decision", "code": "XK-002", "path": "bpmn-js/assets/bpmn-js.css",
            "filename": "style.css", "number": "鞍审证〔2026〕第9999号"}
