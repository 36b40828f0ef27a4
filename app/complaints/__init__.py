"""Consultations and complaints (咨询投诉): the public contact form and bpmn/complaint.bpmn's steps."""


def init_app(app) -> None:
    from app.core.vocabulary import declare_task_kind
    declare_task_kind("complaint_register", "登记分办", "Register", status="complaint_registering",
                      status_zh="受理登记中", status_en="Being registered")
    declare_task_kind("complaint_investigate", "调查核实", "Investigate", status="complaint_investigating",
                      status_zh="调查核实中", status_en="Under investigation")
    declare_task_kind("complaint_approve", "审核答复", "Approve the reply", status="complaint_approving",
                      status_zh="答复审核中", status_en="Reply under approval")
    declare_task_kind("complaint_reply", "答复", "Reply", status="complaint_replying",
                      status_zh="待答复", status_en="Awaiting reply")
    from app.complaints import web_public  # noqa: F401  (routes register on import)
    web_public.register_pages(app)
