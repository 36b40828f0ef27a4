"""The job scheduler: a database lease picks the one process that runs the jobs (lease.py), the job
registry and one run of a job (jobs.py), the APScheduler loop (runner.py), ``flask scheduler`` (cli.py)."""


def init_app(app) -> None:
    from app.scheduler.cli import scheduler_cli
    app.cli.add_command(scheduler_cli)
