"""Debian's Chromium driven by Playwright: where it is, how it starts on this machine, where screenshots go.

Without Chromium the browser tests are skipped with the reason; CI sets REQUIRE_BROWSER=1 so that a missing
browser fails instead. The tests carry the ``browser`` marker (``make test-fast`` leaves them out).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
# The flags this machine needs: no sandbox as root, and no background traffic to a closed network.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Screenshots people look at (printed by .ci/run); an explicit output, not a side effect.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "artifacts" / "screenshots")


def missing(what: str) -> None:
    """Skip, or fail when the run requires the browser."""
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {what}")
    pytest.skip(what)


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, server: str, username: str) -> None:
    """Sign in on the staff login page as a demo user (password ``demo``) and wait for the landing page."""
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button.primary")
    page.wait_for_url(f"{server}/**")
