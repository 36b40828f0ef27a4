"""Records anchored outside the database: signed checkpoints of every execution-record chain and of the
deployment log, kept in the database, in an append-only file and on the public portal, so that a chain
rewritten consistently by someone with database access (the insider attack) is still found.

    take_checkpoint(reason)                one checkpoint now (commits; call it after your own commit)
    verify_against_checkpoints()           every chain against the anchored hashes → AnchorReport
    verify_case_against_checkpoints(case)  one case (for the API verify)
"""


def init_app(app) -> None:
    from app.anchoring import api, models  # noqa: F401  (the table; the routes register on import)
    from app.anchoring.cli import checkpoint_command, report_against_checkpoints
    from app.cases.cli import records_cli
    from app.cases.verify import register_external_check
    from app.scheduler.jobs import Job, register
    records_cli.add_command(checkpoint_command)
    register_external_check(report_against_checkpoints)
    from app.anchoring.service import case_check
    from app.cases.verify import register_case_check
    register_case_check(case_check)  # the API verify compares the case with the checkpoints too
    register(Job("checkpoint", "app.anchoring.service:scheduled_checkpoint",
                 app.config["CHECKPOINT_INTERVAL_SECONDS"],
                 "sign a checkpoint of every record chain when any changed (kept outside the database too)", "now"))
