"""Official documents (执法文书): numbered, signed (PAdES) and sealed PDFs, verifiable by anyone
(docs/documents.md). What the steps call: ``app.documents.service`` — ``issue_document``, ``void_document``,
``case_documents``, ``preview``/``preview_current``."""


def init_app(app) -> None:
    # the tables, and the routes (which register on import: the API and the portal's verification page)
    from app.documents import api, models, web_public  # noqa: F401
    from app.documents.cli import documents_cli, signing_cli
    web_public.init_app(app)
    from app.documents import steps, web, web_designer  # noqa: F401  (routes register on import)
    steps.register()  # each document issued at its step, in the step's transaction
    from app.documents.timeline import register_timeline
    register_timeline()  # how its records read on the case page
    web.init_app(app)  # the task page's preview and the case page's list of documents
    app.cli.add_command(documents_cli)
    app.cli.add_command(signing_cli)
