"""The benchmarks in bench/ run against the current code (a tiny run on a scratch SQLite file): a refactoring
that breaks them fails here, not months later when someone wants a figure. No timing is asserted."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.multiprocess
@pytest.mark.parametrize("script, args, expect", [
    ("lifecycle.py", ["--cases", "1"], "ratio to floor"),
    ("tasklist.py", ["--cases", "30"], "search: applicant"),
    ("documents.py", ["--per-type", "1"], "grant_decision"),
    ("signin.py", ["--rounds", "2"], "unknown user"),
    ("loops.py", ["--rounds", "2", "--samples", "2"], "ratio looped/fresh"),
    ("verify.py", ["--records", "200"], "ratio:"),
    ("scans.py", ["--cases", "100", "--due", "5"], "slowest:"),
])
def test_the_benchmark_runs_and_prints_its_figures(script, args, expect, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("BENCH_DATABASE_URL", "DATABASE_URL")}
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert expect in done.stdout, done.stdout[-2000:]
