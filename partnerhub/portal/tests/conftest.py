"""Fixtures for the browser tests: headless Chromium driven by Playwright against
pytest-django's live server.

Rules every browser test follows:

* it carries ``@pytest.mark.browser`` (run them alone with ``pytest -m browser``, leave them
  out with ``-m "not browser"``);
* when Chromium or Playwright is missing it is skipped with a loud warning on a laptop, but
  when the ``CI`` environment variable is set it fails instead, so that a broken CI image can
  never pass by skipping;
* each test writes its screenshots to ``test-results/<test name>/NN-<step>.png`` under the
  repository root (git-ignored); a failing test also gets one screenshot of every open page.

The Chromium binary is ``/usr/bin/chromium`` unless ``PARTNERHUB_CHROMIUM`` names another.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PARTNERHUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# Short waits: the live server answers in milliseconds, and a test stuck on a missing label
# should fail quickly with the label it was looking for.
ACTION_TIMEOUT_MS = 10_000

_REPORTS = pytest.StashKey[dict]()
_WARNED = pytest.StashKey[bool]()


class BrowserUnavailableWarning(pytest.PytestWarning):
    """Browser tests could not run here and were skipped."""


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(request: pytest.FixtureRequest, reason: str):
    """Skip loudly on a laptop; fail in CI."""
    if _in_ci():
        pytest.fail(f"browser tests cannot run: {reason} (CI is set, so this fails)", pytrace=False)
    message = (
        f"BROWSER TESTS SKIPPED: {reason}. "
        "They prove the partner and customer pages work; install Playwright and Chromium."
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if (
        reporter is not None
        and capture is not None
        and not request.config.stash.get(_WARNED, False)
    ):
        request.config.stash[_WARNED] = True
        with capture.global_and_fixture_disabled():
            reporter.write("\n")
            reporter.write_sep("!", message, yellow=True, bold=True)
    warnings.warn(BrowserUnavailableWarning(message), stacklevel=2)
    pytest.skip(message)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-").lower() or "step"


@pytest.fixture
def browser(request):
    """A headless Chromium for one test. Playwright's sync API keeps an event loop running
    in this thread, so Django's async-safety check is switched off while it lives."""
    if request.node.get_closest_marker("browser") is None:
        pytest.fail("a test that drives the browser must carry @pytest.mark.browser")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(request, f"Playwright for Python is not installed ({exc})")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(request, f"no Chromium at {CHROMIUM} (set PARTNERHUB_CHROMIUM)")

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
        except PlaywrightError as exc:
            playwright.stop()
            _unavailable(request, f"Chromium at {CHROMIUM} did not start ({exc.message})")
        try:
            yield chromium
        finally:
            chromium.close()
            playwright.stop()


# PARTNERHUB_TEST_SCREENSHOTS=0 leaves the pictures out (CI's PostgreSQL pass, beside the SQLite
# pass that takes the same ones).
SCREENSHOTS = os.environ.get("PARTNERHUB_TEST_SCREENSHOTS", "1") != "0"


@dataclass
class Screenshots:
    """Numbered screenshots of one test: ``shots(page, "my-accounts")`` writes
    ``NN-my-accounts.png`` into the test's folder and returns its path."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, page, step: str, *, full_page: bool = True) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{_slug(step)}.png"
        self.taken.append(path)
        if not SCREENSHOTS:
            return path
        # Playwright would add a style element to stop animations and hide the caret, which the
        # pages' Content-Security-Policy refuses (an error in the console): take the page as is.
        page.screenshot(path=str(path), full_page=full_page, caret="initial")
        return path


@pytest.fixture
def shots(request) -> Screenshots:
    folder = request.config.rootpath / "test-results" / _slug(request.node.name)
    if SCREENSHOTS:  # without them, the folder is left to a run that takes them
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    return Screenshots(folder)


@dataclass
class Pages:
    """Opens pages in fresh browser contexts (one per person, so cookies never mix) against
    the live server, and keeps every script error the pages raise."""

    browser: object
    base_url: str
    contexts: list = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def open(self, *, viewport: dict | None = None, **context_options):
        context = self.browser.new_context(
            base_url=self.base_url, viewport=viewport or DESKTOP, **context_options
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        return page

    def open_phone(self):
        return self.open(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)

    def assert_no_script_errors(self) -> None:
        assert self.script_errors == [], f"the pages raised script errors: {self.script_errors}"


@pytest.fixture
def pages(request, browser, live_server, shots, django_db_serialized_rollback):
    """Pages in the browser. The live server needs committed data, so each test empties the
    database when it ends; the rows migrations write (the program's first terms) are put back
    before each browser test (serialized rollback), whichever test emptied the database."""
    from playwright.sync_api import expect

    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    opened = Pages(browser=browser, base_url=live_server.url)
    yield opened
    call = request.node.stash.get(_REPORTS, {}).get("call")
    if call is not None and call.failed:
        for context in opened.contexts:
            for page in context.pages:
                try:
                    shots(page, "failure")
                except Exception as exc:  # a screenshot must never hide the failure itself
                    warnings.warn(f"could not take the failure screenshot: {exc}", stacklevel=1)
    for context in opened.contexts:
        context.close()
    # Django keeps connections per thread *and* per async context. While Playwright's event
    # loop runs, the test's queries use a connection of their own that pytest-django's
    # teardown does not see; left open, it keeps PostgreSQL from dropping the test database.
    from django.db import connections

    connections.close_all()
