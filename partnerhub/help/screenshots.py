"""``python -m partnerhub.help.screenshots``: take the pictures of the help articles from the
product itself, on a fresh demo database, in headless Chromium.

It builds the demo program in a database of its own (``var/help-screens.sqlite3``, rebuilt each
time), serves it on ``127.0.0.1:8179`` (``--port`` to change), signs in as the demo people and
writes each picture to ``partnerhub/help/static/help/screens/``. The pictures are taken at a
modest size and scale so that each file stays small.
"""

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SCREENS_DIR = Path(__file__).resolve().parent / "static" / "help" / "screens"
DATABASE = BASE_DIR / "var" / "help-screens.sqlite3"
CHROMIUM = os.environ.get("PARTNERHUB_CHROMIUM", "/usr/bin/chromium")
PASSWORD_USERS = {
    "partner": "olivia@brightwave.example",
    "asked": "marco@harboryoga.example",
    "managed": "ruth@riversidedental.example",
}


def _env(port: int) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{DATABASE}",
        "PARTNERHUB_DEBUG": "1",
        "PARTNERHUB_BASE_URL": f"http://127.0.0.1:{port}",
    }


def _manage(*args: str, port: int) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "partnerhub.cli", *args], env=_env(port), check=True
    )


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own local server)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the demo server did not answer at {url}")


def _sign_in(browser, base: str, who: str):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.settings")
    django.setup()
    from partnerhub.demo.management.commands.demo_seed import PASSWORD

    context = browser.new_context(
        base_url=base, viewport={"width": 1180, "height": 720}, device_scale_factor=1
    )
    page = context.new_page()
    page.goto("/signin/")
    page.get_by_label("E-mail").fill(PASSWORD_USERS[who])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    return page


def _billing_path(who: str) -> str:
    from django.urls import reverse

    from partnerhub.clients.models import ClientAccount

    account = ClientAccount.objects.get(owner__username=PASSWORD_USERS[who])
    return reverse("customer-provider", args=[account.encoded_account_id])


def _shoot(target, name: str, **options) -> None:
    path = SCREENS_DIR / name
    target.screenshot(path=str(path), caret="initial", **options)
    print(f"{path.relative_to(BASE_DIR)}: {path.stat().st_size // 1024} KB")


def take(base: str) -> None:
    from playwright.sync_api import sync_playwright

    SCREENS_DIR.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        partner = _sign_in(browser, base, "partner")
        partner.goto("/portal/accounts/?type=referred")
        _shoot(
            partner, "my-accounts-referred.png", clip={"x": 0, "y": 0, "width": 1180, "height": 560}
        )
        partner.goto("/portal/accounts/?type=referred&q=maple")
        partner.get_by_role("button", name="Request permission to manage").first.click()
        card = partner.locator(".overlay-card")
        card.wait_for()
        _shoot(card, "request-overlay.png")
        partner.goto("/portal/earnings/")
        _shoot(partner, "earnings.png", clip={"x": 0, "y": 0, "width": 1180, "height": 620})

        asked = _sign_in(browser, base, "asked")
        asked.goto(_billing_path("asked"))
        _shoot(asked.locator(".request-card"), "provider-request.png")

        managed = _sign_in(browser, base, "managed")
        managed.goto(_billing_path("managed"))
        _shoot(managed.locator(".billing-grid"), "provider-managed.png")
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m partnerhub.help.screenshots")
    parser.add_argument("--port", type=int, default=8179)
    options = parser.parse_args(argv)
    os.environ.update(_env(options.port))
    # Playwright keeps an event loop running; the few ORM reads here are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    DATABASE.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    _manage("migrate", "--no-input", "-v0", port=options.port)
    _manage("demo_seed", port=options.port)
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "partnerhub.cli",
            "runserver",
            f"127.0.0.1:{options.port}",
            "--noreload",
        ],
        env=_env(options.port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{options.port}"
    try:
        _wait_for(f"{base}/signin/")
        take(base)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
