"""审批表 / 流转意见: every earlier step's conclusion and opinion, the committee's minutes and attendees, and the
application's materials (previewed in the page), on the task page and the case page — so that nobody works
blind (an amendment sees the legal reviewer's comments, the leader signing sees the minutes)."""


def init_app(app) -> None:
    from app.opinions import web
    web.init_app(app)
